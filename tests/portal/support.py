"""Helpers for the portal tests: fill in the public form, read the receipt, look a letter up."""

from __future__ import annotations

import html
import io
import re
from typing import Any

from sqlalchemy import select

from app.cases.models import Case
from app.org.models import OrgUnit

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PHONE = "13912345678"
TAIL = "5678"


def unit(db_session, name: str) -> OrgUnit:
    return db_session.execute(select(OrgUnit).where(OrgUnit.name == name).limit(1)).scalar_one()


def form_token(client) -> str:
    body = client.get("/portal/write").get_data(as_text=True)
    found = re.search(r'name="form_token" type="hidden" value="([^"]+)"', body) or re.search(
        r'id="form_token" name="form_token" type="hidden" value="([^"]+)"', body
    )
    assert found, "the form has no one-time token"
    return found.group(1)


def letter(db_session, place: str = "城关镇", mailbox: str = "township", **overrides: Any) -> dict[str, Any]:
    """A valid public form post (without the token) about `place` (a township's name)."""
    town = unit(db_session, place)
    data: dict[str, Any] = {
        "mailbox": mailbox,
        "township": str(town.id),
        "village": "",
        "department": "",
        "category": "claim",
        "subject": "",
        "title": "小区门口路灯坏了三个月",
        "content": "我家小区门口的路灯坏了三个月，晚上出行很不方便，希望尽快修好。",
        "name": "周小梅",
        "phone": PHONE,
        "id_number": "",
        "consent": "y",
        "homepage": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def send(client, db_session, files: list[tuple[bytes, str]] | None = None, **overrides: Any):
    """Fill in and send the public form; returns the response."""
    data = {**letter(db_session, **overrides), "form_token": form_token(client)}
    if files:
        data["attachments"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post("/portal/write", data=data, content_type="multipart/form-data")


def receipt(response) -> tuple[str, str]:
    """(query code, case number) from the receipt page."""
    body = response.get_data(as_text=True)
    code = re.search(r'id="query-code">([^<]+)<', body)
    number = re.search(r'id="case-number">([^<]+)<', body)
    assert response.status_code == 200 and code and number, errors(response)
    return code.group(1).strip(), number.group(1).strip()


def submit(client, db_session, **overrides: Any) -> tuple[str, Case]:
    """Send a letter; returns the query code and the new case."""
    code, number = receipt(send(client, db_session, **overrides))
    db_session.expire_all()
    case = db_session.execute(select(Case).where(Case.number == number)).scalar_one()
    return code, case


def errors(response) -> dict[str, str]:
    """Messages next to the fields (id="err-<field>") and the summary on top."""
    body = response.get_data(as_text=True)
    found = {m.group(1): html.unescape(m.group(2)).strip()
             for m in re.finditer(r'id="err-([a-z_]+)"[^>]*>([^<]*)<', body)}
    summary = re.search(r'id="form-errors"[^>]*>\s*(.*?)\s*</div>', body, flags=re.S)
    if summary:
        found["_form"] = html.unescape(re.sub(r"\s+", " ", summary.group(1))).strip()
    return found


def look_up(client, code: str, tail: str = TAIL):
    return client.post("/portal/query", data={"code": code, "phone_tail": tail})


def progress_page(client, code: str, tail: str = TAIL):
    response = look_up(client, code, tail)
    assert response.status_code == 302, errors(response)
    return client.get("/portal/progress")


def answer(staff, case: Case, unit_id: int, reply: str = "您反映的问题已解决。") -> None:
    """Drive a 城关镇 case from registration to the signed reply, each step by its role."""
    from tests.cases.workflow_support import ok, step

    clerk, leader, handler = staff("clerk"), staff("leader"), staff("handler")
    for client, code, fields in (
        (clerk, "accept", {}), (clerk, "propose", {"proposal": "交镇里办理"}),
        (leader, "instruct", {"text": "请按时办结"}), (clerk, "assign", {"unit": str(unit_id)}),
        (handler, "receive", {}), (handler, "submit_findings", {"findings": "内部核查意见", "reply_draft": reply}),
        (leader, "approve", {}), (leader, "sign_reply", {"reply_text": reply}),
    ):
        ok(step(client, case.id, code, **fields))
