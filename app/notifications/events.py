"""Where case steps turn into notifications: whoever the case now waits for (the same
`workflow.awaited` the case page shows) is told, and the parties of a decision hear of it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext
from sqlalchemy.orm import Session

from app.core import clock
from app.notifications.models import NotificationKind as K
from app.notifications.service import notify

# A step awaited now → the kind of notification to its holder.
_AWAITED_KIND = {
    "receive": K.CASE_ASSIGNED,
    "instruct": K.INSTRUCTION_AWAITED,
    "approve": K.REVIEW_AWAITED,
    "sign_reply": K.REVIEW_AWAITED,
    "decide_extension": K.REVIEW_AWAITED,
    "decide_review": K.REVIEW_AWAITED,
}
# Steps that put new work before someone without changing the status.
_NEW_WORK = {"request_extension", "return_for_redo", "follow_up"}
HISTORY = timedelta(days=1)
_PETITIONER_EVENTS = {"accept": "accepted", "refuse": "refused", "sign_reply": "replied"}


def _case_url(case: Any) -> str:
    return f"/cases/show/{case.id}"


def case_step_taken(session: Session, case: Any, step: str, from_status: str | None, actor: Any,
                    details: dict[str, Any], now: datetime) -> None:
    from app.cases import workflow
    from app.cases.models import CaseStatus
    from app.notifications.petitioners import notify_petitioner
    from app.security.roles import RoleName

    if clock.now() - now > HISTORY:
        return  # a step recorded after the fact (the demo's histories, imports): nobody to tell now
    changed = from_status != case.status or step in _NEW_WORK
    if changed:
        for waiting in workflow.awaited(case, session, now):
            codes = [s.code for s in waiting.steps]
            kind = next((_AWAITED_KIND[c] for c in codes if c in _AWAITED_KIND), None)
            if case.status == CaseStatus.RETURNED.value and "assign" in codes:
                kind = K.CASE_RETURNED
            elif step in ("return_for_redo", "follow_up") and "submit_findings" in codes:
                kind = K.CASE_RETURNED
            if kind is None:
                continue
            title = f"{case.number} {waiting.words()}"
            if waiting.user is not None:
                notify(session, kind, record=case, users=[waiting.user], title=title,
                       url=_case_url(case), actor=actor, now=now)
            elif waiting.unit is not None:
                notify(session, kind, record=case, units=[waiting.unit.id], roles=[waiting.role],
                       title=title, url=_case_url(case), actor=actor, now=now)
    if step in ("receive", "name_handler") and details.get("handler") and case.handler is not None \
            and case.handler.id != getattr(actor, "id", None):
        # 首办责任人: the person named (by a colleague at receipt, or by a leader) is told.
        notify(session, K.HANDLER_NAMED, record=case, users=[case.handler],
               title=gettext("%(number)s: you are the responsible handler (首办责任人)", number=case.number),
               url=_case_url(case), actor=actor, now=now)
    # A decision is told to whoever acts on it next: the named 首办责任人 when the case has one,
    # else the handling unit's handlers (and, for a 复查/复核, the clerks who follow it up).
    handler = [case.handler] if case.handler is not None else []
    unit_handlers = [case.responsible_unit_id] if case.responsible_unit_id and not handler else []
    if step == "decide_extension" and (handler or unit_handlers):
        if details.get("decision") == "approve":
            text = gettext("%(number)s: the extension was approved", number=case.number)
        else:
            text = gettext("%(number)s: the extension was rejected", number=case.number)
        notify(session, K.EXTENSION_DECIDED, record=case, users=handler, units=unit_handlers,
               roles=[RoleName.HANDLER], title=text, url=_case_url(case), actor=actor, now=now)
    if step == "decide_review":
        title = gettext("%(number)s: the review (复查/复核) was decided", number=case.number)
        notify(session, K.RECHECK_DECIDED, record=case, users=handler, units=unit_handlers,
               roles=[RoleName.HANDLER], title=title, url=_case_url(case), actor=actor, now=now)
        if case.responsible_unit_id:
            notify(session, K.RECHECK_DECIDED, record=case, units=[case.responsible_unit_id],
                   roles=[RoleName.CLERK], title=title, url=_case_url(case), actor=actor, now=now)
    if step == "answer_at_window":
        notify_petitioner(session, case, "accepted", now=now)  # 当场办结: accepted in the same form
    if step in ("answer_at_window", "approve_at_window") and case.replied_at is not None:
        notify_petitioner(session, case, "replied", now=now)
    event = _PETITIONER_EVENTS.get(step)
    if step == "decide_extension" and details.get("decision") == "approve":
        event = "extended"
    if event is not None:
        notify_petitioner(session, case, event, now=now)
