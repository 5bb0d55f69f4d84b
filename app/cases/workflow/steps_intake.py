"""Steps of intake: accept or refuse, the proposal, the leader's instruction (受理 → 拟办 → 批示)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.cases.models import Case
from app.cases.workflow.base import CLERK, LEADER, S, actor_name
from app.cases.workflow.engine import Input, StepContext, _when, step
from app.cases.workflow.leadership import leader_problem
from app.cases.workflow_models import Instruction
from app.core.errors import DomainError


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
    inputs=(
        Input("text", _l("Instruction (批示)"), "textarea"),
        Input("leader", _l("Responsible leader (点名交办)"), "leader", required=False,
              help=_l("Name the leader who answers for the case and signs the reply; a later instruction may change it")),
    ),
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
    named = ctx.inputs.get("leader")
    if named is not None:
        problem = leader_problem(case, named)
        if problem:
            raise DomainError(problem, field="leader")
        if case.responsible_leader_id != named.id:
            if case.responsible_leader is not None and case.leader_named:
                ctx.details["previous_leader"] = actor_name(case.responsible_leader)
            case.reply_delegate_id = None  # a delegation was the former leader's
        case.responsible_leader_id = named.id
        case.responsible_leader = named
        case.leader_named = True
        ctx.details["leader"] = actor_name(named)
    elif case.responsible_leader_id is None:
        case.responsible_leader_id = ctx.actor.id
    ctx.text = ctx.inputs["text"]


def _delegate_guard(case: Case, actor: Any, now: datetime) -> str | None:  # noqa: ARG001
    if not case.leader_named:
        return gettext("No leader was named for this case.")
    if actor is not None and getattr(actor, "id", None) != case.responsible_leader_id:
        return gettext("Only the responsible leader delegates the signing.")
    return None


@step(
    label=_l("Delegate signing the reply"),
    roles={LEADER},
    from_states={S.PROPOSED, S.INSTRUCTED, S.ASSIGNED, S.RETURNED, S.HANDLING, S.IN_REVIEW, S.APPROVED},
    to_state=None,
    queue=False,
    guard=_delegate_guard,
    inputs=(Input("delegate", _l("Signs on my behalf"), "leader"),),
    style="default",
)
def _delegate_signing(ctx: StepContext) -> None:
    chosen = ctx.inputs["delegate"]
    problem = leader_problem(ctx.case, chosen)
    if problem:
        raise DomainError(problem, field="delegate")
    ctx.case.reply_delegate_id = chosen.id
    ctx.details["delegate"] = actor_name(chosen)
