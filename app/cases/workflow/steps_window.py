"""当场办结 / 当日办结: a simple matter answered at the window (seed 003 "当场解决、当日解决").

The clerk who registers it answers it in the same form (`answer_at_window`): the case is
accepted, its reply drafted and the petitioner's rating at the window noted. Where the
administrator's rule for the subject allows it (`Subject.on_the_spot_allowed`) the reply goes
out over the clerk's name and the case closes at once; otherwise it waits, approved, for a
leader of the place, who signs it in one click (`approve_at_window`) and the case closes.
Either way the history has the events of the long road (受理, 签发答复, 回访, 结案) and the case
carries the same columns, so the notices and the figures read it like any other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.cases.models import Case, Satisfaction
from app.cases.workflow.base import CLERK, LEADER, S, _event
from app.cases.workflow.deadlines import set_reply_term
from app.cases.workflow.engine import Input, StepContext, step
from app.cases.workflow.leadership import signing_refusal
from app.cases.workflow_models import ClosureKind, FollowUp, FollowUpMethod
from app.core.errors import DomainError
from app.deadlines.models import RuleCode


def _also(ctx: StepContext, code: str, from_status: str, to_status: str, text: str | None = None,
          details: dict[str, Any] | None = None) -> None:
    """One more event of the same moment, as the step of that name writes it."""
    ctx.add(_event(ctx.case, code, from_status, to_status, ctx.actor, ctx.at, ctx.now, text, details))


def _answer_guard(case: Case, actor: Any, now: datetime) -> str | None:  # noqa: ARG001
    if case.category == "accusation":
        return gettext("Reports and accusations are not closed at the window (Art. 30).")
    return None


@step(
    label=_l("Answer and close at the window (当场办结)"),
    roles={CLERK},
    from_states={S.REGISTERED},
    to_state=None,
    queue=False,
    guard=_answer_guard,
    inputs=(
        Input("reply_text", _l("Reply given at the window (答复意见)"), "textarea"),
        Input("satisfaction", _l("Petitioner's rating at the window"), "choice", choices=Satisfaction),
    ),
    style="default",
    description=_l("A simple matter answered on the spot: a leader approves it in one click, or "
                   "for subjects where the administrator allows it, it closes at once."),
)
def _answer_at_window(ctx: StepContext) -> None:
    case = ctx.case
    rating = ctx.inputs["satisfaction"]
    if rating == Satisfaction.UNSATISFIED.value:
        raise DomainError(
            gettext("A petitioner who is not satisfied is not closed at the window: accept the "
                    "petition and handle it the usual way."),
            field="satisfaction",
        )
    case.accepted_at = ctx.at
    _also(ctx, "accept", S.REGISTERED.value, S.ACCEPTED.value, gettext("Answered at the window"))
    case.on_the_spot = True
    case.responsible_unit_id = case.responsible_unit_id or case.township_id
    term = ctx.policy.term(RuleCode.HANDLE, ctx.at)
    set_reply_term(case, term, ctx.policy)
    case.due_kind = ctx.policy.rule(RuleCode.HANDLE).kind.value
    case.findings = case.reply_draft = ctx.inputs["reply_text"]
    ctx.text = ctx.inputs["reply_text"]
    ctx.details["satisfaction"] = rating
    if case.subject is not None and case.subject.on_the_spot_allowed:
        _sign_and_close(ctx, rating, S.ACCEPTED.value)
        ctx.details["approval"] = "rule"
    else:
        ctx.to_state = S.APPROVED  # a leader of the place signs it (approve_at_window)


def _sign_and_close(ctx: StepContext, rating: str, from_status: str) -> None:
    case = ctx.case
    case.reply_text = case.reply_draft
    case.reply_signed_by_id = ctx.actor.id
    case.replied_at = ctx.at
    _also(ctx, "sign_reply", from_status, S.REPLIED.value, case.reply_text)
    ctx.add(FollowUp(case_id=case.id, followed_up_at=ctx.at, by_id=ctx.actor.id,
                     method=FollowUpMethod.MEETING.value, satisfaction=rating, note=None))
    case.satisfaction = rating
    case.followed_up_at = ctx.at
    _also(ctx, "follow_up", S.REPLIED.value, S.REPLIED.value, None,
          {"satisfaction": rating, "method": FollowUpMethod.MEETING.value})
    case.closed_at = ctx.at
    case.closure = ClosureKind.REPLY.value
    _also(ctx, "close", S.REPLIED.value, S.CLOSED.value)
    ctx.to_state = S.CLOSED


def _approve_guard(case: Case, actor: Any, now: datetime) -> str | None:  # noqa: ARG001
    if not case.on_the_spot or case.replied_at is not None:
        return gettext("Only a matter answered at the window awaits this approval.")
    return signing_refusal(case, actor)


@step(
    label=_l("Approve the answer given at the window"),
    roles={LEADER},
    from_states={S.APPROVED},
    to_state=S.CLOSED,
    guard=_approve_guard,
    description=_l("The reply goes out over your name (署名答复), the petitioner's rating at the "
                   "window is recorded and the case is closed."),
)
def _approve_at_window(ctx: StepContext) -> None:
    from sqlalchemy import select

    from app.cases.workflow_models import CaseEvent

    answered = ctx.session.execute(
        select(CaseEvent.details).where(CaseEvent.case_id == ctx.case.id, CaseEvent.step == "answer_at_window")
        .order_by(CaseEvent.id.desc()).limit(1)
    ).scalar_one_or_none() or {}
    rating = answered.get("satisfaction") or Satisfaction.SATISFIED.value
    _sign_and_close(ctx, rating, S.APPROVED.value)
