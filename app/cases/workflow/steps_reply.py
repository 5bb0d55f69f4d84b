"""Steps of reply and closing: findings approved or redone, reply, follow-up, close (审核 → 结案)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.cases.models import Case, Satisfaction
from app.cases.workflow.base import CLERK, HANDLER, HANDLING_STATES, LEADER, S, _day
from app.cases.workflow.deadlines import _not_paused, set_reply_term
from app.cases.workflow.engine import Input, StepContext, _when, step
from app.cases.workflow.leadership import signing_refusal
from app.cases.workflow_models import ClosureKind, FollowUp, FollowUpMethod
from app.core.errors import DomainError
from app.deadlines.models import RuleCode


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
    guard=lambda case, actor, now: (  # noqa: ARG005
        gettext("This matter was answered at the window: approve that answer.")
        if case.on_the_spot and case.replied_at is None else signing_refusal(case, actor)),
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
