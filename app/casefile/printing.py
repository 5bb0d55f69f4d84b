"""打印卷宗: the case file as printed A4 sheets, and notices printed for many cases at once.

The printed file follows the case page's rules, nothing more: the petitioners in full only for
whoever handles the case (`shows_personal_data`), free text masked likewise, the history as the
page shows it (every step with who and when), the notices the case has (`notices_for`, each sheet
as `notice_context` prints it alone), the reply and the petitioner's rating.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.cases import workflow
from app.cases.case_page import notices_for, petitioner_rows, shows_personal_data
from app.cases.models import Case, CaseStatus, Satisfaction
from app.cases.notices import chinese_date, issuer_name, notice_context
from app.cases.workflow_models import FollowUp, FollowUpMethod, Instruction
from app.core.clock import now
from app.core.privacy import show_free_text_in_full
from app.core.scoping import scoped_select
from app.extensions import db

# How many cases one batch of notices prints (a browser prints a few hundred sheets well).
MAX_BATCH = 200
NOTICE_KINDS = ("acceptance", "refusal", "extension", "reply")
NOTICE_LABELS = {
    "acceptance": _l("Acceptance notices"), "refusal": _l("Non-acceptance notices"),
    "extension": _l("Extension notices"), "reply": _l("Replies"),
}


def case_file_context(case: Case, actor: Any) -> dict[str, Any]:
    """What the printed case file shows, as `actor` may read it."""
    session = db.session
    full = shows_personal_data(case, actor)
    show_free_text_in_full(full)
    events = workflow.timeline(case, session)
    steps = [
        {"event": e, "label": workflow.step_label(e.step, e.details),
         "details": workflow.describe_details(e.details), "to_label": CaseStatus.label_of(e.to_status)}
        for e in events if e.case_id == case.id
    ]
    follow_ups = session.execute(
        select(FollowUp).where(FollowUp.case_id == case.id).order_by(FollowUp.followed_up_at, FollowUp.id)
    ).scalars().all()
    instructions = session.execute(
        select(Instruction).where(Instruction.case_id == case.id).order_by(Instruction.instructed_at, Instruction.id)
    ).scalars().all()
    return {
        "case": case,
        "petitioners": petitioner_rows(case, full),
        "steps": steps,
        "instructions": instructions,
        "follow_ups": [(f, FollowUpMethod.label_of(f.method), Satisfaction.label_of(f.satisfaction))
                       for f in follow_ups],
        "satisfaction_label": Satisfaction.label_of(case.satisfaction),
        "notices": [notice_context(case, kind) for kind, _title in notices_for(case)],
        "keeper": issuer_name("", case),
        "registered": chinese_date(case.received_at),
        "closed": chinese_date(case.closed_at) if case.closed_at else "",
        "printed_at": now(),
    }


def parse_ids(text: str | None) -> list[int]:
    """The case ids of a batch ("3,5,8"), distinct, in order, at most MAX_BATCH."""
    seen: dict[int, None] = {}
    for part in (text or "").split(","):
        part = part.strip()
        if part.isdigit():
            seen.setdefault(int(part), None)
    return list(seen)[:MAX_BATCH]


def notice_batch(ids: list[int], kind: str) -> tuple[list[dict[str, Any]], list[Case]]:
    """The sheets of `kind` for the cases `ids` the user may open (one statement for the cases),
    and the cases that have no such notice (listed on screen, not printed)."""
    cases = db.session.execute(
        scoped_select(Case).where(Case.id.in_(ids or [0])).order_by(Case.number)
    ).scalars().all()
    sheets, without = [], []
    for case in cases:
        if kind in dict(notices_for(case)):
            sheets.append(notice_context(case, kind))
        else:
            without.append(case)
    return sheets, without
