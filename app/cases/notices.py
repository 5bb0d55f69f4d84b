"""The printable notices: 受理告知书, 不予受理告知书, 延期办理告知书, 答复意见书, filled from the case.

The wording follows the 信访工作条例 (written notice of acceptance or non-acceptance, Art. 22–25;
an extended period with its reason told to the petitioner, Art. 34; a written reply with the
right to ask for review within 30 days, Art. 34–35) and seed 004's practice of a reply signed by
the responsible leader (署名答复).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import select

from app.cases.models import Case, Channel
from app.cases.workflow_models import CaseEvent, Extension
from app.deadlines.models import RuleCode
from app.deadlines.policy import current_policy
from app.extensions import db
from app.org.models import OrgKind, OrgUnit

# The step whose actor issues each notice (their unit is the issuing office).
ISSUING_STEP = {
    "registration": "register", "acceptance": "accept", "refusal": "refuse", "extension": "decide_extension", "reply": "sign_reply",
}


@dataclass(frozen=True)
class ExtensionNotice:
    """What the petitioner is told of an approved extension (Art. 34): why, how long, until when."""

    reason: str
    days: int
    decided_at: datetime
    extended_to: datetime


def approved_extension(case: Case) -> ExtensionNotice | None:
    """The case's approved extension (at most one), as the notice and the portal tell it."""
    if not case.extended or case.id is None:
        return None
    row = db.session.execute(
        select(Extension)
        .where(Extension.case_id == case.id, Extension.approved.is_(True))
        .order_by(Extension.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if row is None or row.decided_at is None:
        return None
    return ExtensionNotice(
        reason=row.reason.strip().rstrip("。.；;，,"),
        days=row.days,
        decided_at=row.decided_at,
        extended_to=row.due_after or case.due_at,
    )


def chinese_date(value: datetime | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def county_name() -> str:
    name = db.session.execute(
        select(OrgUnit.name).where(OrgUnit.kind == OrgKind.COUNTY.value).limit(1)
    ).scalar()
    return name or ""


def issuer_name(unit_name: str, case: Case) -> str:
    """The office on the notice: a township's people's government, or the county unit."""
    county = county_name()
    if not unit_name:
        return f"{county}{case.township.name}人民政府" if case.township else county
    if case.township is not None and unit_name == case.township.name:
        return f"{county}{unit_name}人民政府"
    if unit_name.startswith("县") and county:
        return county + unit_name[1:]
    return unit_name


def notice_title(kind: str) -> str:
    """The notice's title: on the printed notice and in the case page's list of notices."""
    return {
        "registration": gettext("Registration receipt"),
        "acceptance": gettext("Acceptance notice"),
        "refusal": gettext("Non-acceptance notice"),
        "extension": gettext("Extension notice"),
        "reply": gettext("Reply (答复意见书)"),
    }[kind]


def notice_context(case: Case, kind: str, code: str | None = None) -> dict[str, Any]:
    """The notice's facts. `code`: the 查询码 just issued (formatted), printed only on the sheet
    of that moment; later prints say a code was issued."""
    from app.notifications.petitioners import portal_link
    from app.portal.codes import NO_PHONE_TAIL, case_tail

    event = db.session.execute(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.step == ISSUING_STEP[kind])
        .order_by(CaseEvent.occurred_at.desc(), CaseEvent.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    policy = current_policy()
    issued = event.occurred_at if event is not None else None
    extension = approved_extension(case) if kind == "extension" else None
    return {
        "case": case,
        "kind": kind,
        "title": notice_title(kind),
        "addressee": case.petitioner_names or "",
        "channel": Channel.label_of(case.channel),
        "received": chinese_date(case.received_at),
        "accepted": chinese_date(case.accepted_at),
        "issued": chinese_date(issued),
        "issuer": issuer_name(event.actor_unit if event is not None else "", case),
        "signer": event.actor_name if event is not None and kind == "reply" else "",
        "handle_days": policy.rule(RuleCode.HANDLE).days,
        "review_days": policy.rule(RuleCode.REVIEW_REQUEST).days,
        "extension": extension,
        "extended_to": chinese_date(extension.extended_to) if extension else "",
        "accept_days": policy.rule(RuleCode.ACCEPT).days,
        "code": code,
        "portal": portal_link(),
        "no_phone": case_tail(case) == NO_PHONE_TAIL,
    }
