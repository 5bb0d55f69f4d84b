"""The case workflow: who may move a case from which status to which, what each step needs and
what it sets. The one place these rules live — the case page, bulk assignment, the demo seed
and any API call `apply_step`; nothing else writes workflow fields.

The process is seed 002's (来访登记 → 受理 → 拟办意见 → 领导阅批 → 交办 → 办理 → 调查处理意见 →
审核 → 答复 → 回访 → 结案存档) with the 信访工作条例's deadlines (DOMAIN.md "Workflow",
"Deadlines", "Other rules"):

    registered ─accept─▶ accepted ─propose─▶ proposed ─instruct─▶ instructed ─assign─▶ assigned
        └refuse─▶ not_accepted                                        ▲                 │ receive
                                                           returned ──┘◀─send_back──────┤
    handling ─submit_findings─▶ in_review ─approve─▶ approved ─sign_reply─▶ replied ─close─▶ closed
       ▲                            │return_for_redo                         │follow_up (不满意)
       └────────────────────────────┴────────────────────────────────────────┘
    replied/closed ─request_recheck / request_reexam─▶ reviewing ─decide_review─▶ replied | closed
    registered … instructed, returned ─void─▶ voided   (a registration made by mistake; never deleted)

Steps that keep the status (批示 again, progress, 会审, extension, pause/resume, 回避, linking a
repeat) write an event all the same. A refused step raises `DomainError` with a Chinese message
and changes nothing; the caller's transaction is rolled back.

Who does what (DOMAIN.md "Who uses the product"): 登记员 registers, accepts or refuses, drafts
the proposal, assigns once a leader has instructed, records the follow-up and closes; 领导
instructs, decides extensions, reviews findings and signs the reply; 承办人 of the handling unit
confirms receipt or sends the case back, reports progress, holds the joint review, asks for an
extension, pauses the clock and enters findings with a draft reply; 督查员 and 管理者 read.
A clerk acts on cases of their place, a handler on cases of their unit, a leader on either.
The 系统管理员 takes one step: voiding a registration made by mistake (with the clerk).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.sql.elements import ColumnElement

from app.cases.models import (
    COUNTY_MAILBOXES,
    OPEN_STATUSES,
    Case,
    CaseStatus,
    Category,
    Mailbox,
    Petitioner,
    Satisfaction,
)
from app.cases.rules import merge_problems
from app.cases.workflow_models import (
    Assignment,
    AssignmentKind,
    CaseEvent,
    CaseReview,
    ClosureKind,
    Extension,
    FollowUp,
    FollowUpMethod,
    Instruction,
    JointReview,
    JointReviewUnit,
    Pause,
    PauseReason,
    ProgressReport,
    Recusal,
    ReviewKind,
    ReviewOutcome,
)
from app.core.calendar import DayKind, Term, Urgency, paused_days
from app.core.choices import Choices
from app.core.clock import now as wall_clock
from app.core.errors import DomainError, StaleRecordError
from app.core.scoping import Scope, exclusion_clause, scope_branches, scope_clause, scope_for_user
from app.core.validators import FUTURE_TOLERANCE
from app.deadlines.models import RuleCode
from app.deadlines.policy import DeadlinePolicy, current_policy
from app.org.models import (
    RESPONSIBLE_KINDS,
    OrgKind,
    OrgUnit,
    county_of,
    government_of,
    handles_place,
    level_above,
    place_mismatch_message,
)
from app.security.roles import RoleName

S = CaseStatus
CLERK, HANDLER, LEADER = RoleName.CLERK, RoleName.HANDLER, RoleName.LEADER
ADMIN = RoleName.ADMIN
MAX_TEXT = 20000


class Decision(Choices):
    APPROVE = "approve", _l("Approve")
    REJECT = "reject", _l("Reject")


class HandlingRule(Choices):
    """The deadline rules a clerk may choose when assigning (the reply deadline)."""

    HANDLE = RuleCode.HANDLE.value, _l("60 days from acceptance (Art. 34)")
    FAST_TRACK = RuleCode.FAST_TRACK.value, _l("Fast track: 10 days")


# --- step definitions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    """One value a step needs. `kind`: text, textarea, int, choice, date, datetime, bool, unit,
    units (several units), case (a case number in the actor's area)."""

    name: str
    label: Any
    kind: str = "text"
    required: bool = True
    choices: type[Choices] | None = None
    help: Any = ""
    min_value: int | None = None
    max_value: int | None = None


def _when(required: bool = False) -> Input:
    return Input(
        "occurred_at",
        _l("When"),
        "datetime",
        required=required,
        help=_l("Leave empty for now; enter the real time when recording a step afterwards"),
    )


@dataclass
class StepContext:
    """What a step's `apply` works with, and what it leaves for the event."""

    case: Case
    actor: Any
    inputs: dict[str, Any]
    now: datetime  # the wall clock
    at: datetime  # when the step happened (the `occurred_at` input, or now)
    policy: DeadlinePolicy
    session: Session
    to_state: CaseStatus
    text: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def add(self, obj: Any) -> None:
        self.session.add(obj)


@dataclass(frozen=True)
class Step:
    code: str
    label: Any
    roles: frozenset[str]
    from_states: frozenset[CaseStatus]
    to_state: CaseStatus | None  # None: the status stays (apply may still choose one)
    apply: Callable[[StepContext], None]
    inputs: tuple[Input, ...] = ()
    # A check that needs no input (shown steps are those that pass it): a message, or None.
    guard: Callable[[Case, Any, datetime], str | None] | None = None
    # Does a case in these states wait for this role (the work queue)? None: from_states.
    queue_from: frozenset[CaseStatus] | None = None
    queue: bool = True
    # A work-queue condition other than the status (e.g. an extension awaiting a decision).
    queue_clause: Callable[[], ColumnElement] | None = None
    # A work-queue condition that depends on who is asking (e.g. the level a review waits at).
    queue_for: Callable[[Any], ColumnElement] | None = None
    co_units: bool = False  # co-units of a joint review may do it too
    state_message: Any = None  # a clearer refusal than "not possible in this status"
    style: str = "primary"
    confirm: Any = None
    description: Any = ""
    # The petitioner may take it through the public portal (a `PublicActor` of this case).
    public: bool = False

    @property
    def waits_in(self) -> frozenset[CaseStatus]:
        return self.queue_from if self.queue_from is not None else self.from_states


STEPS: dict[str, Step] = {}


def step(**kwargs: Any) -> Callable[[Callable[[StepContext], None]], Callable[[StepContext], None]]:
    """Declare a step; the decorated function applies it."""

    def register(func: Callable[[StepContext], None]) -> Callable[[StepContext], None]:
        code = kwargs.pop("code", func.__name__.lstrip("_"))
        kwargs["roles"] = frozenset(kwargs["roles"])
        kwargs["from_states"] = frozenset(kwargs["from_states"])
        if kwargs.get("queue_from") is not None:
            kwargs["queue_from"] = frozenset(kwargs["queue_from"])
        STEPS[code] = Step(code=code, apply=func, **kwargs)
        return func

    return register


# Event-only steps (no form): how they read in the timeline.
EVENT_LABELS: dict[str, Any] = {
    "register": _l("Registered"),
    "merge_in": _l("Duplicate merged in"),
    "recompute_deadlines": _l("Deadlines recomputed for the holidays entered"),
}

HANDLING_STATES = {S.ASSIGNED, S.HANDLING, S.IN_REVIEW}
CLOCK_STATES = {S.ASSIGNED, S.HANDLING, S.IN_REVIEW, S.APPROVED, S.REVIEWING}


# --- the public as an actor ----------------------------------------------------------------------


@dataclass(frozen=True)
class PublicActor:
    """Someone without an account acting through the public portal (app/portal).

    Registering an online petition: whoever submits it (`case_id` None). Later steps: the
    petitioner of `case_id`, proven by the case's query code and phone — they may take the
    steps marked `public` on that case only. The history records `label` ("信访人（网上）"),
    never a personal name; the actor has no user id, no unit, no role and no scope.
    """

    label: str
    case_id: int | None = None
    id = None
    org_unit = None
    org_unit_id = None
    roles = ()
    is_authenticated = False
    is_public = True

    @property
    def last_name(self) -> str:
        return self.label

    @property
    def first_name(self) -> str:
        return ""


def is_public(actor: Any) -> bool:
    return bool(getattr(actor, "is_public", False))


# --- helpers ---------------------------------------------------------------------------------


def actor_name(actor: Any) -> str:
    return f"{actor.last_name or ''}{actor.first_name or ''}" if actor is not None else ""


def _roles(actor: Any) -> frozenset[str]:
    return frozenset(role.name for role in getattr(actor, "roles", ()) or ())


def _fmt(value: datetime | date | None) -> str:
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M" if isinstance(value, datetime) else "%Y-%m-%d")


def _day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def current_assignment(case: Case, session: Session | None = None) -> Assignment | None:
    """The assignment the case is under now (not sent back), latest first."""
    session = session or object_session(case)
    if session is None or case.id is None:
        return None
    return session.execute(
        select(Assignment)
        .where(Assignment.case_id == case.id, Assignment.returned_at.is_(None))
        .order_by(Assignment.assigned_at.desc(), Assignment.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def open_review(case: Case, session: Session | None = None) -> CaseReview | None:
    session = session or object_session(case)
    if session is None or case.id is None:
        return None
    return session.execute(
        select(CaseReview)
        .where(CaseReview.case_id == case.id, CaseReview.decided_at.is_(None))
        .order_by(CaseReview.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def reviews_of(case: Case, session: Session | None = None) -> list[CaseReview]:
    session = session or object_session(case)
    if session is None or case.id is None:
        return []
    return list(
        session.execute(
            select(CaseReview).where(CaseReview.case_id == case.id).order_by(CaseReview.id)
        ).scalars()
    )


def _pending_extension(ctx: StepContext) -> Extension | None:
    return ctx.session.execute(
        select(Extension)
        .where(Extension.case_id == ctx.case.id, Extension.decided_at.is_(None))
        .order_by(Extension.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _open_pause(ctx: StepContext) -> Pause | None:
    return ctx.session.execute(
        select(Pause)
        .where(Pause.case_id == ctx.case.id, Pause.ended_at.is_(None))
        .order_by(Pause.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def is_co_unit(case: Case, unit_id: int | None, session: Session | None = None) -> bool:
    session = session or object_session(case)
    if unit_id is None or session is None or case.id is None:
        return False
    return (
        session.execute(
            select(JointReviewUnit.id)
            .where(JointReviewUnit.case_id == case.id, JointReviewUnit.unit_id == unit_id)
            .limit(1)
        ).first()
        is not None
    )


def has_recused(case: Case, actor: Any, session: Session | None = None) -> bool:
    session = session or object_session(case)
    if session is None or case.id is None or getattr(actor, "id", None) is None:
        return False
    return (
        session.execute(
            select(Recusal.id).where(Recusal.case_id == case.id, Recusal.user_id == actor.id).limit(1)
        ).first()
        is not None
    )


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


def plan_submitted(case: Case, assignment: Assignment, session: Session | None = None) -> bool:
    """Has the unit given its handling plan since it confirmed receipt — at a joint review
    (会审, its plan) or in a progress report?"""
    session = session or object_session(case)
    since = assignment.received_at or assignment.assigned_at
    if session is None or case.id is None:
        return False
    for table, moment in ((JointReview, JointReview.held_at), (ProgressReport, ProgressReport.reported_at)):
        if session.execute(
            select(table.id).where(table.case_id == case.id, moment >= since).limit(1)
        ).first() is not None:
            return True
    return False


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


# --- the steps ---------------------------------------------------------------------------------


@step(
    label=_l("Accept"),
    roles={CLERK},
    from_states={S.REGISTERED},
    to_state=S.ACCEPTED,
    inputs=(Input("note", _l("Acceptance note"), "textarea", required=False), _when()),
    description=_l("The matter is within our remit: the petitioner gets an acceptance notice."),
)
def _accept(ctx: StepContext) -> None:
    ctx.case.accepted_at = ctx.at
    ctx.text = ctx.inputs.get("note")


@step(
    label=_l("Refuse (not accepted)"),
    roles={CLERK},
    from_states={S.REGISTERED},
    to_state=S.NOT_ACCEPTED,
    inputs=(Input("reason", _l("Reason for not accepting"), "textarea"), _when()),
    style="danger",
    confirm=_l("Refuse this petition? The petitioner is told the reason in a written notice."),
    description=_l("E.g. the matter belongs to a court, arbitration or another channel."),
)
def _refuse(ctx: StepContext) -> None:
    ctx.case.refusal_reason = ctx.inputs["reason"]
    ctx.text = ctx.inputs["reason"]


@step(
    label=_l("Draft proposal"),
    roles={CLERK},
    from_states={S.ACCEPTED},
    to_state=S.PROPOSED,
    inputs=(
        Input("proposal", _l("Proposal (拟办意见)"), "textarea"),
        Input("unit", _l("Suggested unit"), "unit", required=False),
    ),
    description=_l("What should be done and by whom, for the leader to instruct on."),
)
def _propose(ctx: StepContext) -> None:
    ctx.text = ctx.inputs["proposal"]
    unit = ctx.inputs.get("unit")
    if unit is not None:
        ctx.details["unit"] = unit.name
        ctx.case.responsible_unit_id = unit.id


@step(
    label=_l("Instruct"),
    roles={LEADER},
    from_states={S.PROPOSED, S.INSTRUCTED, S.ASSIGNED, S.RETURNED, S.HANDLING, S.IN_REVIEW,
                 S.APPROVED, S.REVIEWING},
    to_state=None,
    queue_from={S.PROPOSED},
    inputs=(Input("text", _l("Instruction (批示)"), "textarea"),),
    description=_l("A case may receive several instructions as it goes."),
)
def _instruct(ctx: StepContext) -> None:
    case = ctx.case
    if case.status == S.PROPOSED:
        ctx.to_state = S.INSTRUCTED
    ctx.add(
        Instruction(
            case_id=case.id,
            author_id=ctx.actor.id,
            author_name=actor_name(ctx.actor),
            instructed_at=ctx.at,
            text=ctx.inputs["text"],
        )
    )
    case.instruction_count = (case.instruction_count or 0) + 1
    if case.responsible_leader_id is None:
        case.responsible_leader_id = ctx.actor.id
    ctx.text = ctx.inputs["text"]


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


def _reopen(case: Case) -> None:
    """A 复查/复核 request, or a decision revoking the handling, reopens a closed case: it is
    not closed (nor counted closed) until it is closed again."""
    case.closed_at = None
    case.closure = None


def _reply_deadline(ctx: StepContext, rule: RuleCode) -> Term:
    """The reply period a new assignment gets: 60 days from acceptance, or the fast track."""
    case = ctx.case
    policy = ctx.policy
    start = (case.accepted_at or ctx.at) if rule == RuleCode.HANDLE else ctx.at
    term = policy.term(rule, start)
    # An extension or a pause granted under an earlier assignment still counts: it lengthens
    # the period, which then rolls once.
    term = term.lengthened(case.extension_days or 0, policy.rule(RuleCode.EXTENSION).kind)
    return term.lengthened(case.paused_days or 0, policy.rule(rule).kind)


def assign_case(ctx: StepContext) -> None:
    """交办 (first time) or 转办 (after a send-back) to a unit with a reply deadline."""
    case = ctx.case
    unit: OrgUnit = ctx.inputs["unit"]
    rule = RuleCode(ctx.inputs.get("rule") or RuleCode.HANDLE.value)
    if case.category == Category.ACCUSATION.value and unit.kind != OrgKind.DISCIPLINE.value:
        # 条例 Art. 30: reports of wrongdoing go to the discipline organs, never to the unit
        # or person reported on.
        raise DomainError(
            gettext("Reports and accusations are assigned only to the discipline inspection organs (Art. 30)."),
            field="unit",
        )
    if not handles_place(unit, case.township_id):
        raise DomainError(place_mismatch_message(unit), field="unit")
    transfer = case.status == S.RETURNED
    if transfer:
        last = ctx.session.execute(
            select(Assignment.unit_id)
            .where(Assignment.case_id == case.id)
            .order_by(Assignment.id.desc())
            .limit(1)
        ).scalar()
        if last == unit.id:
            raise DomainError(
                gettext("This unit sent the case back; choose another unit."), field="unit"
            )
    term = _reply_deadline(ctx, rule)
    statutory = term.due(ctx.policy.calendar)
    chosen = ctx.inputs.get("deadline")
    if chosen is not None:
        if chosen <= ctx.at.date():
            raise DomainError(gettext("The deadline must be after the day of assignment."), field="deadline")
        # A shorter period of the clerk's choosing: its last day rolls past a rest day like any.
        term = Term.of(ctx.at, (chosen - ctx.at.date()).days, DayKind.CALENDAR)
        if term.due(ctx.policy.calendar) > statutory:
            raise DomainError(
                gettext(
                    "The deadline may not be later than the rule allows (%(date)s).",
                    date=_day(statutory),
                ),
                field="deadline",
            )
    set_reply_term(case, term, ctx.policy)
    due = case.due_at
    ctx.add(
        Assignment(
            case_id=case.id,
            kind=(AssignmentKind.TRANSFER if transfer else AssignmentKind.ASSIGN).value,
            unit_id=unit.id,
            assigned_at=ctx.at,
            assigned_by_id=ctx.actor.id,
            note=ctx.inputs.get("note"),
            rule=rule.value,
            deadline=due,
            receipt_due_at=ctx.policy.due(RuleCode.RECEIPT, ctx.at),
            send_back_until=ctx.policy.due(RuleCode.SEND_BACK, ctx.at),
        )
    )
    case.responsible_unit_id = unit.id
    case.assigned_at = ctx.at
    case.due_kind = ctx.policy.rule(rule).kind.value
    if transfer:
        case.transfer_count = (case.transfer_count or 0) + 1
    ctx.text = ctx.inputs.get("note")
    ctx.details.update(
        {"unit": unit.name, "deadline": _day(due), "kind": "transfer" if transfer else "assign"}
    )


@step(
    label=_l("Assign or transfer to a unit"),
    roles={CLERK},
    from_states={S.INSTRUCTED, S.RETURNED},
    to_state=S.ASSIGNED,
    inputs=(
        Input("unit", _l("Responsible unit"), "unit"),
        Input("rule", _l("Deadline rule"), "choice", required=False, choices=HandlingRule),
        Input("deadline", _l("Reply deadline"), "date", required=False,
              help=_l("Leave empty to use the rule; an earlier date sets a shorter deadline")),
        Input("note", _l("Assignment note (交办意见)"), "textarea", required=False),
    ),
    state_message=_l("A case is assigned only after a leader has instructed on it."),
    description=_l("The unit must confirm receipt; it may send the case back within 5 working days."),
)
def _assign(ctx: StepContext) -> None:
    assign_case(ctx)


def _assignment_or_refuse(ctx: StepContext) -> Assignment:
    assignment = current_assignment(ctx.case, ctx.session)
    if assignment is None:
        raise DomainError(gettext("This case has no current assignment."))
    return assignment


@step(
    label=_l("Confirm receipt"),
    roles={HANDLER},
    from_states={S.ASSIGNED},
    to_state=S.HANDLING,
    inputs=(
        Input("complex", _l("Complex case: a handling plan is due in 3 working days"), "bool", required=False,
              help=_l("Give the plan in a progress report or at a joint review (会审).")),
        Input("note", _l("How it will be handled"), "textarea", required=False),
    ),
)
def _receive(ctx: StepContext) -> None:
    assignment = _assignment_or_refuse(ctx)
    assignment.received_at = ctx.at
    assignment.received_by_id = ctx.actor.id
    if ctx.inputs.get("complex"):
        assignment.is_complex = True
        assignment.plan_due_at = ctx.policy.due(RuleCode.COMPLEX_PLAN, ctx.at)
        ctx.details["plan_due"] = _day(assignment.plan_due_at)
    ctx.text = ctx.inputs.get("note")


def _send_back_guard(case: Case, actor: Any, now: datetime) -> str | None:  # noqa: ARG001
    assignment = current_assignment(case)
    if assignment is None:
        return gettext("This case has no current assignment.")
    if now > assignment.send_back_until:
        return _late_send_back(assignment)
    return None


def _late_send_back(assignment: Assignment) -> str:
    return gettext(
        "A case may be sent back only within 5 working days of the assignment (until %(date)s).",
        date=_day(assignment.send_back_until),
    )


@step(
    label=_l("Send back (wrongly assigned)"),
    roles={HANDLER},
    from_states={S.ASSIGNED, S.HANDLING},
    to_state=S.RETURNED,
    queue=False,
    guard=_send_back_guard,
    inputs=(Input("reason", _l("Why this unit is not responsible"), "textarea"),),
    style="warning",
    confirm=_l("Send this case back to the petition office?"),
    description=_l("Allowed within 5 working days of the assignment (Art. 23)."),
)
def _send_back(ctx: StepContext) -> None:
    assignment = _assignment_or_refuse(ctx)
    if ctx.at > assignment.send_back_until:
        raise DomainError(_late_send_back(assignment))
    assignment.returned_at = ctx.at
    assignment.returned_by_id = ctx.actor.id
    assignment.return_reason = ctx.inputs["reason"]
    ctx.details["unit"] = assignment.unit.name if assignment.unit else ""
    ctx.case.responsible_unit_id = None
    ctx.text = ctx.inputs["reason"]


@step(
    label=_l("Report progress"),
    roles={HANDLER},
    from_states={S.HANDLING},
    to_state=None,
    queue=False,
    co_units=True,
    inputs=(Input("text", _l("Progress"), "textarea"),),
    style="default",
)
def _report_progress(ctx: StepContext) -> None:
    ctx.add(
        ProgressReport(
            case_id=ctx.case.id,
            unit_id=ctx.actor.org_unit_id,
            author_id=ctx.actor.id,
            reported_at=ctx.at,
            text=ctx.inputs["text"],
        )
    )
    ctx.text = ctx.inputs["text"]


@step(
    label=_l("Joint review (会审)"),
    roles={HANDLER},
    from_states={S.HANDLING},
    to_state=None,
    queue=False,
    inputs=(
        Input("lead_unit", _l("Lead unit"), "unit"),
        Input("co_units", _l("Co-units"), "units"),
        Input("plan", _l("Plan and division of work"), "textarea"),
        _when(),
    ),
    style="default",
    description=_l("For complex cases: the lead unit handles it, the co-units can see and report on it."),
)
def _joint_review(ctx: StepContext) -> None:
    case = ctx.case
    lead: OrgUnit = ctx.inputs["lead_unit"]
    co_units: list[OrgUnit] = [u for u in ctx.inputs["co_units"] if u.id != lead.id]
    if not co_units:
        raise DomainError(gettext("Name at least one co-unit besides the lead unit."), field="co_units")
    if case.category == Category.ACCUSATION.value and any(
        u.kind != OrgKind.DISCIPLINE.value for u in [lead, *co_units]
    ):
        raise DomainError(
            gettext("Reports and accusations are assigned only to the discipline inspection organs (Art. 30)."),
            field="co_units",
        )
    # The unit that held the case keeps seeing it when another unit takes the lead.
    if case.responsible_unit_id and case.responsible_unit_id != lead.id and all(
        u.id != case.responsible_unit_id for u in co_units
    ):
        co_units.append(ctx.session.get(OrgUnit, case.responsible_unit_id))
    review = JointReview(
        case_id=case.id, held_at=ctx.at, lead_unit_id=lead.id, plan=ctx.inputs["plan"],
        recorded_by_id=ctx.actor.id,
    )
    ctx.add(review)
    ctx.session.flush([review])
    ctx.add(JointReviewUnit(joint_review_id=review.id, case_id=case.id, unit_id=lead.id, is_lead=True))
    for unit in co_units:
        ctx.add(JointReviewUnit(joint_review_id=review.id, case_id=case.id, unit_id=unit.id))
    case.responsible_unit_id = lead.id
    ctx.text = ctx.inputs["plan"]
    ctx.details.update({"lead_unit": lead.name, "co_units": "、".join(u.name for u in co_units)})


def _deadline_passed(case: Case, at: datetime) -> bool:
    """Has the reply deadline run out by `at`? A paused clock stopped when the pause began."""
    if case.due_at is None:
        return False
    moment = min(at, case.paused_since) if case.paused_since is not None else at
    return moment > case.due_at


def _late_extension(case: Case) -> str:
    return gettext(
        "The reply deadline ran out on %(date)s: an extension is decided within the period "
        "(Art. 34), not afterwards. The case stays overdue.",
        date=_day(case.due_at),
    )


def _extension_guard(case: Case, actor: Any, now: datetime) -> str | None:  # noqa: ARG001
    if _deadline_passed(case, now):
        return _late_extension(case)
    if case.extended:
        return gettext("The deadline has already been extended once; it cannot be extended again.")
    if case.extension_pending:
        return gettext("An extension request is already waiting for a decision.")
    if case.due_at is None:
        return gettext("This case has no reply deadline to extend.")
    return None


@step(
    label=_l("Request extension"),
    roles={HANDLER},
    from_states={S.HANDLING},
    to_state=None,
    queue=False,
    guard=_extension_guard,
    inputs=(
        Input("days", _l("Days"), "int", min_value=1, max_value=30),
        Input("reason", _l("Reason (told to the petitioner)"), "textarea"),
    ),
    style="default",
    description=_l("Once per case, at most 30 days, approved by a leader (Art. 34)."),
)
def _request_extension(ctx: StepContext) -> None:
    if _deadline_passed(ctx.case, ctx.at):
        raise DomainError(_late_extension(ctx.case))
    limit = ctx.policy.rule(RuleCode.EXTENSION).days
    days = ctx.inputs["days"]
    if days > limit:
        raise DomainError(
            gettext("An extension may be at most %(n)d days.", n=limit), field="days"
        )
    ctx.add(
        Extension(
            case_id=ctx.case.id, requested_at=ctx.at, requested_by_id=ctx.actor.id,
            days=days, reason=ctx.inputs["reason"],
        )
    )
    ctx.case.extension_pending = True
    ctx.text = ctx.inputs["reason"]
    ctx.details["days"] = days


def _decision_guard(case: Case, actor: Any, now: datetime) -> str | None:  # noqa: ARG001
    if not case.extension_pending:
        return gettext("No extension request is waiting for a decision.")
    return None


@step(
    label=_l("Decide on the extension"),
    roles={LEADER},
    from_states={S.ASSIGNED, S.HANDLING, S.IN_REVIEW, S.APPROVED},
    to_state=None,
    guard=_decision_guard,
    queue_clause=lambda: Case.extension_pending.is_(True),
    inputs=(
        Input("decision", _l("Decision"), "choice", choices=Decision),
        Input("note", _l("Note"), "textarea", required=False,
              help=_l("Required when rejecting")),
    ),
)
def _decide_extension(ctx: StepContext) -> None:
    case = ctx.case
    request = _pending_extension(ctx)
    if request is None:
        raise DomainError(gettext("No extension request is waiting for a decision."))
    approve = ctx.inputs["decision"] == Decision.APPROVE.value
    if not approve and not ctx.inputs.get("note"):
        raise DomainError(gettext("Give the reason for rejecting the extension."), field="note")
    if approve and _deadline_passed(case, ctx.at):
        # A request left undecided past the deadline can still be rejected, not approved.
        raise DomainError(_late_extension(case), field="decision")
    request.decided_at = ctx.at
    request.decided_by_id = ctx.actor.id
    request.approved = approve
    request.decision_note = ctx.inputs.get("note")
    case.extension_pending = False
    if approve:
        request.due_before = case.due_at
        extension = ctx.policy.rule(RuleCode.EXTENSION).kind
        set_reply_term(case, reply_term(case).lengthened(request.days, extension), ctx.policy)
        request.due_after = case.due_at
        case.extended = True
        case.extension_days = request.days
        ctx.details.update({"days": request.days, "deadline": _day(case.due_at)})
    ctx.details["decision"] = ctx.inputs["decision"]
    ctx.text = ctx.inputs.get("note") or request.reason


def _pause_guard(case: Case, actor: Any, now: datetime) -> str | None:  # noqa: ARG001
    if case.paused_since is not None:
        return gettext("The clock is already paused.")
    return None


def _resume_guard(case: Case, actor: Any, now: datetime) -> str | None:  # noqa: ARG001
    if case.paused_since is None:
        return gettext("The clock is not paused.")
    return None


@step(
    label=_l("Pause the clock"),
    roles={HANDLER, LEADER},
    from_states=CLOCK_STATES,
    to_state=None,
    queue=False,
    guard=_pause_guard,
    inputs=(
        Input("reason_kind", _l("Why"), "choice", choices=PauseReason),
        Input("reason", _l("Details"), "textarea"),
        _when(),
    ),
    style="default",
    description=_l("Hearings and waiting for the petitioner's material do not count against the deadline."),
)
def _pause(ctx: StepContext) -> None:
    ctx.add(
        Pause(
            case_id=ctx.case.id, reason_kind=ctx.inputs["reason_kind"], reason=ctx.inputs["reason"],
            started_at=ctx.at, started_by_id=ctx.actor.id,
        )
    )
    ctx.case.paused_since = ctx.at
    ctx.text = ctx.inputs["reason"]
    ctx.details["reason_kind"] = ctx.inputs["reason_kind"]


@step(
    label=_l("Resume the clock"),
    roles={HANDLER, LEADER},
    from_states=CLOCK_STATES,
    to_state=None,
    queue=False,
    guard=_resume_guard,
    inputs=(Input("note", _l("Note"), "textarea", required=False), _when()),
    style="default",
)
def _resume(ctx: StepContext) -> None:
    case = ctx.case
    pause = _open_pause(ctx)
    started = case.paused_since
    review = open_review(case, ctx.session) if case.status == S.REVIEWING else None
    if review is not None:
        kind = ctx.policy.rule(RuleCode.REVIEW_ANSWER).kind
    else:
        kind = DayKind(case.due_kind or DayKind.CALENDAR.value)
    days = paused_days(started, ctx.at, kind, ctx.policy.calendar)
    if review is not None:
        set_review_term(review, review_term(review).lengthened(days, kind), ctx.policy)
        new_due = review.due_at
    else:
        if case.due_at is not None:
            set_reply_term(case, reply_term(case).lengthened(days, kind), ctx.policy)
        else:
            # Paused before any reply deadline existed: the acceptance clock moves instead.
            accept = ctx.policy.term(RuleCode.ACCEPT, case.received_at)
            case.accept_due_at = accept.lengthened((case.paused_days or 0) + days, kind).due(
                ctx.policy.calendar)
        new_due = case.due_at or case.accept_due_at
    if pause is not None:
        pause.ended_at = ctx.at
        pause.ended_by_id = ctx.actor.id
        pause.days = days
    case.paused_since = None
    case.paused_days = (case.paused_days or 0) + days
    ctx.text = ctx.inputs.get("note")
    ctx.details.update({"days": days, "deadline": _day(new_due)})


def _not_paused(case: Case, actor: Any, now: datetime) -> str | None:  # noqa: ARG001
    if case.paused_since is not None:
        return gettext("The clock is paused: resume it first.")
    return None


@step(
    label=_l("Submit findings and draft reply"),
    roles={HANDLER},
    from_states={S.HANDLING},
    to_state=S.IN_REVIEW,
    guard=_not_paused,
    inputs=(
        Input("findings", _l("Findings and handling (调查处理意见)"), "textarea"),
        Input("reply_draft", _l("Draft reply to the petitioner"), "textarea"),
    ),
)
def _submit_findings(ctx: StepContext) -> None:
    ctx.case.findings = ctx.inputs["findings"]
    ctx.case.reply_draft = ctx.inputs["reply_draft"]
    ctx.text = ctx.inputs["findings"]


@step(
    label=_l("Approve findings"),
    roles={LEADER},
    from_states={S.IN_REVIEW},
    to_state=S.APPROVED,
    inputs=(Input("note", _l("Review note"), "textarea", required=False),),
)
def _approve(ctx: StepContext) -> None:
    ctx.text = ctx.inputs.get("note")


@step(
    label=_l("Return for redo"),
    roles={LEADER},
    from_states={S.IN_REVIEW},
    to_state=S.HANDLING,
    queue=False,
    inputs=(Input("reason", _l("What must be redone"), "textarea"),),
    style="warning",
)
def _return_for_redo(ctx: StepContext) -> None:
    ctx.case.redo_count = (ctx.case.redo_count or 0) + 1
    ctx.text = ctx.inputs["reason"]


@step(
    label=_l("Sign and issue the reply"),
    roles={LEADER},
    from_states={S.APPROVED},
    to_state=S.REPLIED,
    inputs=(Input("reply_text", _l("Reply (答复意见)"), "textarea"), _when()),
    description=_l("The reply goes out over your name (署名答复) and is printed as the 答复意见书."),
)
def _sign_reply(ctx: StepContext) -> None:
    case = ctx.case
    case.reply_text = ctx.inputs["reply_text"]
    case.reply_signed_by_id = ctx.actor.id
    if case.replied_at is None:
        case.replied_at = ctx.at
    ctx.text = ctx.inputs["reply_text"]


@step(
    label=_l("Record follow-up"),
    roles={CLERK},
    from_states={S.REPLIED},
    to_state=None,
    inputs=(
        Input("satisfaction", _l("Petitioner's rating"), "choice", choices=Satisfaction),
        Input("method", _l("How"), "choice", choices=FollowUpMethod),
        Input("note", _l("What the petitioner said"), "textarea", required=False,
              help=_l("Required when the petitioner is not satisfied")),
        _when(),
    ),
    description=_l("Not satisfied: the case goes back to the unit for another 10 days."),
    public=True,  # the petitioner rates the answer online (条例 Art. 21)
)
def _follow_up(ctx: StepContext) -> None:
    case = ctx.case
    rating = ctx.inputs["satisfaction"]
    if rating == Satisfaction.UNSATISFIED.value and not ctx.inputs.get("note"):
        raise DomainError(gettext("Write down what the petitioner is not satisfied with."), field="note")
    ctx.add(
        FollowUp(
            case_id=case.id, followed_up_at=ctx.at, by_id=ctx.actor.id,
            method=ctx.inputs["method"], satisfaction=rating, note=ctx.inputs.get("note"),
        )
    )
    case.satisfaction = rating
    case.followed_up_at = ctx.at
    ctx.details.update({"satisfaction": rating, "method": ctx.inputs["method"]})
    if rating == Satisfaction.UNSATISFIED.value:
        # Back to the handling unit with a fresh short deadline (seed 004: 不满意的继续跟踪).
        ctx.to_state = S.HANDLING
        case.redo_count = (case.redo_count or 0) + 1
        set_reply_term(case, ctx.policy.term(RuleCode.FAST_TRACK, ctx.at), ctx.policy)
        case.due_kind = ctx.policy.rule(RuleCode.FAST_TRACK).kind.value
        ctx.details["deadline"] = _day(case.due_at)
    ctx.text = ctx.inputs.get("note")


def _close_guard(case: Case, actor: Any, now: datetime) -> str | None:  # noqa: ARG001
    if case.replied_at is None:
        return gettext("A case is closed only after the petitioner has been answered.")
    if case.satisfaction is None or case.followed_up_at is None:
        return gettext("Record the follow-up with the petitioner before closing.")
    return None


@step(
    label=_l("Close and archive"),
    roles={CLERK},
    from_states={S.REPLIED},
    to_state=S.CLOSED,
    guard=_close_guard,
    inputs=(Input("note", _l("Note"), "textarea", required=False), _when()),
    state_message=_l("A case is closed only after the petitioner has been answered."),
)
def _close(ctx: StepContext) -> None:
    ctx.case.closed_at = ctx.at
    ctx.case.closure = ClosureKind.REPLY.value
    ctx.text = ctx.inputs.get("note")


@step(
    label=_l("Close by mediation agreement"),
    roles={HANDLER, CLERK},
    from_states=HANDLING_STATES,
    to_state=S.CLOSED,
    queue=False,
    guard=_not_paused,
    inputs=(Input("agreement", _l("Agreement and how it was honoured"), "textarea"), _when()),
    style="default",
    confirm=_l("Close this case on the strength of the mediation agreement?"),
    description=_l("A mediation or settlement agreement may end the matter (Art. 33)."),
)
def _settle(ctx: StepContext) -> None:
    ctx.case.closed_at = ctx.at
    ctx.case.closure = ClosureKind.AGREEMENT.value
    ctx.text = ctx.inputs["agreement"]


def latest_reply_at(case: Case, session: Session | None = None) -> datetime | None:
    """When the petitioner got the written reply they hold now: after 不满意 and a second
    reply, the second. The 30 days to ask for 复查 run from it (Art. 35)."""
    session = session or object_session(case)
    if session is None or case.id is None:
        return case.replied_at
    latest = session.execute(
        select(func.max(CaseEvent.occurred_at)).where(
            CaseEvent.case_id == case.id, CaseEvent.step == "sign_reply"
        )
    ).scalar()
    return latest or case.replied_at


def replying_unit(case: Case) -> OrgUnit | None:
    """The body the petitioner's written reply came from: the unit of the leader who signed it
    (the 答复意见书's issuer), else the unit that handled the case, else its township."""
    signer = case.reply_signed_by
    unit = getattr(signer, "org_unit", None) if signer is not None else None
    return unit or case.responsible_unit or case.township


def _reviewing_level(ctx: StepContext, kind: ReviewKind) -> OrgUnit | None:
    """The level that decides (Art. 35–36), or None when it is above the county."""
    answered = replying_unit(ctx.case)
    first = level_above(answered) if answered is not None else None
    if kind == ReviewKind.RECHECK:
        return first
    recheck = next(
        (r for r in reviews_of(ctx.case, ctx.session) if r.kind == ReviewKind.RECHECK.value), None
    )
    if recheck is not None and recheck.reviewer_above_county:
        return None
    below = recheck.reviewer_unit if recheck is not None and recheck.reviewer_unit is not None else first
    return level_above(below) if below is not None else None


def reviewer_name(review: CaseReview) -> str:
    """Who decides the review, in words (the timeline, the case page)."""
    if review.reviewer_above_county:
        return gettext("the authority above the county (its decision is recorded by county leaders)")
    return review.reviewer_unit.name if review.reviewer_unit is not None else ""


def _actor_level(actor: Any) -> OrgUnit | None:
    unit = getattr(actor, "org_unit", None)
    return government_of(unit) if unit is not None else None


def review_refusal(review: CaseReview, actor: Any) -> str | None:
    """Why `actor` may not decide `review`: a 复查 is decided by the level above the body that
    answered, a 复核 by the level above the 复查's (Art. 35–36) — never where the answer was made."""
    if review.reviewer_unit_id is None and not review.reviewer_above_county:
        return None  # requested before levels were kept
    level = _actor_level(actor)
    if level is not None and review.reviewer_above_county and level.kind == OrgKind.COUNTY.value:
        return None
    if level is not None and level.id == review.reviewer_unit_id:
        return None
    return gettext(
        "%(review)s is decided by %(body)s, the level above the one that answered (Art. 35–36).",
        review=ReviewKind.label_of(review.kind), body=reviewer_name(review),
    )


def _decide_review_guard(case: Case, actor: Any, now: datetime) -> str | None:
    problem = _not_paused(case, actor, now)
    if problem:
        return problem
    review = open_review(case)
    return review_refusal(review, actor) if review is not None else None


def _reviews_waiting_for(actor: Any) -> ColumnElement:
    """SQL: the case's open review waits at `actor`'s level (a review from before levels were
    kept waits for any leader of the area)."""
    level = _actor_level(actor)
    at_level = [and_(CaseReview.reviewer_unit_id.is_(None), CaseReview.reviewer_above_county.is_(False))]
    if level is not None:
        at_level.append(CaseReview.reviewer_unit_id == level.id)
        if level.kind == OrgKind.COUNTY.value:
            at_level.append(CaseReview.reviewer_above_county.is_(True))
    return select(CaseReview.id).where(
        CaseReview.case_id == Case.id, CaseReview.decided_at.is_(None), or_(*at_level)
    ).exists()


def _recheck_guard(case: Case, actor: Any, now: datetime) -> str | None:  # noqa: ARG001
    if case.replied_at is None:
        return gettext("A review can be requested only after a reply.")
    if case.review_count >= 1:
        return gettext("A review (复查) has already been requested for this case.")
    return None


def _reexam_guard(case: Case, actor: Any, now: datetime) -> str | None:  # noqa: ARG001
    if case.review_count >= 2:
        return gettext("The re-review (复核) is final; no further review is possible.")
    if case.review_count < 1:
        return gettext("A re-review (复核) follows a decided review (复查).")
    return None


def _open_review_request(ctx: StepContext, kind: ReviewKind, answered_at: datetime) -> None:
    limit = ctx.policy.due(RuleCode.REVIEW_REQUEST, answered_at)
    if ctx.at > limit:
        raise DomainError(
            gettext(
                "The petitioner must ask within %(n)d days of the answer (until %(date)s).",
                n=ctx.policy.rule(RuleCode.REVIEW_REQUEST).days,
                date=_day(limit),
            ),
            field="occurred_at",
        )
    reviewer = _reviewing_level(ctx, kind)
    review = CaseReview(
        case_id=ctx.case.id, kind=kind.value, requested_at=ctx.at, requested_by_id=ctx.actor.id,
        reason=ctx.inputs["reason"], reviewer_unit_id=reviewer.id if reviewer is not None else None,
        reviewer_above_county=reviewer is None,
    )
    set_review_term(review, ctx.policy.term(RuleCode.REVIEW_ANSWER, ctx.at), ctx.policy)
    ctx.add(review)
    ctx.session.flush([review])
    ctx.case.review_count = 1 if kind == ReviewKind.RECHECK else 2
    _reopen(ctx.case)
    ctx.text = ctx.inputs["reason"]
    ctx.details.update({"review": kind.value, "deadline": _day(review.due_at),
                        "reviewer": reviewer_name(review)})


@step(
    label=_l("Request review (复查)"),
    roles={CLERK},
    from_states={S.REPLIED, S.CLOSED},
    to_state=S.REVIEWING,
    queue=False,
    guard=_recheck_guard,
    inputs=(
        Input("reason", _l("What the petitioner asks to be reviewed"), "textarea"),
        _when(),
    ),
    style="default",
    description=_l("Within 30 days of the answer; the body above answers within 30 days (Art. 35)."),
)
def _request_recheck(ctx: StepContext) -> None:
    _open_review_request(ctx, ReviewKind.RECHECK, latest_reply_at(ctx.case, ctx.session))


@step(
    label=_l("Request re-review (复核)"),
    roles={CLERK},
    from_states={S.REPLIED, S.CLOSED},
    to_state=S.REVIEWING,
    queue=False,
    guard=_reexam_guard,
    inputs=(
        Input("reason", _l("What the petitioner asks to be re-reviewed"), "textarea"),
        _when(),
    ),
    style="default",
    description=_l("Within 30 days of the review decision; the re-review is final (Art. 36)."),
)
def _request_reexam(ctx: StepContext) -> None:
    recheck = next(
        (r for r in reviews_of(ctx.case, ctx.session) if r.kind == ReviewKind.RECHECK.value), None
    )
    if recheck is None or recheck.decided_at is None:
        raise DomainError(gettext("A re-review (复核) follows a decided review (复查)."))
    _open_review_request(ctx, ReviewKind.REEXAM, recheck.decided_at)


@step(
    label=_l("Decide the review"),
    roles={LEADER},
    from_states={S.REVIEWING},
    to_state=None,
    guard=_decide_review_guard,
    queue_for=_reviews_waiting_for,
    description=_l(
        "By the level above the body that answered (Art. 35–36); a decision made above the "
        "county is recorded here by the county's leaders."
    ),
    inputs=(
        Input("outcome", _l("Review outcome"), "choice", choices=ReviewOutcome),
        Input("decision", _l("Review decision"), "textarea"),
        _when(),
    ),
)
def _decide_review(ctx: StepContext) -> None:
    case = ctx.case
    review = open_review(case, ctx.session)
    if review is None:
        raise DomainError(gettext("No review is waiting for a decision."))
    problem = review_refusal(review, ctx.actor)
    if problem:
        raise DomainError(problem, code="refused")
    review.decided_at = ctx.at
    review.decided_by_id = ctx.actor.id
    review.outcome = ctx.inputs["outcome"]
    review.decision = ctx.inputs["decision"]
    ctx.details.update({"review": review.kind, "outcome": review.outcome})
    ctx.text = ctx.inputs["decision"]
    if review.outcome == ReviewOutcome.REVOKED.value:
        # The original handling is set aside: the unit handles the matter again.
        ctx.to_state = S.HANDLING
        case.redo_count = (case.redo_count or 0) + 1
        set_reply_term(case, ctx.policy.term(RuleCode.HANDLE, ctx.at), ctx.policy)
        case.due_kind = ctx.policy.rule(RuleCode.HANDLE).kind.value
        _reopen(case)
        ctx.details["deadline"] = _day(case.due_at)
    elif review.kind == ReviewKind.REEXAM.value:
        ctx.to_state = S.CLOSED  # 复核意见为最终意见 (Art. 36)
        case.closed_at = ctx.at
        case.closure = ClosureKind.FINAL_REVIEW.value
    else:
        ctx.to_state = S.REPLIED


def _recuse_guard(case: Case, actor: Any, now: datetime) -> str | None:  # noqa: ARG001
    if has_recused(case, actor):
        return gettext("You have already recused yourself from this case.")
    return None


@step(
    label=_l("Recuse (conflict of interest)"),
    roles={CLERK, HANDLER, LEADER},
    from_states=OPEN_STATUSES,
    to_state=None,
    queue=False,
    guard=_recuse_guard,
    co_units=True,
    inputs=(Input("reason", _l("The conflict of interest"), "textarea"),),
    style="default",
    confirm=_l("After recusing you can take no further step on this case. Continue?"),
    description=_l("Art. 28: whoever has an interest in the matter must not handle it."),
)
def _recuse(ctx: StepContext) -> None:
    ctx.add(
        Recusal(case_id=ctx.case.id, user_id=ctx.actor.id, reason=ctx.inputs["reason"], recused_at=ctx.at)
    )
    ctx.text = ctx.inputs["reason"]


@step(
    label=_l("Link as repeat petition"),
    roles={CLERK},
    from_states={S.REGISTERED, S.ACCEPTED, S.PROPOSED},
    to_state=None,
    queue=False,
    inputs=(Input("earlier", _l("Earlier case number"), "case"),),
    style="default",
    description=_l("Marks this case as 重信重访 of an earlier one."),
)
def _link_repeat(ctx: StepContext) -> None:
    link_repeat(ctx.case, ctx.inputs["earlier"])
    ctx.details["earlier"] = ctx.inputs["earlier"].number


def link_repeat(case: Case, earlier: Case) -> None:
    if earlier is case or (earlier.id is not None and earlier.id == case.id):
        raise DomainError(gettext("A case cannot repeat itself."), field="earlier")
    if earlier.status == S.VOIDED.value:
        raise DomainError(
            gettext("Case %(number)s was voided: it is not an earlier petition.", number=earlier.number),
            field="earlier",
        )
    if earlier.received_at > case.received_at:
        raise DomainError(gettext("The earlier case must have been received before this one."), field="earlier")
    case.is_repeat = True
    case.repeat_of = earlier  # the relationship: works before the earlier case is flushed


@step(
    label=_l("Merge into another case"),
    roles={CLERK},
    from_states={S.REGISTERED, S.ACCEPTED},
    to_state=S.MERGED,
    queue=False,
    inputs=(
        Input("target", _l("Case number to merge into"), "case"),
        Input("note", _l("Note"), "textarea", required=False),
    ),
    style="warning",
    confirm=_l("Merge this registration into the other case? Both histories are kept."),
    description=_l("For a duplicate registration of the same matter."),
)
def _merge(ctx: StepContext) -> None:
    case, target = ctx.case, ctx.inputs["target"]
    if target.id == case.id:
        raise DomainError(gettext("A case cannot be merged into itself."), field="target")
    if target.status in (S.MERGED.value, S.NOT_ACCEPTED.value, S.VOIDED.value):
        raise DomainError(
            gettext("Case %(number)s is %(status)s; choose the case that is kept.",
                    number=target.number, status=target.status_label),
            field="target",
        )
    problems = merge_problems(case, target)
    if problems:
        raise problems[0]
    case.merged_into_id = target.id
    # The petitioners of the duplicate who are not yet on the kept case join it.
    known = {(p.id_number or "", p.name, p.phone or "") for p in target.petitioners}
    known_ids = {p.id_number for p in target.petitioners if p.id_number}
    for person in case.petitioners:
        if (person.id_number and person.id_number in known_ids) or (
            (person.id_number or "", person.name, person.phone or "") in known
        ):
            continue
        target.petitioners.append(
            Petitioner(name=person.name, id_number=person.id_number, phone=person.phone,
                       address=person.address, sort_order=len(target.petitioners))
        )
    ctx.details["target"] = target.number
    ctx.text = ctx.inputs.get("note")
    _touch(target, ctx.at)
    ctx.add(
        _event(target, "merge_in", target.status, target.status, ctx.actor, ctx.at, ctx.now,
               ctx.inputs.get("note"), {"source": case.number})
    )


# --- voiding (作废) ---------------------------------------------------------------------------------
# A registered case is never deleted: the database refuses it (its history would go with it).
# A registration that should not exist — entered twice, a test, a matter registered in the
# wrong county — is voided instead: it keeps its number, petitioners and history, reads 已作废,
# and leaves the work queues, the overdue lists and the figures (`Case.counted`).
# Who: the 登记员 of the case's place (the county petition office's 登记员 for every case) and
# the 系统管理员 of the 信访局, who used to delete mistaken registrations. When: while the
# petition office holds the case — before a unit has it, or after the unit sent it back. Once a
# unit works on it the matter is real and ends the 条例's ways (答复, 调解, 不予受理 up front).
VOIDABLE_STATES = frozenset({S.REGISTERED, S.ACCEPTED, S.PROPOSED, S.INSTRUCTED, S.RETURNED})


@step(
    label=_l("Void the registration (作废)"),
    roles={CLERK, ADMIN},
    from_states=VOIDABLE_STATES,
    to_state=S.VOIDED,
    queue=False,
    inputs=(Input("reason", _l("Why this registration is void"), "textarea"),),
    style="danger",
    confirm=_l("Void this registration? It stays findable with its history, but leaves the work "
               "queues, the overdue lists and the figures. This cannot be undone."),
    state_message=_l("Only a registration the petition office still holds (not yet with a unit, "
                     "or sent back by it) can be voided."),
    description=_l("For a registration made by mistake (a duplicate, a test, a matter of another "
                   "county). A registered case is never deleted."),
)
def _void(ctx: StepContext) -> None:
    ctx.text = ctx.inputs["reason"]


def deletion_refusal() -> str:
    """What whoever asks to delete a case is told (the case page's address, the API)."""
    return gettext(
        "A registered case is never deleted: its history must stay complete. A registration made "
        "by mistake is voided (作废) on its page, with the reason."
    )


# --- applying a step -------------------------------------------------------------------------------


def _event(case: Case, code: str, from_status: str | None, to_status: str, actor: Any,
           at: datetime, recorded: datetime, text: str | None, details: dict[str, Any] | None,
           token: str | None = None) -> CaseEvent:
    unit = getattr(actor, "org_unit", None)
    return CaseEvent(
        case_id=case.id,
        step=code,
        from_status=from_status,
        to_status=to_status,
        actor_id=getattr(actor, "id", None),
        actor_name=actor_name(actor),
        actor_unit=unit.name if unit is not None else "",
        occurred_at=at,
        recorded_at=recorded,
        text=text,
        details=details or None,
        token=token,
    )


def _touch(case: Case, at: datetime) -> None:
    """Mark the case changed so its version moves on with every step (the optimistic lock)."""
    case.last_step_at = max(at, case.last_step_at or at)
    flag_modified(case, "last_step_at")


def relation_error(step_def: Step, case: Case, actor: Any) -> str | None:
    """Does the actor stand in the right relation to the case for this step (place / unit)?"""
    roles = _roles(actor) & step_def.roles
    scope = scope_for_user(actor)
    for role in roles:
        if role == HANDLER:
            unit_id = getattr(actor, "org_unit_id", None)
            if unit_id is not None and (
                unit_id == case.responsible_unit_id
                or (step_def.co_units and is_co_unit(case, unit_id))
            ):
                return None
        elif role == CLERK:
            if scope.covers_place(case.township_id, case.village_id) and (
                scope.everything or not case.county_intake
            ):
                return None
        elif role == LEADER:
            if scope.covers_place(case.township_id, case.village_id) or (
                case.responsible_unit_id in scope.unit_ids
            ):
                return None
        elif role == ADMIN:
            if scope.everything:
                return None
    if HANDLER in roles and len(roles) == 1:
        return gettext("Only the unit handling this case may do “%(step)s”.", step=step_def.label)
    if CLERK in roles and case.county_intake and scope.covers_place(case.township_id, case.village_id):
        return gettext(
            "This letter was written to a county-level mailbox: the county petition office "
            "registers and follows it up."
        )
    return gettext("This case is outside your area.")


def refusal(step_def: Step, case: Case, actor: Any, recused: bool | None = None,
            now: datetime | None = None) -> str | None:
    """Why `actor` may not take `step_def` on `case` now (before any input), or None."""
    if is_public(actor):
        if not step_def.public:
            return gettext("Your role may not do “%(step)s”.", step=step_def.label)
        if actor.case_id is None or actor.case_id != case.id:
            return gettext("This case is outside your area.")
        recused = False
    elif not (_roles(actor) & step_def.roles):
        return gettext("Your role may not do “%(step)s”.", step=step_def.label)
    else:
        problem = relation_error(step_def, case, actor)
        if problem:
            return problem
    if recused is None and step_def.code != "recuse":
        recused = has_recused(case, actor)
    if step_def.code != "recuse" and recused:
        return gettext("You have recused yourself from this case.")
    if case.status not in step_def.from_states:
        if step_def.state_message:
            return str(step_def.state_message)
        return gettext(
            "“%(step)s” is not possible while the case is “%(status)s”.",
            step=step_def.label,
            status=case.status_label,
        )
    if step_def.guard is not None:
        return step_def.guard(case, actor, now or wall_clock())
    return None


def available_steps(case: Case, actor: Any, now: datetime | None = None) -> list[Step]:
    """The steps `actor` may take on `case` now: what the case page offers."""
    recused = has_recused(case, actor)
    return [s for s in STEPS.values() if refusal(s, case, actor, recused, now) is None]


def get_step(code: str) -> Step:
    try:
        return STEPS[code]
    except KeyError:
        raise DomainError(gettext("Unknown step.")) from None


_TOKEN_RE = re.compile(r"^[0-9A-Za-z_-]{8,64}$")


class AlreadyApplied(DomainError):
    """The same form was submitted twice (a double click): it was applied the first time."""

    def __init__(self) -> None:
        super().__init__(gettext("This step has already been applied."), code="duplicate")


def _check_time(ctx: StepContext) -> None:
    """A step cannot happen in the future, before the petition arrived or before the last step."""
    case, at = ctx.case, ctx.at
    if at > ctx.now + FUTURE_TOLERANCE:
        raise DomainError(gettext("This time is in the future"), field="occurred_at")
    if case.received_at and at < case.received_at:
        raise DomainError(
            gettext("This is before the petition was received (%(when)s).", when=_fmt(case.received_at)),
            field="occurred_at",
        )
    if case.last_step_at and at < case.last_step_at:
        raise DomainError(
            gettext(
                "Steps are recorded in order: this is before the previous step (%(when)s).",
                when=_fmt(case.last_step_at),
            ),
            field="occurred_at",
        )


def apply_step(
    case: Case,
    step_code: str,
    actor: Any,
    *,
    expected_version: int | str | None = None,
    token: str | None = None,
    now: datetime | None = None,
    policy: DeadlinePolicy | None = None,
    **raw_inputs: Any,
) -> CaseEvent:
    """Validate and apply one step in the caller's transaction; returns the event written.

    `expected_version` is the case version the user's form was loaded with: if the case changed
    since, nothing is applied (StaleRecordError). `token` identifies one submitted form: the
    same token twice raises AlreadyApplied. Inputs may be typed values or form strings.
    Raises DomainError (with `field` for a bad input) and leaves the case untouched; the caller
    rolls back its transaction on any error.
    """
    step_def = get_step(step_code)
    if token is not None and not _TOKEN_RE.match(token):
        token = None  # not one of our forms' tokens: no double-submit protection, no error
    session = object_session(case)
    if session is None:
        raise ValueError("apply_step needs a case attached to a session")
    if token and session.execute(
        select(CaseEvent.id).where(CaseEvent.token == token).limit(1)
    ).first():
        raise AlreadyApplied()
    if expected_version not in (None, "") and str(expected_version) != str(case.version):
        raise StaleRecordError(
            gettext(
                "The case was changed by someone else after you opened it; nothing was applied. "
                "Reload the page to see its current state."
            )
        )
    wall = now or wall_clock()
    problem = refusal(step_def, case, actor, now=wall)
    if problem:
        raise DomainError(problem, code="refused")
    inputs = coerce_inputs(step_def, raw_inputs, actor, session)
    policy = policy or current_policy()
    ctx = StepContext(
        case=case,
        actor=actor,
        inputs=inputs,
        now=wall,
        at=inputs.get("occurred_at") or wall,
        policy=policy,
        session=session,
        to_state=step_def.to_state or CaseStatus(case.status),
    )
    _check_time(ctx)
    from_status = case.status
    step_def.apply(ctx)
    case.status = ctx.to_state.value
    _touch(case, ctx.at)
    _refresh_next_due(case)
    event = _event(case, step_def.code, from_status, case.status, actor, ctx.at, wall, ctx.text,
                   ctx.details, token)
    session.add(event)
    session.flush()  # a lost update (StaleDataError) surfaces here, inside the step
    # Tell whoever must act next, and the petitioner (only rows added: sent later, by the outbox).
    from app.notifications.events import case_step_taken

    case_step_taken(session, case, step_def.code, from_status, actor, ctx.details, wall)
    return event


def register(
    case: Case,
    actor: Any,
    *,
    now: datetime | None = None,
    policy: DeadlinePolicy | None = None,
    repeat_of: Case | None = None,
) -> CaseEvent:
    """The first step of every case, whichever way it is registered (form, API, import, seed).

    Call it before the new case is committed: it starts the acceptance clock (Art. 22) and
    writes the 'registered' event (with the link to an earlier case for 重信重访).
    """
    policy = policy or current_policy()
    wall = now or wall_clock()
    case.status = case.status or S.REGISTERED.value
    case.accept_due_at = policy.due(RuleCode.ACCEPT, case.received_at)
    details: dict[str, Any] = {"channel": case.channel}
    if repeat_of is not None:
        link_repeat(case, repeat_of)
        details["earlier"] = repeat_of.number
    case.last_step_at = wall
    _refresh_next_due(case)
    event = _event(case, "register", None, case.status, actor, wall, wall, None, details)
    case.events.append(event)
    return event


def registration_rows(
    cases: list[dict[str, Any]], ids: list[int], actor: Any, policy: DeadlinePolicy | None = None
) -> list[dict[str, Any]]:
    """`register` for code that inserts many cases at once with Core statements (imports).

    `cases` are the inserted rows (received_at, channel, created_at), `ids` their new ids.
    Returns the 'registered' event rows to insert into case_event; call `registration_columns`
    for each case row before inserting it.
    """
    unit = getattr(actor, "org_unit", None)
    return [
        {
            "case_id": case_id, "step": "register", "from_status": None,
            "to_status": S.REGISTERED.value, "actor_id": getattr(actor, "id", None),
            "actor_name": actor_name(actor), "actor_unit": unit.name if unit is not None else "",
            "occurred_at": row["created_at"], "recorded_at": row["created_at"], "text": None,
            "details": {"channel": row["channel"]}, "token": None,
        }
        for row, case_id in zip(cases, ids, strict=True)
    ]


def registration_columns(received_at: datetime, registered_at: datetime,
                         policy: DeadlinePolicy | None = None) -> dict[str, Any]:
    """The workflow columns a newly registered case starts with (what `register` sets)."""
    policy = policy or current_policy()
    due = policy.due(RuleCode.ACCEPT, received_at)
    return {"accept_due_at": due, "next_due_at": due, "last_step_at": registered_at}


# --- inputs -----------------------------------------------------------------------------------------

_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")


def _required(inp: Input) -> DomainError:
    return DomainError(gettext("Please fill in “%(label)s”.", label=inp.label), field=inp.name)


def _parse_datetime(value: str) -> datetime | None:
    for fmt in _DATETIME_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    try:
        return datetime.combine(datetime.strptime(value, "%Y-%m-%d").date(), time(12, 0))
    except ValueError:
        return None


def _unit(value: Any) -> OrgUnit | None:
    from app.extensions import db

    if isinstance(value, OrgUnit):
        return value
    try:
        unit = db.session.get(OrgUnit, int(value))
    except (TypeError, ValueError):
        return None
    if unit is None or not unit.active or OrgKind(unit.kind) not in RESPONSIBLE_KINDS:
        return None
    return unit


def _case_in_area(value: Any, actor: Any, session: Session) -> Case | None:
    if isinstance(value, Case):
        return value
    number = str(value or "").strip().upper()
    if not number:
        return None
    scope: Scope = scope_for_user(actor)
    return session.execute(
        select(Case).where(Case.number == number, scope_clause(Case, scope))
    ).scalar_one_or_none()


def coerce_inputs(step_def: Step, raw: Mapping[str, Any], actor: Any, session: Session) -> dict[str, Any]:
    """Turn form strings (or JSON values) into typed inputs; a bad one raises DomainError(field)."""
    values: dict[str, Any] = {}
    for inp in step_def.inputs:
        value = raw.get(inp.name)
        if isinstance(value, str):
            value = value.strip()
        empty = value is None or value == "" or value == [] or value == "__None"
        if inp.kind == "bool":
            values[inp.name] = bool(value) and str(value).lower() not in ("0", "false", "n", "no", "off")
            continue
        if empty:
            if inp.required:
                raise _required(inp)
            values[inp.name] = None
            continue
        values[inp.name] = _coerce(inp, value, actor, session)
    return values


def _coerce(inp: Input, value: Any, actor: Any, session: Session) -> Any:
    bad = DomainError(gettext("“%(label)s” is not valid.", label=inp.label), field=inp.name)
    if inp.kind in ("text", "textarea"):
        text = str(value)
        if len(text) > MAX_TEXT:
            raise DomainError(
                gettext("At most %(max)d characters (now %(n)d)", max=MAX_TEXT, n=len(text)),
                field=inp.name,
            )
        return text
    if inp.kind == "int":
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise bad from None
        if (inp.min_value is not None and number < inp.min_value) or (
            inp.max_value is not None and number > inp.max_value
        ):
            raise DomainError(
                gettext("Enter a number from %(lo)d to %(hi)d.", lo=inp.min_value, hi=inp.max_value),
                field=inp.name,
            )
        return number
    if inp.kind == "choice":
        if inp.choices is None or str(value) not in inp.choices.codes():
            raise bad
        return str(value)
    if inp.kind == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return datetime.strptime(str(value), "%Y-%m-%d").date()
        except ValueError:
            raise DomainError(gettext("Enter a date as YYYY-MM-DD."), field=inp.name) from None
    if inp.kind == "datetime":
        if isinstance(value, datetime):
            return value.replace(microsecond=0)
        parsed = _parse_datetime(str(value))
        if parsed is None:
            raise DomainError(gettext("Enter a time as YYYY-MM-DD HH:MM."), field=inp.name)
        return parsed
    if inp.kind == "unit":
        unit = _unit(value)
        if unit is None:
            raise DomainError(gettext("Choose a unit from the list."), field=inp.name)
        return unit
    if inp.kind == "units":
        items = value if isinstance(value, list | tuple) else str(value).split(",")
        units = []
        for item in items:
            if item in ("", None):
                continue
            unit = _unit(item)
            if unit is None:
                raise DomainError(gettext("Choose a unit from the list."), field=inp.name)
            if all(u.id != unit.id for u in units):
                units.append(unit)
        if not units and inp.required:
            raise _required(inp)
        return units
    if inp.kind == "case":
        found = _case_in_area(value, actor, session)
        if found is None:
            raise DomainError(gettext("No case with this number in your area."), field=inp.name)
        return found
    raise bad


def step_defaults(case: Case, step_def: Step, policy: DeadlinePolicy | None = None,
                  now: datetime | None = None) -> dict[str, Any]:
    """What a step's form shows before the user types (the computed deadline, the draft …)."""
    policy = policy or current_policy()
    now = now or wall_clock()
    defaults: dict[str, Any] = {}
    if step_def.code == "propose" and case.mailbox == Mailbox.DEPARTMENT.value and (
        case.category != Category.ACCUSATION.value  # Art. 30: never to the unit reported on
    ):
        defaults["unit"] = case.responsible_unit_id or case.mailbox_unit_id
    elif step_def.code == "assign":
        defaults["unit"] = case.responsible_unit_id
        defaults["rule"] = RuleCode.HANDLE.value
    elif step_def.code == "sign_reply":
        defaults["reply_text"] = case.reply_draft or ""
    elif step_def.code == "request_extension":
        defaults["days"] = policy.rule(RuleCode.EXTENSION).days
    elif step_def.code == "joint_review":
        defaults["lead_unit"] = case.responsible_unit_id
    return defaults


# --- work queues ---------------------------------------------------------------------------------


def _place_only(scope: Scope) -> Scope:
    return Scope(everything=scope.everything, township_ids=scope.township_ids,
                 village_ids=scope.village_ids, lineage=scope.lineage,
                 screens_accusations=scope.screens_accusations, screening_root=scope.screening_root)


def scope_and(scope: Scope, condition: ColumnElement) -> ColumnElement:
    """`scope_clause(Case, scope) AND condition`, with the condition repeated inside each branch
    of the scope (place / unit / co-unit, `scope_branches`). Each branch can then use its (place
    or unit, status, next_due_at) index: a township's 400,000 cases are not read to find its 50
    most urgent."""
    return or_(*[and_(branch, condition) for branch in scope_branches(Case, scope)])


def _township_intake() -> ColumnElement:
    """Cases a township's (or village's) clerk takes in: all but letters to county mailboxes."""
    return or_(Case.mailbox.is_(None), Case.mailbox.not_in(sorted(COUNTY_MAILBOXES)))


def queue_clause(actor: Any) -> ColumnElement:
    """SQL condition: the cases waiting for `actor` to act (their 待办), from the step table."""
    roles = _roles(actor)
    scope = scope_for_user(actor)
    parts: list[ColumnElement] = []
    for role in sorted(roles & {CLERK, HANDLER, LEADER}):
        for condition in _waiting_conditions(role, actor):
            if role == HANDLER:
                unit_id = getattr(actor, "org_unit_id", None)
                parts.append(and_(Case.responsible_unit_id == unit_id, condition) if unit_id else false())
            elif role == CLERK:
                if not scope.everything:
                    condition = and_(condition, _township_intake())
                parts.append(scope_and(_place_only(scope), condition))
            else:
                parts.append(scope_and(scope, condition))
    if not parts:
        return false()
    recused = select(Recusal.case_id).where(Recusal.user_id == actor.id)
    # 条例 Art. 30: a 检举控告 never waits in the queue of the unit it reports on.
    return and_(or_(*parts), Case.id.not_in(recused), exclusion_clause(Case, scope))


def _waiting_conditions(role: str, actor: Any) -> list[ColumnElement]:
    """What a case waiting for `role` (as `actor`) looks like, as conditions that each start
    with a status list (so that an index on status can serve each)."""
    states: set[str] = set()
    waiting: list[ColumnElement] = []
    for s in STEPS.values():
        if role not in s.roles or not s.queue:
            continue
        if s.queue_for is not None:
            waiting.append(and_(Case.status.in_(sorted(x.value for x in s.waits_in)), s.queue_for(actor)))
        elif s.queue_clause is not None:
            waiting.append(and_(Case.status.in_(sorted(x.value for x in s.from_states)), s.queue_clause()))
        else:
            states.update(x.value for x in s.waits_in)
    waiting.insert(0, Case.status.in_(sorted(states)))
    return waiting


def queue_statuses(actor: Any) -> list[str]:
    """Every status a case in `actor`'s queue (`queue_clause`) can have."""
    statuses: set[str] = set()
    for role in _roles(actor) & {CLERK, HANDLER, LEADER}:
        for s in STEPS.values():
            if role in s.roles and s.queue:
                statuses.update(x.value for x in (s.from_states if s.queue_clause is not None else s.waits_in))
    return sorted(statuses)


def queue_states(role: str) -> frozenset[str]:
    """Statuses in which a case waits for `role` (for documentation and the status cards)."""
    return frozenset(
        x.value
        for s in STEPS.values()
        if role in s.roles and s.queue and s.queue_clause is None
        for x in s.waits_in
    )


# --- who acts next --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Awaited:
    """Who a case waits for and for what: the case page's top line and the portal's progress.

    Read from the same step table as the work queue (`queue_clause`): the steps marked for the
    queue whose status the case is in, per role — the handling unit's 承办人, the place's
    petition office, its leaders (the responsible leader by name) or the level deciding a review.
    """

    unit: OrgUnit | None
    person: str  # a named member of staff ("" when none is named)
    steps: tuple[Step, ...]
    due: datetime | None
    who_text: str = ""  # a holder with no unit of its own (above the county)
    role: str = ""  # whose role acts (CLERK, HANDLER, LEADER)
    user: Any = None  # the named member of staff

    def words(self, public: bool = False) -> str:
        """"等待 县人社局 签收，期限 12月8日" — for the public (`public`), never a staff name."""
        who = self.who_text or (self.unit.name if self.unit is not None else "")
        if self.person and not public:
            who = self.person
        what = gettext(" or ").join(str(s.label) for s in self.steps)
        text = gettext("Awaiting %(what)s by %(who)s", who=who, what=what)
        if self.due is not None:
            text += gettext(", due %(date)s", date=gettext(
                "%(month)d/%(day)d", month=self.due.month, day=self.due.day))
        return text


def _petition_office(case: Case, session: Session) -> OrgUnit | None:
    """Whose petition office takes the case in: the township's, or for a letter to a county
    mailbox the county 信访局 (`relation_error`: a township clerk does not act on those)."""
    if not case.county_intake:
        return case.township
    return session.execute(
        select(OrgUnit).where(OrgUnit.kind == OrgKind.BUREAU.value, OrgUnit.active.is_(True))
        .order_by(OrgUnit.id).limit(1)
    ).scalar_one_or_none()


def _leaders_level(case: Case, session: Session) -> OrgUnit | None:
    if not case.county_intake:
        return case.township
    office = _petition_office(case, session)
    return county_of(office) if office is not None else None


def awaited(case: Case, session: Session | None = None, now: datetime | None = None) -> list[Awaited]:
    """What `case` waits for now, from whom (nothing once closed, merged or not accepted)."""
    session = session or object_session(case)
    if session is None or not case.status:
        return []
    now = now or wall_clock()
    status = CaseStatus(case.status)
    by_role: dict[str, list[Step]] = {}
    for s in STEPS.values():
        if not s.queue or status not in (s.from_states if s.queue_clause is not None else s.waits_in):
            continue
        # The step's own condition (an extension awaiting a decision, a follow-up before
        # closing); one that depends on who asks (the review's level) is read below.
        if s.queue_for is None and s.guard is not None and s.guard(case, None, now):
            continue
        for role in sorted(s.roles & {CLERK, HANDLER, LEADER}):
            by_role.setdefault(role, []).append(s)
    deadlines = [d for d in pending_deadlines(case, session) if not d.stopped]
    receipt = next((d.due for d in deadlines if d.kind == DeadlineKind.RECEIPT), None)
    clock = next((d.due for d in deadlines if d.kind not in (DeadlineKind.RECEIPT, DeadlineKind.PLAN)), None)
    found: list[Awaited] = []
    for role in (HANDLER, CLERK, LEADER):
        steps = by_role.get(role)
        if not steps:
            continue
        due = receipt if any(s.code == "receive" for s in steps) and receipt else clock
        if role == HANDLER:
            unit = session.get(OrgUnit, case.responsible_unit_id) if case.responsible_unit_id else None
            found.append(Awaited(unit, "", tuple(steps), due, role=role))
        elif role == CLERK:
            found.append(Awaited(_petition_office(case, session), "", tuple(steps), due, role=role))
        else:
            review = open_review(case, session) if status == S.REVIEWING else None
            reviewing = [s for s in steps if s.queue_for is not None]
            others = tuple(s for s in steps if s.queue_for is None)
            if review is not None and reviewing:
                found.append(Awaited(review.reviewer_unit, "", tuple(reviewing), due, role=role,
                                     who_text=reviewer_name(review) if review.reviewer_unit is None else ""))
            if others:
                leader = (session.get(type(case).responsible_leader.property.mapper.class_,
                                      case.responsible_leader_id) if case.responsible_leader_id else None)
                level = _leaders_level(case, session)
                found.append(Awaited(level, actor_name(leader) if leader is not None else "", others, due,
                                     who_text=gettext("the leaders of %(place)s", place=_place_name(level)),
                                     role=role, user=leader))
    return found


def _place_name(unit: OrgUnit | None) -> str:
    return unit.name if unit is not None else ""


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
}


def describe_details(details: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """(label, value) pairs for showing an event's details."""
    from app.cases.models import Channel

    if not details:
        return []
    pairs = []
    for key, value in details.items():
        if key not in DETAIL_LABELS or value in (None, ""):
            continue
        vocabulary = Channel if key == "channel" else DETAIL_CHOICES.get(key)
        shown = vocabulary.label_of(value) if vocabulary else str(value)
        pairs.append((str(DETAIL_LABELS[key]), shown))
    return pairs


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
