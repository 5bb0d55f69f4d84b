"""The rules of 24小时值班: which units keep a roster, what a shift must be, and the gaps.

Plain Python: the views call these; nothing here imports a view.

- A roster is kept by the county and by each township (`DUTY_UNIT_KINDS`).
- A shift ends after it starts, names a person (a user or a name) and a reachable phone.
- Every hour of the coming `ROSTER_DAYS` days must be covered by some shift of the unit; the hours
  no shift covers are gaps (`gaps`). Shifts may overlap (a hand-over, two people on a holiday).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext
from sqlalchemy import ColumnElement, and_, or_, select

from app.core.errors import DomainError
from app.core.scoping import Scope
from app.core.validators import phone_error
from app.org.models import OrgKind, OrgUnit

ROSTER_DAYS = 14
DUTY_UNIT_KINDS = (OrgKind.COUNTY.value, OrgKind.TOWNSHIP.value)


@dataclass(frozen=True)
class Gap:
    """A stretch of time no shift of the unit covers."""

    start: datetime
    end: datetime

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


def gaps(shifts: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime) -> list[Gap]:
    """The stretches of [start, end) that none of the (starts_at, ends_at) shifts covers, in order.

    Shifts may overlap or touch (08:00–20:00 then 20:00–08:00 leave no gap); parts of shifts
    outside the window are ignored.
    """
    found: list[Gap] = []
    cursor = start
    for s, e in sorted((max(s, start), min(e, end)) for s, e in shifts if e > start and s < end):
        if s > cursor:
            found.append(Gap(cursor, s))
        cursor = max(cursor, e)
        if cursor >= end:
            break
    if cursor < end:
        found.append(Gap(cursor, end))
    return found


def roster_window(today: Any) -> tuple[datetime, datetime]:
    """The published roster: from today 00:00 for ROSTER_DAYS days."""
    start = datetime(today.year, today.month, today.day)
    return start, start + timedelta(days=ROSTER_DAYS)


def duty_unit_clause(scope: Scope) -> ColumnElement:
    """The roster-keeping units (the county, townships) a user may keep the roster of."""
    kind = OrgUnit.kind.in_(DUTY_UNIT_KINDS)
    if scope.everything:
        return and_(OrgUnit.active.is_(True), kind)
    if not scope.township_ids:
        return OrgUnit.id.is_(None)
    return and_(OrgUnit.active.is_(True), OrgUnit.kind == OrgKind.TOWNSHIP.value, OrgUnit.id.in_(scope.township_ids))


def published_unit_ids(session: Any, scope: Scope, user_unit: Any) -> list[int]:
    """Whose roster a user reads: the county's and their own township's; county-wide users every one.

    Everyone signed in reads the county's roster (it is who to call at county level); a township's
    users read their township's — also a department's handler reads the county's.
    """
    kind = OrgUnit.kind.in_(DUTY_UNIT_KINDS)
    if scope.everything:
        condition = kind
    else:
        townships = set(scope.township_ids)
        if user_unit is not None and user_unit.township_id:
            townships.add(user_unit.township_id)
        condition = and_(kind, or_(OrgUnit.kind == OrgKind.COUNTY.value, OrgUnit.id.in_(townships)))
    rows = session.execute(
        select(OrgUnit.id).where(OrgUnit.active.is_(True), condition)
        .order_by(OrgUnit.township_id.is_not(None), OrgUnit.sort_order, OrgUnit.id)
    )
    return [row[0] for row in rows]


def shift_problems(shift: Any, scope: Scope) -> list[DomainError]:
    """Everything wrong with a shift about to be saved, each naming its field."""
    problems: list[DomainError] = []
    unit = shift.org_unit
    if unit is not None:
        if unit.kind not in DUTY_UNIT_KINDS:
            problems.append(DomainError(gettext("A duty roster is kept by the county or a township"), field="org_unit"))
        elif not scope.everything and unit.id not in scope.township_ids:
            problems.append(DomainError(gettext("You may keep only your own township's roster"), field="org_unit"))
    if shift.starts_at and shift.ends_at and shift.ends_at <= shift.starts_at:
        problems.append(DomainError(gettext("A shift ends after it starts"), field="ends_at"))
    if not (shift.person_name or "").strip() and shift.user is None:
        problems.append(DomainError(gettext("Choose the person on duty or write their name"), field="person_name"))
    error = phone_error(shift.phone)
    if shift.phone and error:
        problems.append(DomainError(error, field="phone"))
    return problems


def log_problems(entry: Any, scope: Scope, now: datetime) -> list[DomainError]:
    """Everything wrong with a duty log entry about to be saved."""
    from app.core.validators import future_error

    problems: list[DomainError] = []
    unit = entry.org_unit
    if unit is not None:
        if unit.kind not in DUTY_UNIT_KINDS:
            problems.append(DomainError(gettext("A duty roster is kept by the county or a township"), field="org_unit"))
        elif not scope.everything and unit.id not in scope.township_ids:
            problems.append(DomainError(gettext("You may keep only your own township's duty log"), field="org_unit"))
    error = future_error(entry.received_at, now)
    if error:
        problems.append(DomainError(error, field="received_at"))
    if entry.phone:
        error = phone_error(entry.phone)
        if error:
            problems.append(DomainError(error, field="phone"))
    return problems


def shift_on_duty(session: Any, unit_id: int, at: datetime) -> Any:
    """The shift of the unit covering `at` (the latest started), or None."""
    from app.duty.models import DutyShift

    return session.execute(
        select(DutyShift).where(DutyShift.org_unit_id == unit_id, DutyShift.starts_at <= at, DutyShift.ends_at > at)
        .order_by(DutyShift.starts_at.desc())
    ).scalars().first()
