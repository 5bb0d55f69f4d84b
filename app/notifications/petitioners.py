"""Text messages to petitioners: at 受理/不予受理, 延期 and 答复 (with the link to the portal's
rating step), and the 查询码 when a case is registered or a new code is issued. Never for a case
whose petitioner opted out or gave no phone; the wording names no unit at all, so an SMS about a
检举控告 never names the reported-on unit.

Links are absolute, from ``PUBLIC_BASE_URL``. Without it (`flask xf doctor` warns) a message
carries no link at all — a bare path ("/portal/query") is no address on a phone — but names
the place in words ("本县网上信访平台").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext
from sqlalchemy.orm import Session

from app.core import clock
from app.notifications.models import Channel, OutboxMessage
from app.notifications.service import enqueue
from app.notifications.templates import render

EVENTS = ("registered", "reissued", "accepted", "refused", "extended", "replied")
# Where each message sends the petitioner: the 答复 to the portal's rating step.
_PAGE = {"replied": "/portal/rate"}


def petitioner_phone(case: Any) -> str | None:
    for person in case.petitioners or ():
        digits = "".join(ch for ch in (person.phone or "") if ch.isdigit())
        if len(digits) == 11 and digits.startswith("1"):
            return digits
    return None


def public_base() -> str:
    return (current_app.config.get("PUBLIC_BASE_URL", "") if has_app_context() else "").rstrip("/")


def portal_link(path: str = "/portal/query") -> str:
    """The absolute address of a portal page, or the portal named in words without PUBLIC_BASE_URL."""
    base = public_base()
    if base:
        return base + path
    if path == STOP_PATH:
        return gettext("the page “Stop text messages” of the online petition site")
    return gettext("the online petition site")


STOP_PATH = "/portal/sms-stop"  # the petitioner's opt-out page (app/portal/views.py sms_stop)


def notify_petitioner(session: Session, case: Any, event: str, *, now: datetime | None = None,
                      code: str | None = None) -> OutboxMessage | None:
    if event not in EVENTS:
        raise ValueError(event)
    phone = petitioner_phone(case)
    if phone is None or case.sms_opt_out:
        return None
    due = case.due_at if event == "extended" else (case.due_at or case.accept_due_at)
    _, body = render(
        session, f"petition_{event}", number=case.number, portal=portal_link(_PAGE.get(event, "/portal/query")),
        code=code or "",
        stop=portal_link(STOP_PATH),
        due=f"{due.year}-{due.month:02d}-{due.day:02d}" if due else "",
    )
    return enqueue(session, Channel.SMS.value, phone, body, template=f"petition_{event}",
                   case_id=case.id, now=now or clock.now())
