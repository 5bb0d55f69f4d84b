"""The deadlines a case waits on: reply/review periods, urgency, recomputing for new holidays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.cases.models import Case, CaseStatus
from app.cases.workflow.base import CLOCK_STATES, S, _day, _event
from app.cases.workflow.records import current_assignment, open_review, plan_submitted
from app.cases.workflow_models import Assignment, CaseReview
from app.core.calendar import Term, Urgency
from app.core.choices import Choices
from app.core.clock import now as wall_clock
from app.deadlines.models import RuleCode
from app.deadlines.policy import DeadlinePolicy, current_policy


class DeadlineKind(Choices):
    """The deadlines a case can wait on (DOMAIN.md "Deadlines")."""

    ACCEPT = "accept", _l("Accept and assign by")  # Art. 22
    RECEIPT = "receipt", _l("Confirm receipt by")  # Art. 23
    PLAN = "plan", _l("Handling plan due")  # seed 003: a complex case's plan in 3 working days
    REPLY = "reply", _l("Reply due")  # Art. 34
    REVIEW = "review", _l("Review answer due")  # Art. 35-36


# The case's own clock (acceptance, reply, review answer): what a pause stops. The receipt and
# the plan are the unit's own acts, which a hearing or missing material does not hold up.
_PAUSABLE = frozenset({DeadlineKind.ACCEPT, DeadlineKind.REPLY, DeadlineKind.REVIEW})


@dataclass(frozen=True)
class PendingDeadline:
    kind: DeadlineKind
    due: datetime
    # The clock is paused and this deadline had not passed when the pause began: it does not
    # run. One that had passed stays overdue (time already overdue is not taken back).
    stopped: bool = False

    @property
    def label(self) -> str:
        return DeadlineKind.label_of(self.kind)


def pending_deadlines(case: Case, session: Session | None = None) -> list[PendingDeadline]:
    """Every deadline the case waits on now: its own clock (acceptance, reply or review answer)
    and, while assigned, the unit's receipt (Art. 23) and a complex case's plan (seed 003)."""
    status = CaseStatus(case.status) if case.status else None
    found: list[tuple[DeadlineKind, datetime | None]] = []
    if status in (S.REGISTERED, S.ACCEPTED, S.PROPOSED, S.INSTRUCTED):
        found.append((DeadlineKind.ACCEPT, case.accept_due_at))
    elif status in (S.ASSIGNED, S.RETURNED, S.HANDLING, S.IN_REVIEW, S.APPROVED):
        found.append((DeadlineKind.REPLY, case.due_at))
    elif status == S.REVIEWING:
        review = open_review(case, session)
        found.append((DeadlineKind.REVIEW, review.due_at if review is not None else None))
    if status in (S.ASSIGNED, S.HANDLING):
        assignment = current_assignment(case, session)
        if assignment is not None and status == S.ASSIGNED and assignment.received_at is None:
            found.append((DeadlineKind.RECEIPT, assignment.receipt_due_at))
        if (assignment is not None and status == S.HANDLING and assignment.is_complex
                and assignment.plan_due_at is not None and not plan_submitted(case, assignment, session)):
            found.append((DeadlineKind.PLAN, assignment.plan_due_at))
    paused = case.paused_since
    return [
        PendingDeadline(kind, due, stopped=paused is not None and kind in _PAUSABLE and due >= paused)
        for kind, due in found
        if due is not None
    ]


def _refresh_next_due(case: Case) -> None:
    """`next_due_at`: the earliest deadline still running — what every 超期/临期 list reads."""
    running = [d.due for d in pending_deadlines(case) if not d.stopped]
    case.next_due_at = min(running) if running else None


def primary_deadline(case: Case, session: Session | None = None) -> PendingDeadline | None:
    """The deadline the case page shows: the earliest running one, else the paused clock's."""
    pending = pending_deadlines(case, session)
    running = [d for d in pending if not d.stopped]
    chosen = running or pending
    return min(chosen, key=lambda d: d.due) if chosen else None


def unconfirmed_years(case: Case, policy: DeadlinePolicy | None = None) -> list[int]:
    """Years the shown deadline depends on whose holidays are not known yet (neither in the
    library nor confirmed by the administrator): the deadline is 待核 — it counts weekends only
    and moves once the year's holidays are entered."""
    shown = primary_deadline(case)
    due = shown.due if shown is not None else None
    if due is None:
        return []
    policy = policy or current_policy()
    start = case.received_at
    if case.status == S.REVIEWING and (review := open_review(case)) is not None:
        start = datetime.combine(review_term(review).start, time.min)
    elif due == case.due_at and (term := reply_term(case)) is not None:
        start = datetime.combine(term.start, time.min)
    first = min(start.year, due.year) if start is not None else due.year
    return policy.calendar.unknown_years(range(first, due.year + 1))


def case_urgency(case: Case, now: datetime | None = None, policy: DeadlinePolicy | None = None) -> Urgency:
    """超期 / 临期 from `next_due_at` (as every list counts it); 暂停计时 while paused otherwise."""
    policy = policy or current_policy()
    now = now or wall_clock()
    paused = case.paused_since is not None and case.status in CLOCK_STATES
    return policy.urgency(case.next_due_at, now, paused)


def reply_term(case: Case) -> Term | None:
    """The period the reply deadline comes from (for a deadline set before periods were kept,
    the deadline itself)."""
    term = Term.from_json(case.due_term)
    if term is None and case.due_at is not None:
        term = Term.ending(case.due_at)
    return term


def review_term(review: CaseReview) -> Term:
    return Term.from_json(review.due_term) or Term.ending(review.due_at)


def set_reply_term(case: Case, term: Term, policy: DeadlinePolicy) -> None:
    """The reply deadline becomes the end of `term` (rolled past rest days once)."""
    case.due_term = term.as_json()
    _set_handling_deadline(case, term.due(policy.calendar))


def set_review_term(review: CaseReview, term: Term, policy: DeadlinePolicy) -> None:
    review.due_term = term.as_json()
    review.due_at = term.due(policy.calendar)


def _set_handling_deadline(case: Case, due: datetime | None) -> None:
    """The deadline the unit handles the case by (`due_at`). Until the petitioner's first reply
    it is also the reply stage's own deadline (`reply_due_at`); later rounds — a redo after an
    unsatisfied follow-up, a revoked 复查 — move `due_at` only, so a reply that came late stays
    late in the figures (each stage keeps its deadline)."""
    case.due_at = due
    if case.replied_at is None:
        case.reply_due_at = due


def _not_paused(case: Case, actor: Any, now: datetime) -> str | None:  # noqa: ARG001
    if case.paused_since is not None:
        return gettext("The clock is paused: resume it first.")
    return None


# --- holidays entered later ---------------------------------------------------------------------

_ACCEPTING = (S.REGISTERED, S.ACCEPTED, S.PROPOSED, S.INSTRUCTED)
_REPLY_RUNNING = (S.ASSIGNED, S.RETURNED, S.HANDLING, S.IN_REVIEW, S.APPROVED)
# Where a single-rule deadline of an assignment starts, and which rule sets its length.
_ASSIGNMENT_CLOCKS = (
    ("receipt_due_at", RuleCode.RECEIPT, "assigned_at"),
    ("send_back_until", RuleCode.SEND_BACK, "assigned_at"),
    ("plan_due_at", RuleCode.COMPLEX_PLAN, "received_at"),
)


def recompute_deadlines(session: Session, before: DeadlinePolicy, after: DeadlinePolicy, since: date,
                        actor: Any, now: datetime, why: str) -> int:
    """The administrator changed the holiday list from `before` to `after`, on days from `since`:
    the running deadlines of open cases that end on or after that day are computed again under
    the new list (one ending before it cannot depend on it). Each case whose deadline moved gets a history
    event saying why. Returns how many cases changed.

    A deadline kept with its period (reply, review) is recomputed from it; a single-rule deadline
    (acceptance, receipt, send-back, handling plan) from its start and rule, if that still gives
    the stored date under the old list (otherwise someone set it by hand: it is left alone).
    """
    moment = datetime.combine(since, time.min)
    reviews = select(CaseReview.case_id).where(CaseReview.decided_at.is_(None), CaseReview.due_at >= moment)
    assignments = select(Assignment.case_id).where(
        Assignment.returned_at.is_(None),
        or_(Assignment.receipt_due_at >= moment, Assignment.send_back_until >= moment,
            Assignment.plan_due_at >= moment),
    )
    running = or_(
        and_(Case.status.in_([s.value for s in _ACCEPTING]), Case.accept_due_at >= moment),
        and_(Case.status.in_([s.value for s in _REPLY_RUNNING]), Case.due_at >= moment),
        and_(Case.status == S.REVIEWING.value, Case.id.in_(reviews)),
        and_(Case.status.in_([s.value for s in _REPLY_RUNNING]), Case.id.in_(assignments)),
    )
    changed = 0
    cases = session.execute(select(Case).where(running).order_by(Case.id)).scalars().all()
    for case in cases:
        if _recompute_case(session, case, before, after, moment):
            _refresh_next_due(case)
            shown = primary_deadline(case, session)
            due = shown.due if shown is not None else None
            session.add(_event(case, "recompute_deadlines", case.status, case.status, actor, now, now,
                               why, {"deadline": _day(due)} if due else None))
            changed += 1
    session.flush()
    return changed


def _recompute_case(session: Session, case: Case, before: DeadlinePolicy, after: DeadlinePolicy,
                    moment: datetime) -> bool:
    def single(code: RuleCode, start: datetime | None, stored: datetime | None) -> datetime | None:
        if start is None or stored is None or stored < moment:
            return stored
        term = before.term(code, start)
        return term.due(after.calendar) if term.due(before.calendar) == stored else stored

    moved = False
    status = S(case.status)
    if status in _ACCEPTING:
        new = single(RuleCode.ACCEPT, case.received_at, case.accept_due_at)
        moved |= new != case.accept_due_at
        case.accept_due_at = new
    if status in _REPLY_RUNNING and case.due_at is not None and case.due_at >= moment:
        new = reply_term(case).due(after.calendar)
        moved |= new != case.due_at
        _set_handling_deadline(case, new)
    if status == S.REVIEWING and (review := open_review(case, session)) is not None:
        new = review_term(review).due(after.calendar)
        moved |= new != review.due_at
        review.due_at = new
    assignment = current_assignment(case, session) if status in _REPLY_RUNNING else None
    if assignment is not None:
        for column, code, start in _ASSIGNMENT_CLOCKS:
            stored = getattr(assignment, column)
            new = single(code, getattr(assignment, start), stored)
            moved |= new != stored
            setattr(assignment, column, new)
    return moved
