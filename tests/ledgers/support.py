"""Helpers for the ledger, mediation and import tests: org look-ups, entries, spreadsheets."""

from __future__ import annotations

import io
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.org.models import OrgUnit
from tests.support import county_today


def org(db_session, name: str) -> OrgUnit:
    return db_session.execute(select(OrgUnit).where(OrgUnit.name == name)).scalars().first()


def entry_form(township_id: int, village_id: int | None = None, **overrides: Any) -> dict[str, Any]:
    """A valid ledger entry form post (one party), overridable field by field."""
    data: dict[str, Any] = {
        "title": "王大山与李小红宅基地边界纠纷",
        "dispute_type": "land",
        "found_on": (county_today() - timedelta(days=2)).isoformat(),
        "description": "双方因宅基地边界发生争执。",
        "level": "2",
        "resolved_on": "",
        "township": str(township_id),
        "village": str(village_id) if village_id else "__None",
        "hamlet": "__None",
        "place_detail": "",
        "responsible_unit": str(township_id),
        "responsible_person": "张书记",
        "measures": "司法所组织调解",
        "people_count": "2",
        "parties-0-name": "王大山",
        "parties-0-id_number": "",
        "parties-0-phone": "13900001111",
        "parties-0-address": "",
        "parties-0-case_number": "",
        "parties-0-id": "",
        "parties-1-name": "李小红",
        "parties-1-id_number": "",
        "parties-1-phone": "",
        "parties-1-address": "",
        "parties-1-case_number": "",
        "parties-1-id": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def make_entry(db_session, township: str = "城关镇", village: str | None = "红旗村", **fields: Any):
    """An entry written straight to the database (for arranging a test)."""
    from app.ledgers.models import LedgerEntry, LedgerParty, LevelChange

    db_session.rollback()  # a fresh transaction: the requests since may have written (SQLite)
    town = org(db_session, township)
    place = org(db_session, village) if village else None
    parties = fields.pop("parties", [("赵一", None, None)])
    entry = LedgerEntry(
        title=fields.pop("title", "测试纠纷"),
        dispute_type=fields.pop("dispute_type", "neighbours"),
        found_on=fields.pop("found_on", county_today() - timedelta(days=5)),
        township_id=town.id,
        village_id=place.id if place else None,
        responsible_unit_id=fields.pop("responsible_unit_id", town.id),
        level=fields.pop("level", "2"),
        status=fields.pop("status", "unresolved"),
        people_count=fields.pop("people_count", len(parties)),
        **fields,
    )
    for position, (name, id_number, phone) in enumerate(parties):
        entry.parties.append(LedgerParty(name=name, id_number=id_number, phone=phone, sort_order=position))
    entry.level_changes.append(LevelChange(from_level=None, to_level=entry.level, reason="登记"))
    db_session.add(entry)
    db_session.commit()
    return entry


def make_case(db_session, township: str, received_at: datetime, name: str, id_number: str | None = None,
              phone: str | None = None, category: str = "claim"):
    """A case of `township`, assigned to the township itself (so its handlers see it)."""
    from app.cases.models import Case, Petitioner

    db_session.rollback()  # a fresh transaction: the requests since may have written (SQLite)
    town = org(db_session, township)
    case = Case(channel="visit", received_at=received_at, township_id=town.id, category=category,
                responsible_unit_id=town.id, title="反映问题", content="内容", people_count=1)
    case.petitioners.append(Petitioner(name=name, id_number=id_number, phone=phone))
    db_session.add(case)
    db_session.commit()
    return case


def workbook(client, url: str, rows: list[list[Any]]) -> bytes:
    """The import's template, downloaded like a user would, with `rows` filled in below the header."""
    import openpyxl

    template = client.get(f"{url}/template")
    assert template.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(template.data))
    sheet = book.worksheets[0]
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, url: str, data: bytes, filename: str = "台账.xlsx"):
    return client.post(f"{url}/upload", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def wait_for_job(client, job_url: str, timeout: float = 90.0) -> dict[str, Any]:
    """Run the queued imports as the worker process does (the same function, inline), then
    read the job's status through the page's JSON until it is finished."""
    from app.core.imports import run_pending_imports

    run_pending_imports(client.application, "test-worker")
    deadline = time.monotonic() + timeout
    while True:
        state = client.get(f"{job_url}/status").get_json()
        if state["finished"] or time.monotonic() > deadline:
            return state
        time.sleep(0.1)


def make_user(app, username: str, role: str, org_name: str) -> None:
    """Another demo-like login (e.g. a leader of 河东镇) for cross-township checks."""
    from app.extensions import db
    from app.security.models import AppUser
    from seed.data import DEMO_PASSWORD

    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.add_user(username=username, first_name="测", last_name="试", email=f"{username}@test.invalid",
                           role=sm.find_role(role), password=DEMO_PASSWORD)
        db.session.get(AppUser, user.id).org_unit_id = org(db.session, org_name).id
        db.session.commit()


def grant(db_session, role_name: str, permission: str, view: str) -> None:
    """Give a role one more permission in this test's private database (to test scoping of
    actions the role does not normally have)."""
    from flask import current_app

    sm = current_app.appbuilder.sm
    role = sm.find_role(role_name)
    role.permissions.append(sm.find_permission_view_menu(permission, view))
    db_session.commit()
