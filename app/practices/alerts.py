"""What a newly registered case sets off, whichever way it was registered (form, API, portal, duty
log): the 初信初访倒查 flag to its township (lookback.py), and for a collective visit (集体访, five
people or more) the immediate 重要情况速报 to the county office.

Run at commit (`hooks.py`): by then the case has its id and its petitioners. A case received
more than a day before it was registered (the demo's history, a late import) tells nobody: the
moment has passed; the demo seeds its flags through `flag_missed` directly.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import clock
from app.practices.lookback import missed_by_sweep
from app.practices.models import SweepMiss

RECENT = timedelta(days=1)


def flag_missed(session: Session, case: Any, now: datetime, *, tell: bool = True) -> SweepMiss | None:
    """Flag the case to its township when its sweep missed it (lookback.py); once per case."""
    if not missed_by_sweep(session, case):
        return None
    if session.execute(select(SweepMiss.id).where(SweepMiss.case_id == case.id)).first() is not None:
        return None
    miss = SweepMiss(case_id=case.id, township_id=case.township_id, flagged_at=now)
    session.add(miss)
    session.flush()
    if tell:
        _tell_township(session, case, miss, now)
    return miss


def _tell_township(session: Session, case: Any, miss: SweepMiss, now: datetime) -> None:
    """The township's registrars keep its ledger: they are told (not the one who registered it,
    who sees the flag on the case page already)."""
    from app.notifications.models import NotificationKind as K
    from app.notifications.service import notify
    from app.security.roles import RoleName

    title = gettext("%(number)s: a first petition not in the township's dispute ledger (missed in the sweep)",
                    number=case.number)
    notify(session, K.SWEEP_MISSED, record=miss, units=[case.township_id],
           roles=[RoleName.CLERK], title=title, url=f"/practices/sweep-misses/show/{miss.id}",
           actor=_registrar(case), now=now)


def report_collective(session: Session, case: Any, now: datetime) -> int:
    """重要情况速报: tell the county office (the 信访局's clerks and managers, the county's leaders)
    at once of a collective visit. Returns how many were told."""
    from app.notifications.models import NotificationKind as K
    from app.notifications.service import notify
    from app.org.models import OrgKind, OrgUnit
    from app.security.roles import RoleName

    offices = session.execute(
        select(OrgUnit.id).where(OrgUnit.kind.in_((OrgKind.BUREAU.value, OrgKind.COUNTY.value)))
    ).scalars().all()
    place = case.township.name if case.township is not None else ""
    title = gettext("Urgent report: collective visit of %(n)d people, %(place)s — %(number)s %(title)s",
                    n=case.people_count, place=place, number=case.number, title=case.title)
    told = notify(session, K.URGENT_REPORT, record=case, units=offices,
                  roles=[RoleName.CLERK, RoleName.LEADER, RoleName.MANAGER], title=title,
                  url=f"/cases/show/{case.id}", actor=_registrar(case), now=now)
    return len(told)


def _registrar(case: Any) -> Any:
    return case.created_by


def new_cases_registered(session: Session, cases: list[Any]) -> None:
    """The look-back and the urgent report for cases just registered (see the module docstring)."""
    now = clock.now()
    for case in cases:
        if case.id is None or case.received_at is None or now - case.received_at > RECENT:
            continue
        flag_missed(session, case, now)
        if case.is_collective:
            report_collective(session, case, now)
