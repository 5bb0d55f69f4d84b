"""Steps of handling: assign, receipt, send-back, progress, 会审, extension, pause, findings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.cases.models import Case, Category
from app.cases.workflow.base import (
    CLERK,
    CLOCK_STATES,
    HANDLER,
    LEADER,
    Decision,
    HandlingRule,
    S,
    _day,
)
from app.cases.workflow.deadlines import (
    _not_paused,
    reply_term,
    review_term,
    set_reply_term,
    set_review_term,
)
from app.cases.workflow.engine import Input, StepContext, _when, step
from app.cases.workflow.ownership import set_handler
from app.cases.workflow.records import current_assignment, open_review
from app.cases.workflow_models import (
    Assignment,
    AssignmentKind,
    Extension,
    JointReview,
    JointReviewUnit,
    Pause,
    PauseReason,
    ProgressReport,
)
from app.core.calendar import DayKind, Term, paused_days
from app.core.errors import DomainError
from app.deadlines.models import RuleCode
from app.org.models import OrgKind, OrgUnit, handles_place, place_mismatch_message


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
    if case.responsible_unit_id != unit.id:
        case.handler_id = None  # a new unit names its own 首办责任人
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
        Input("handler", _l("Responsible handler (首办责任人)"), "user", required=False,
              help=_l("Leave empty to take the case yourself")),
    ),
)
def _receive(ctx: StepContext) -> None:
    assignment = _assignment_or_refuse(ctx)
    assignment.received_at = ctx.at
    assignment.received_by_id = ctx.actor.id
    set_handler(ctx.case, ctx.inputs.get("handler") or ctx.actor, ctx.details)
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
    ctx.case.handler_id = None
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
    if case.handler is not None and case.handler.org_unit_id != lead.id:
        case.handler_id = None  # the lead unit names its own 首办责任人
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


def _name_handler_guard(case: Case, actor: Any, now: datetime) -> str | None:  # noqa: ARG001
    if case.responsible_unit_id is None:
        return gettext("The case is not with a unit yet: a responsible handler is named inside the unit.")
    return None


@step(
    label=_l("Name the responsible handler (首办责任人)"),
    roles={LEADER},
    from_states={S.ASSIGNED, S.HANDLING, S.IN_REVIEW, S.APPROVED, S.REPLIED, S.REVIEWING},
    to_state=None,
    queue=False,
    guard=_name_handler_guard,
    inputs=(
        Input("handler", _l("Responsible handler (首办责任人)"), "user"),
        Input("note", _l("Note"), "textarea", required=False),
    ),
    style="default",
    description=_l("A 承办人 of the handling unit takes the case personally; they are told and find it under 我的信访件."),
)
def _name_handler(ctx: StepContext) -> None:
    chosen = ctx.inputs["handler"]
    if ctx.case.handler_id == chosen.id:
        raise DomainError(gettext("This person already holds the case."), field="handler")
    set_handler(ctx.case, chosen, ctx.details)
    ctx.text = ctx.inputs.get("note")
