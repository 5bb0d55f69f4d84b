"""The engine: Step, Input and StepContext, the step registry, refusals, apply_step and register."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.sql.elements import ColumnElement

from app.cases.models import Case, CaseStatus
from app.cases.workflow.base import (
    ADMIN,
    CLERK,
    HANDLER,
    LEADER,
    S,
    _event,
    _fmt,
    _roles,
    actor_name,
    is_public,
)
from app.cases.workflow.deadlines import _refresh_next_due
from app.cases.workflow.inputs import coerce_inputs
from app.cases.workflow.records import has_recused, is_co_unit
from app.cases.workflow_models import CaseEvent
from app.core.choices import Choices
from app.core.clock import now as wall_clock
from app.core.errors import DomainError, StaleRecordError
from app.core.validators import FUTURE_TOLERANCE
from app.deadlines.models import RuleCode
from app.deadlines.policy import DeadlinePolicy, current_policy
from app.org.scoping import scope_for_user


@dataclass(frozen=True)
class Input:
    """One value a step needs. `kind`: text, textarea, int, choice, date, datetime, bool, unit,
    units (several units), case (a case number in the actor's area), user (a member of staff)."""

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


# --- applying a step -------------------------------------------------------------------------------


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
