"""Working days and deadlines: pure functions, testable on a frozen clock.

Deadline rules (DOMAIN.md "Deadlines") count either calendar days or working days. Working days
skip weekends and Chinese public holidays and count the adjusted working weekends (调休). The
holidays come from the maintained `chinese-calendar` package; for years it does not know yet
(the State Council publishes each year's schedule in November or December) the administrator
enters the days in an override table, and without them a year falls back to Monday–Friday.

Conventions, the same everywhere:

- "within N days of X" ends at the end of the Nth day after X's date (X's own day is not
  counted); a deadline is a naive local datetime at 23:59:59 of its last day;
- a calendar-day period whose last day is a rest day ends on the next working day instead
  (the rule of Chinese procedural law, e.g. 民事诉讼法 Art. 85: 期间届满的最后一日是法定休假日的，
  以法定休假日后的第一日为期间届满的日期);
- time the clock is paused is counted in whole days: [paused date, resumed date);
- an extension or a pause lengthens the period and the lengthened period rolls once, at its
  end (`Term`): it is never counted again from a date already rolled past a holiday;
- a case is 超期 once the deadline has passed, 临期 when it falls within the warning threshold
  (so many calendar or working days from today, `near_boundary`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import chinese_calendar
from flask_babel import lazy_gettext as _l

from app.core.choices import Choices

_LIB_HOLIDAYS = chinese_calendar.holidays
_LIB_WORKDAYS = chinese_calendar.workdays
LIB_FIRST_YEAR = min(_LIB_HOLIDAYS).year
LIB_LAST_YEAR = max(_LIB_HOLIDAYS).year
END_OF_DAY = time(23, 59, 59)
# A working-day loop never needs more than this many calendar days per working day (the
# longest rest period, Spring Festival plus a weekend, is about ten days).
_MAX_SPAN_PER_WORKDAY = 15


class DayKind(Choices):
    CALENDAR = "calendar", _l("Calendar days")
    WORKING = "working", _l("Working days")


class Urgency(Choices):
    """How a deadline stands today: what the badges on lists and the case page show."""

    NONE = "none", _l("No deadline")
    ON_TIME = "on_time", _l("On time")
    NEAR = "near", _l("Due soon")
    OVERDUE = "overdue", _l("Overdue")
    PAUSED = "paused", _l("Clock paused")


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def library_knows(year: int) -> bool:
    """Does `chinese-calendar` hold the holiday schedule of `year`?"""
    return LIB_FIRST_YEAR <= year <= LIB_LAST_YEAR


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days: the administrator's overrides, then the library, then Mon–Fri.

    `overrides` maps a date to True (a working day, e.g. an adjusted Saturday) or False (a rest
    day, e.g. a holiday of a year the library does not know, or a local holiday).
    """

    overrides: Mapping[date, bool] = field(default_factory=dict)
    # Years the library does not know whose holiday list the administrator has entered and
    # confirmed complete (deadlines.models.HolidayYear).
    confirmed_years: frozenset[int] = frozenset()

    def knows(self, year: int) -> bool:
        """Are the working days of `year` known: from the library, or confirmed by the administrator?"""
        return library_knows(year) or year in self.confirmed_years

    def is_workday(self, day: date | datetime) -> bool:
        day = _as_date(day)
        override = self.overrides.get(day)
        if override is not None:
            return override
        if library_knows(day.year):
            if day in _LIB_WORKDAYS:
                return True
            return day.weekday() < 5 and day not in _LIB_HOLIDAYS
        return day.weekday() < 5

    def next_workday(self, day: date | datetime) -> date:
        """`day` itself if it is a working day, else the first working day after it."""
        day = _as_date(day)
        for _ in range(_MAX_SPAN_PER_WORKDAY * 2):
            if self.is_workday(day):
                return day
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date | datetime, count: int) -> date:
        """The `count`th working day after `start` (start's own day not counted)."""
        day = _as_date(start)
        if count <= 0:
            return day
        found = 0
        for _ in range(count * _MAX_SPAN_PER_WORKDAY + 30):
            day += timedelta(days=1)
            if self.is_workday(day):
                found += 1
                if found == count:
                    return day
        raise ValueError(f"no {count} working days after {start}: check the holiday overrides")

    def working_days_between(self, start: date | datetime, end: date | datetime) -> int:
        """Working days in [start, end): what a pause from `start` to `end` costs the clock."""
        first, last = _as_date(start), _as_date(end)
        count = 0
        day = first
        while day < last:
            if self.is_workday(day):
                count += 1
            day += timedelta(days=1)
        return count

    def unknown_years(self, years: Iterable[int]) -> list[int]:
        """Years in `years` whose holidays neither the library nor the administrator has
        confirmed: a deadline there is 待核 (only weekends are known to be days off)."""
        return [y for y in years if not self.knows(y)]


def years_to_enter(today: date, cal: WorkCalendar) -> list[int]:
    """Years whose holidays the administrator must enter now: this year if unknown, and from
    1 November the next (the State Council publishes each year's schedule in November or
    December; the library's maintainers follow later)."""
    years = [today.year, today.year + 1] if (today.month, today.day) >= (11, 1) else [today.year]
    return cal.unknown_years(years)


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, END_OF_DAY)


@dataclass(frozen=True)
class Term:
    """A legal period: from `start` (its own day not counted), made of parts (days, kind) in
    the order they were granted — the rule's period, then an extension, then each pause.

    The period's last day rolls past rest days once, at the very end. Accepted 2025-08-05, the
    60 days end on 10-04 (National Day) and roll to 10-09; an extension of 30 days lengthens
    the 60 to 90 and ends on 11-03 — not 30 days after 10-09 (条例 Art. 34 extends the period,
    not the day it happened to roll to).
    """

    start: date
    parts: tuple[tuple[int, str], ...] = ()

    @classmethod
    def of(cls, start: date | datetime, days: int, kind: DayKind | str) -> Term:
        return cls(_as_date(start)).lengthened(days, kind)

    @classmethod
    def ending(cls, due: datetime) -> Term:
        """A period known only by its deadline (rows written before terms were kept)."""
        return cls(_as_date(due))

    def lengthened(self, days: int, kind: DayKind | str) -> Term:
        """The same period with `days` of `kind` more (an approved extension, a pause's length)."""
        if days <= 0:
            return self
        kind = DayKind(kind).value
        if self.parts and self.parts[-1][1] == kind:
            return Term(self.start, (*self.parts[:-1], (self.parts[-1][0] + days, kind)))
        return Term(self.start, (*self.parts, (days, kind)))

    def last_day(self, cal: WorkCalendar) -> date:
        day = self.start
        for days, kind in self.parts:
            if kind == DayKind.WORKING.value:
                day = cal.add_working_days(day, days)
            else:
                day += timedelta(days=days)
        return cal.next_workday(day)

    def due(self, cal: WorkCalendar) -> datetime:
        """The moment the period runs out: the end of its (rolled) last day."""
        return end_of_day(self.last_day(cal))

    def years(self, cal: WorkCalendar) -> range:
        """The years whose working days the deadline depends on."""
        return range(self.start.year, self.last_day(cal).year + 1)

    def as_json(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "parts": [list(p) for p in self.parts]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Term | None:
        if not data:
            return None
        return cls(
            date.fromisoformat(data["start"]),
            tuple((int(days), DayKind(kind).value) for days, kind in data.get("parts", ())),
        )


def deadline(start: date | datetime, days: int, kind: DayKind | str, cal: WorkCalendar) -> datetime:
    """The moment a period of `days` (calendar or working) days from `start` runs out."""
    return Term.of(start, days, kind).due(cal)


def paused_days(start: datetime, end: datetime, kind: DayKind | str, cal: WorkCalendar) -> int:
    """Days of a pause not counted against a deadline of `kind`: [start's date, end's date)."""
    if end <= start:
        return 0
    if DayKind(kind) == DayKind.WORKING:
        return cal.working_days_between(start, end)
    return (end.date() - start.date()).days


def days_left(due: datetime, today: date | datetime) -> int:
    """Calendar days from today to the deadline's day: 0 on the day itself, negative when past."""
    return (due.date() - _as_date(today)).days


def urgency(due: datetime | None, now: datetime, near_before: datetime, paused: bool = False) -> Urgency:
    """How a running deadline stands at `now`: 超期 once it has passed, 临期 when it falls before
    `near_before` (the policy's `near_boundary`). `paused`: the case's clock stands still, which
    shows as 暂停计时 unless a deadline still running (or one already passed when the pause
    began) is overdue or due soon — time already overdue stays overdue."""
    if due is not None and now > due:
        return Urgency.OVERDUE
    if due is not None and due < near_before:
        return Urgency.NEAR
    if paused:
        return Urgency.PAUSED
    if due is None:
        return Urgency.NONE
    return Urgency.ON_TIME


def near_boundary(now: datetime, days: int, kind: DayKind | str, cal: WorkCalendar) -> datetime:
    """Deadlines from now until (not including) this moment are 临期: due today or on one of the
    next `days` days of `kind` (calendar days, or working days of `cal`). The one definition of
    临期, for `urgency` on a loaded case and for the SQL clauses of every list and report."""
    today = now.date()
    if DayKind(kind) == DayKind.WORKING:
        last = cal.add_working_days(today, days)
    else:
        last = today + timedelta(days=days)
    return datetime.combine(last + timedelta(days=1), time.min)
