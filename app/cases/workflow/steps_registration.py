"""Steps on a registration at any stage: 回避 (recusal), 重信重访, 合并 (merge), 作废 (void)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.cases.models import OPEN_STATUSES, Case, Petitioner
from app.cases.rules import merge_problems
from app.cases.workflow.base import ADMIN, CLERK, HANDLER, LEADER, S, _event
from app.cases.workflow.engine import Input, StepContext, _touch, link_repeat, step
from app.cases.workflow.records import has_recused
from app.cases.workflow_models import Recusal
from app.core.errors import DomainError


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
