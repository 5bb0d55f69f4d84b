"""What the case page shows: key facts, the deadline, the steps the user may take, the timeline.

Plain functions building template data from the rules module (no routes here); `CaseView`
renders them. Everything is read through the user's scope.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.casefile.gather import HIDDEN_RECORD, gather
from app.cases import workflow
from app.cases.models import Case, CaseStatus, Satisfaction
from app.cases.notices import notice_title
from app.cases.references import linked_cases
from app.cases.repeats import repeats_of_case
from app.cases.workflow_models import Extension, JointReview, Pause
from app.core.calendar import Urgency, days_left
from app.core.clock import now as wall_clock
from app.core.privacy import (
    has_personal_data_role,
    mask_id_number,
    mask_phone,
    show_free_text_in_full,
)
from app.core.scoping import current_scope
from app.deadlines.models import RuleCode
from app.deadlines.policy import current_policy
from app.extensions import db
from app.org.choices import org_choices

# Statuses in which a clerk still links repeats and merges duplicates.
EARLY = {CaseStatus.REGISTERED.value, CaseStatus.ACCEPTED.value, CaseStatus.PROPOSED.value}


@dataclass
class Deadline:
    """A deadline as the badges show it."""

    label: str
    due: datetime | None
    urgency: Urgency
    days_left: int | None
    # Years it depends on whose holidays are not known yet: the date is 待核 (to be checked).
    unconfirmed: list[int] = field(default_factory=list)

    @property
    def badge(self) -> str:
        return {Urgency.NEAR: "warn", Urgency.OVERDUE: "overdue", Urgency.PAUSED: "paused"}.get(
            self.urgency, ""
        )


def deadline_of(case: Case, now: datetime | None = None) -> Deadline:
    """The deadline the page leads with (the earliest running one, else the paused clock's)."""
    now = now or wall_clock()
    policy = current_policy()
    shown = workflow.primary_deadline(case)
    state = workflow.case_urgency(case, now, policy)
    unconfirmed = workflow.unconfirmed_years(case, policy)
    if shown is None:
        return Deadline("", None, state, None, unconfirmed)
    return Deadline(shown.label, shown.due, state, days_left(shown.due, now), unconfirmed)


_BADGES = {Urgency.OVERDUE: "overdue", Urgency.NEAR: "warn", Urgency.PAUSED: "paused"}


def _badge(state: Urgency) -> tuple[str, str]:
    css = _BADGES.get(state)
    return (css, str(state.label)) if css else ("", "")


def urgency_badge(due: datetime | None, now: datetime | None = None) -> tuple[str, str]:
    """(css class, text) for a deadline in a list: 临期 / 超期 / nothing."""
    if due is None:
        return "", ""
    return _badge(current_policy().urgency(due, now or wall_clock()))


def case_badge(case: Case, now: datetime | None = None) -> tuple[str, str]:
    """(css class, text) for a case in a list or queue: 超期 / 临期 / 暂停计时 / nothing."""
    if not case.is_open:
        return "", ""
    return _badge(workflow.case_urgency(case, now or wall_clock()))


@dataclass
class StepForm:
    step: workflow.Step
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    message: str = ""
    open: bool = False
    # Choices of the "user" inputs: the handling unit's 承办人 (首办责任人).
    people: list[tuple[int, str]] = field(default_factory=list)


def step_forms(case: Case, actor: Any, failed: str | None = None,
               posted: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
               message: str = "") -> list[StepForm]:
    forms = []
    policy = current_policy()
    people: list[tuple[int, str]] | None = None
    leaders: list[tuple[int, str]] | None = None
    for step_def in workflow.available_steps(case, actor):
        values = workflow.step_defaults(case, step_def, policy)
        form = StepForm(step_def, values)
        if any(inp.kind == "leader" for inp in step_def.inputs):
            if leaders is None:
                leaders = [(u.id, workflow.actor_name(u)) for u in workflow.place_leaders(db.session, case)]
            form.people = leaders
        if any(inp.kind == "user" for inp in step_def.inputs):
            if people is None:
                people = [(u.id, workflow.actor_name(u))
                          for u in workflow.unit_handlers(db.session, case.responsible_unit_id)]
            form.people = people
            if step_def.code == "receive":
                form.values.setdefault("handler", getattr(actor, "id", None))
        if step_def.code == failed:
            form.values.update(posted or {})
            form.errors = errors or {}
            form.message = message
            form.open = True
        forms.append(form)
    return forms


def petitioner_rows(case: Case, full: bool) -> list[dict[str, str]]:
    if full and case.petitioners:
        # Every full view of personal data is logged (app/audit/record.py).
        from app.audit.record import record_personal_data_view

        record_personal_data_view(case, fields=("id_number", "phone"))
    return petitioner_values(case, full)


def petitioner_values(case: Case, full: bool) -> list[dict[str, str]]:
    """The petitioners as shown: ID numbers and phones in full, or masked (page and API)."""
    return [
        {
            "name": p.name,
            "id_number": (p.id_number or "") if full else mask_id_number(p.id_number),
            "phone": (p.phone or "") if full else mask_phone(p.phone),
            "address": p.address or "",
        }
        for p in case.petitioners
    ]


def shows_personal_data(case: Case, user: Any) -> bool:
    """Full ID numbers and phones — on the case page and the API's case detail only — for a
    role that handles petitioners (登记员, 承办人), on a case it handles. Everyone else, and
    every list, export and report, gets them masked."""
    return has_personal_data_role(user) and may_see_personal_data(case)


def may_see_personal_data(case: Case) -> bool:
    """Whoever works on the case in its place or unit sees the petitioner in full."""
    scope = current_scope()
    return scope.covers_place(case.township_id, case.village_id) or (
        case.responsible_unit_id in scope.unit_ids
    )


def page_context(case: Case, actor: Any, **form_state: Any) -> dict[str, Any]:
    session = db.session
    events = workflow.timeline(case, session)
    merged = session.execute(
        select(Case).where(Case.merged_into_id == case.id).order_by(Case.number)
    ).scalars().all()
    # The duplicates merged into this case, as the viewer may see them (their number or not).
    shown_merged = linked_cases(merged)
    merged_numbers = {c.id: shown.number for c, shown in zip(merged, shown_merged, strict=True)}
    timeline = [
        {
            "event": e,
            "label": workflow.step_label(e.step, e.details),
            "details": workflow.describe_details(e.details),
            "from_label": CaseStatus.label_of(e.from_status),
            "to_label": CaseStatus.label_of(e.to_status),
            "source": merged_numbers.get(e.case_id),
        }
        for e in events
    ]
    assignment = workflow.current_assignment(case, session)
    pending_extension = session.execute(
        select(Extension).where(Extension.case_id == case.id, Extension.decided_at.is_(None))
    ).scalars().first()
    open_pause = session.execute(
        select(Pause).where(Pause.case_id == case.id, Pause.ended_at.is_(None))
    ).scalars().first()
    joint_reviews = session.execute(
        select(JointReview).where(JointReview.case_id == case.id).order_by(JointReview.id)
    ).scalars().all()
    reviews = workflow.reviews_of(case, session)
    forms = step_forms(case, actor, **form_state)
    # A refused step the page no longer offers (wrong role, status moved on): say why on top.
    page_error = ""
    failed = form_state.get("failed")
    if failed and not any(f.step.code == failed for f in forms):
        page_error = form_state.get("message") or "；".join((form_state.get("errors") or {}).values())
    needs_units = any(inp.kind in ("unit", "units") for f in forms for inp in f.step.inputs)
    policy = current_policy()
    full = shows_personal_data(case, actor)
    show_free_text_in_full(full)  # the letter, notes and replies follow the petitioners' rule
    return {
        "case": case,
        "deadline": deadline_of(case),
        "awaited": [a.words() for a in workflow.awaited(case, session)],
        "petitioners": petitioner_rows(case, full),
        "timeline": timeline,
        # Why and by whom a voided case was voided (shown on top of the page).
        "void_event": next((e for e in reversed(events) if e.step == "void"), None),
        "assignment": assignment,
        "plan_given": bool(assignment is not None and assignment.is_complex
                           and workflow.plan_submitted(case, assignment, session)),
        "pending_extension": pending_extension,
        "open_pause": open_pause,
        "joint_reviews": joint_reviews,
        "reviews": reviews,
        "reviewers": {r.id: workflow.reviewer_name(r) for r in reviews},
        "forms": forms,
        "page_error": page_error,
        "units": org_choices("responsible") if needs_units else (),
        "token": uuid.uuid4().hex,
        "repeats": repeats_of_case(session, case) if case.status in EARLY else [],
        "merged_cases": shown_merged,
        "satisfaction_label": Satisfaction.label_of(case.satisfaction),
        "notices": notices_for(case),
        "handle_days": policy.rule(RuleCode.HANDLE).days,
        "marks": _marks_panel(case),
        # 一案一档: holdings, orders, meetings, receptions, mediation, ledger, 问责, files.
        "dossier": gather(case),
        "hidden_record": HIDDEN_RECORD,
    }


def _marks_panel(case: Case) -> dict[str, Any]:
    from app.cases.backlog_views import marks_panel  # the form lives with its view

    return marks_panel(case)


NOTICE_KINDS = ("acceptance", "refusal", "extension", "reply")


def notices_for(case: Case) -> list[tuple[str, str]]:
    """The printable notices this case has: (kind, title)."""
    found = []
    if case.accepted_at is not None:
        found.append(("acceptance", notice_title("acceptance")))
    if case.status == CaseStatus.NOT_ACCEPTED.value:
        found.append(("refusal", notice_title("refusal")))
    if case.extended:
        found.append(("extension", notice_title("extension")))
    if case.reply_text and case.replied_at is not None:
        found.append(("reply", notice_title("reply")))
    return found
