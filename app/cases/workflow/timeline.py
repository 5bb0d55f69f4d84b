"""The timeline's words: a case's events, and how each step and its details read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, object_session

from app.cases.models import Case, Satisfaction
from app.cases.workflow.base import Decision
from app.cases.workflow.engine import STEPS
from app.cases.workflow_models import (
    AssignmentKind,
    CaseEvent,
    FollowUpMethod,
    PauseReason,
    ReviewKind,
    ReviewOutcome,
)
from app.core.choices import Choices

# Event-only steps (no form): how they read in the timeline.
EVENT_LABELS: dict[str, Any] = {
    "register": _l("Registered"),
    "merge_in": _l("Duplicate merged in"),
    "recompute_deadlines": _l("Deadlines recomputed for the holidays entered"),
    "backlog": _l("Backlog and referral marks changed"),  # app/cases/backlog.py
}


def timeline(case: Case, session: Session | None = None) -> list[CaseEvent]:
    """The case's events and those of registrations merged into it, oldest first."""
    session = session or object_session(case)
    merged = select(Case.id).where(Case.merged_into_id == case.id)
    return list(
        session.execute(
            select(CaseEvent)
            .where(or_(CaseEvent.case_id == case.id, CaseEvent.case_id.in_(merged)))
            .order_by(CaseEvent.occurred_at, CaseEvent.id)
        ).scalars()
    )


def step_label(code: str, details: Mapping[str, Any] | None = None) -> str:
    """How an event reads in the timeline (an assignment says whether it was 交办 or 转办)."""
    if code == "assign" and details and details.get("kind") in AssignmentKind.codes():
        return AssignmentKind.label_of(details["kind"])
    if code in STEPS:
        return str(STEPS[code].label)
    return str(EVENT_LABELS.get(code, code))


# Event details: which keys hold a vocabulary code (shown as its label).
DETAIL_CHOICES: dict[str, type[Choices]] = {
    "satisfaction": Satisfaction,
    "method": FollowUpMethod,
    "reason_kind": PauseReason,
    "decision": Decision,
    "review": ReviewKind,
    "outcome": ReviewOutcome,
}
DETAIL_LABELS: dict[str, Any] = {
    "unit": _l("Unit"),
    "deadline": _l("Deadline"),
    "days": _l("Days"),
    "satisfaction": _l("Rating"),
    "method": _l("How"),
    "reason_kind": _l("Why"),
    "decision": _l("Decision"),
    "review": _l("Kind"),
    "outcome": _l("Review outcome"),
    "reviewer": _l("Decided by"),
    "lead_unit": _l("Lead unit"),
    "co_units": _l("Co-units"),
    "target": _l("Merged into"),
    "source": _l("Merged from"),
    "earlier": _l("Repeat of"),
    "plan_due": _l("Plan due"),
    "channel": _l("Channel"),
    "handler": _l("Responsible handler"),
    "previous_handler": _l("Previously"),
    "leader": _l("Responsible leader"),
    "previous_leader": _l("Previous responsible leader"),
    "delegate": _l("Signs on behalf"),
}


# Details naming another case by its number (a repeat's earlier case, a merge's source and
# target), and how each reads when the viewer may not open that case: the fact, never the number
# nor "（无权查看的信访件）" — on a case of their own unit, that would point at a 检举控告 about it.
CASE_DETAILS: dict[str, Any] = {
    "earlier": _l("Repeat petition"),
    "source": _l("Duplicate merged in"),
    "target": _l("Merge into another case"),
}


def hidden_case_details(details: Mapping[str, Any] | None) -> set[str]:
    """The keys of `details` naming a case the viewer may not open (app/cases/references.py)."""
    from app.cases.references import visible_case_numbers

    named = {key: str(details[key]) for key in CASE_DETAILS if details and details.get(key)}
    if not named:
        return set()
    visible = visible_case_numbers(named.values())
    return {key for key, number in named.items() if number not in visible}


def shown_details(details: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """An event's details as the viewer may read them (the API's events): without the numbers of
    cases they may not open."""
    if not details:
        return details if details is None else dict(details)
    hidden = hidden_case_details(details)
    return {key: value for key, value in details.items() if key not in hidden}


def describe_details(details: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """(label, value) pairs for showing an event's details; a case the viewer may not open is
    only named by what happened (value "")."""
    from app.cases.models import Channel

    if not details:
        return []
    hidden = hidden_case_details(details)
    pairs = []
    for key, value in details.items():
        if key in hidden:
            pairs.append((str(CASE_DETAILS[key]), ""))
            continue
        if key not in DETAIL_LABELS or value in (None, ""):
            continue
        vocabulary = Channel if key == "channel" else DETAIL_CHOICES.get(key)
        shown = vocabulary.label_of(value) if vocabulary else str(value)
        pairs.append((str(DETAIL_LABELS[key]), shown))
    return pairs
