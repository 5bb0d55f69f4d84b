"""轮流接访: a rota of leaders receiving at one place, one a day, and the slots it publishes.

Seed 003: the county hall opens every day and each day one county-level leader receives there;
seed 004: county leaders take turns. The rule:

- A rota day is a working day of the deadlines calendar (holidays off, adjusted working weekends
  on — `app.deadlines`), or, for a rota not bound to working days, a day of the chosen weekdays;
  between the rota's first and last day.
- The rota days are numbered from its first day; day n goes to leader n mod k, in the leaders'
  order (their sort order, as on the leaders' list). Inactive leaders are left out.
- Generating writes one published reception slot per rota day from today on, with the rota's
  place, hours and subjects; a day that already has this rota's slot is left alone.
- Gaps: working days in the window without a published slot at the rota's place.
- Clashes: a leader with two published slots on one day whose hours overlap.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext
from sqlalchemy import select

from app.core.calendar import WorkCalendar
from app.core.errors import DomainError
from app.leaders.models import Leader, ReceptionRota, ReceptionSlot

WEEKDAY_CODES = ("0", "1", "2", "3", "4", "5", "6")
HORIZON_DAYS = 28


def weekdays_of(rota: ReceptionRota) -> set[int]:
    return {int(v) for v in (rota.weekdays or "").split(",") if v.strip() in WEEKDAY_CODES}


def is_rota_day(rota: ReceptionRota, day: date, calendar: WorkCalendar) -> bool:
    if day < rota.starts_on or (rota.ends_on is not None and day > rota.ends_on):
        return False
    if rota.working_days_only:
        return calendar.is_workday(day)
    return day.weekday() in weekdays_of(rota)


def active_leaders(rota: ReceptionRota) -> list[Leader]:
    return [leader for leader in rota.leaders if leader.active]


def assignments(rota: ReceptionRota, first: date, last: date, calendar: WorkCalendar) -> list[tuple[date, Leader]]:
    """(day, leader) for every rota day in [first, last], counted from the rota's first day."""
    leaders = active_leaders(rota)
    if not leaders:
        return []
    found = []
    number = 0
    day = rota.starts_on
    while day <= last and (rota.ends_on is None or day <= rota.ends_on):
        if is_rota_day(rota, day, calendar):
            if day >= first:
                found.append((day, leaders[number % len(leaders)]))
            number += 1
        day += timedelta(days=1)
    return found


def problems(rota: ReceptionRota) -> list[DomainError]:
    import re

    found = []
    pattern = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
    for name in ("start_time", "end_time"):
        value = (getattr(rota, name) or "").strip()
        setattr(rota, name, value)
        if not pattern.match(value):
            found.append(DomainError(gettext("Enter the time as HH:MM, e.g. 09:00"), field=name))
    if not found and rota.end_time <= rota.start_time:
        found.append(DomainError(gettext("The reception ends after it starts"), field="end_time"))
    if rota.ends_on is not None and rota.starts_on is not None and rota.ends_on < rota.starts_on:
        found.append(DomainError(gettext("The last day cannot be before the first day"), field="ends_on"))
    if not rota.leaders:
        found.append(DomainError(gettext("Choose the leaders who take turns"), field="leaders"))
    if not rota.working_days_only and not weekdays_of(rota):
        found.append(DomainError(gettext("Choose the weekdays, or receive on working days only"), field="weekdays"))
    return found


def generate(session: Any, rota: ReceptionRota, first: date, days: int, calendar: WorkCalendar) -> int:
    """Publish the rota's slots for [first, first + days); return how many were written."""
    last = first + timedelta(days=days - 1)
    existing = set(session.execute(
        select(ReceptionSlot.day).where(ReceptionSlot.rota_id == rota.id, ReceptionSlot.day >= first,
                                        ReceptionSlot.day <= last)
    ).scalars())
    written = 0
    for day, leader in assignments(rota, first, last, calendar):
        if day in existing:
            continue
        unit = leader.org_unit
        session.add(ReceptionSlot(
            leader_id=leader.id, day=day, start_time=rota.start_time, end_time=rota.end_time, place=rota.place,
            subjects=rota.subjects, org_unit_id=unit.id, township_id=unit.township_id, published=True,
            rota_id=rota.id,
        ))
        written += 1
    session.flush()
    return written


@dataclass
class DayRow:
    day: date
    workday: bool
    expected: Leader | None
    slots: list[ReceptionSlot]
    gap: bool
    clashes: list[ReceptionSlot]


def _overlap(a: ReceptionSlot, b: ReceptionSlot) -> bool:
    return a.start_time < b.end_time and b.start_time < a.end_time


def clashes(slots: list[ReceptionSlot]) -> set[int]:
    """Ids of published slots whose leader has another overlapping one the same day."""
    by_key: dict[tuple[int, date], list[ReceptionSlot]] = defaultdict(list)
    for slot in slots:
        if slot.published:
            by_key[(slot.leader_id, slot.day)].append(slot)
    found = set()
    for same in by_key.values():
        for i, a in enumerate(same):
            for b in same[i + 1:]:
                if _overlap(a, b):
                    found.update({a.id, b.id})
    return found


def overview(session: Any, rota: ReceptionRota, first: date, days: int, calendar: WorkCalendar) -> list[DayRow]:
    """Each day of the window: the leader the rule names, the slots at the rota's place, gap, clashes."""
    last = first + timedelta(days=days - 1)
    expected = dict(assignments(rota, first, last, calendar))
    slots = session.execute(
        select(ReceptionSlot).where(ReceptionSlot.day >= first, ReceptionSlot.day <= last,
                                    ReceptionSlot.published.is_(True))
        .order_by(ReceptionSlot.day, ReceptionSlot.start_time)
    ).scalars().all()
    clashing = clashes(slots)
    rows = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        here = [s for s in slots if s.day == day and (s.rota_id == rota.id or s.place == rota.place)]
        workday = calendar.is_workday(day)
        in_force = day >= rota.starts_on and (rota.ends_on is None or day <= rota.ends_on)
        rows.append(DayRow(
            day=day, workday=workday, expected=expected.get(day), slots=here,
            gap=in_force and workday and not here,
            clashes=[s for s in slots if s.day == day and s.id in clashing
                     and s.leader_id in {x.leader_id for x in here}],
        ))
    return rows
