"""A registered case's 查询码 and the petitioner's first SMS — what every registration path calls.

`announce_registration` is called once a new case has its id and number (after the flush), in
the registration's own transaction, by every path: the case form (CaseView), the API, the Excel
import, the portal. It issues the code (`codes.issue_code`, the one place codes are drawn) and
queues the "registered" SMS with it when the petitioner gave a mobile phone and did not opt out.
It returns the code in clear for the caller to show once; nothing keeps it.

`reissue` is the clerk's "issue a new code" on the case page: the old code stops working at
once, the new one is sent by SMS like the first (unless the petitioner opted out or gave no
mobile phone), the audit log records that a code was issued (never the code).

A registration recorded after the fact (the demo's history, a letter "sent" days ago) gets its
code but no SMS: nobody is to be told today of an old registration — the same cut-off the
workflow's notifications use (`events.HISTORY`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.core import clock
from app.portal import codes


def _recent(moment: datetime) -> bool:
    from app.notifications.events import HISTORY

    return clock.now() - moment <= HISTORY


def announce_registration(session: Session, case: Any, *, now: datetime | None = None) -> str:
    """Issue the new case's 查询码 and queue its SMS (see the module's docstring)."""
    from app.notifications.petitioners import notify_petitioner

    moment = now or clock.now()
    code = codes.issue_code(session, case.id, codes.case_tail(case), now=moment, new=True)
    if _recent(moment):
        notify_petitioner(session, case, "registered", code=codes.format_code(code), now=moment)
    return code


def reissue(session: Session, case: Any, *, now: datetime | None = None) -> str:
    """A new 查询码 for the case in place of the old one (which stops working at once), and its
    SMS queued. The caller commits, then calls `record_reissue` (the audit entry, without the code)."""
    from app.notifications.petitioners import notify_petitioner

    moment = now or clock.now()
    code = codes.issue_code(session, case.id, codes.case_tail(case), now=moment)
    notify_petitioner(session, case, "reissued", code=codes.format_code(code), now=moment)
    return code


def record_reissue(case: Any) -> None:
    """The audit entry of a reissued code: who, which case — never the code nor its hashes."""
    from flask_babel import gettext

    from app.audit.models import AuditKind
    from app.audit.record import record_event

    record_event(AuditKind.UPDATE, model="petition_case", record_id=case.id,
                 summary=gettext("%(number)s: a new query code was issued", number=case.number),
                 details={"query_code": gettext("reissued")})
