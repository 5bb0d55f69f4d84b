"""Report periods and filters: the days a report covers, and the stretches it is counted in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, or_
from sqlalchemy.sql.elements import ColumnElement

from app.core.scoping import Scope, current_scope


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after `day`'s month."""
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


@dataclass(frozen=True)
class ReportPeriod:
    """A report's range of days, both ends included (a 排查 sweep's reporting period is
    another thing: `app.ledgers.sweeps.SweepPeriod`)."""

    start: date
    end: date

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """[start 00:00, the day after end 00:00): what `received_at` is compared with."""
        return datetime.combine(self.start, time.min), datetime.combine(self.end + timedelta(days=1), time.min)

    @property
    def whole_months(self) -> int:
        """How many calendar months the period spans exactly (0: not whole months)."""
        after = self.end + timedelta(days=1)
        if self.start.day != 1 or after.day != 1:
            return 0
        return (after.year - self.start.year) * 12 + after.month - self.start.month

    def shifted(self, months: int = 0, days: int = 0) -> ReportPeriod:
        if months:
            start = add_months(self.start, months)
            return ReportPeriod(start, add_months(start, self.whole_months) - timedelta(days=1))
        return ReportPeriod(self.start + timedelta(days=days), self.end + timedelta(days=days))

    def previous(self) -> ReportPeriod:
        """The period of the same length just before (the previous month, two months, year …)."""
        months = self.whole_months
        if months:
            return self.shifted(months=-months)
        return self.shifted(days=-((self.end - self.start).days + 1))

    def year_before(self) -> ReportPeriod:
        """The same period one year earlier (for 同比)."""
        if self.whole_months:
            return self.shifted(months=-12)
        try:
            return ReportPeriod(self.start.replace(year=self.start.year - 1), self.end.replace(year=self.end.year - 1))
        except ValueError:  # 29 February
            return self.shifted(days=-365)

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} — {self.end:%Y-%m-%d}"

    @classmethod
    def year(cls, year: int) -> ReportPeriod:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def month(cls, year: int, month: int) -> ReportPeriod:
        start = date(year, month, 1)
        return cls(start, add_months(start, 1) - timedelta(days=1))


@dataclass(frozen=True)
class ReportFilters:
    """What a report or figure covers: a period, and optionally one township, unit or category.

    `scope` defaults to the request's user's scope: every figure is scoped like every list.
    """

    period: ReportPeriod
    township_id: int | None = None
    unit_id: int | None = None
    category: str | None = None
    scope: Scope | None = None

    def resolved_scope(self) -> Scope:
        return self.scope if self.scope is not None else current_scope()

    @property
    def narrowing(self) -> tuple[int | None, int | None, str | None]:
        """The township, unit and category filters: part of a kept statement's key
        (app/core/statements.py)."""
        return self.township_id, self.unit_id, self.category

    def narrowed(self, township: Any, unit: Any, category: Any = None) -> list[ColumnElement]:
        """The township, unit and category filters as conditions over the records' own columns
        (no `category` column: the category filter does not apply to them)."""
        conditions: list[ColumnElement] = []
        if self.township_id:
            conditions.append(township == self.township_id)
        if self.unit_id:
            conditions.append(unit == self.unit_id)
        if self.category and category is not None:
            conditions.append(category == self.category)
        return conditions


def report_periods(filters: ReportFilters, compare: bool) -> dict[str, ReportPeriod]:
    """The periods to count: the filter's, the same a year before (同比) and, with `compare`,
    the one just before — unless that *is* the year before (a calendar year's report), which
    is then counted once and used for both (see `tables.add_up`)."""
    periods = {"current": filters.period, "year_before": filters.period.year_before()}
    if compare and not previous_is_year_before(filters):
        periods["previous"] = filters.period.previous()
    return periods


def previous_is_year_before(filters: ReportFilters) -> bool:
    return filters.period.previous() == filters.period.year_before()




# A stretch of time counted under a period key: (key, from, to) with `to` excluded. A period
# may be counted in several stretches (its whole months from the monthly figures, its odd days
# at either end from the cases).
Stretch = tuple[str, Any, Any]  # datetimes; dates or month numbers for other columns


def stretch_key(column: Any, stretches: Iterable[Stretch]) -> tuple[Any, ColumnElement]:
    """A CASE naming the period key a row's `column` falls in, and the WHERE keeping those rows."""
    whens, ranges = [], []
    for key, low, high in stretches:
        condition = and_(column >= low, column < high)
        whens.append((condition, key))
        ranges.append(condition)
    return case(*whens, else_=None), or_(*ranges)


def period_key(column: Any, periods: Mapping[str, ReportPeriod], dates: bool = False) -> tuple[Any, ColumnElement]:
    """A CASE naming the period a row falls in, and the WHERE keeping only rows in some period.

    `dates`: the column holds dates, not times."""
    stretches = []
    for key, period in periods.items():
        low, high = period.bounds
        stretches.append((key, low.date(), high.date()) if dates else (key, low, high))
    return stretch_key(column, stretches)


# --- calendar months, as the monthly tables (app/reports/rollup/) keep them ------------------------


def month_number(day: date) -> int:
    """202611 for a day of November 2026."""
    return day.year * 100 + day.month


def first_day_of(number: int) -> date:
    """The first day of the month numbered `number` (202611)."""
    return date(number // 100, number % 100, 1)


def split(periods: Mapping[str, Any]) -> tuple[list[tuple[str, int, int]], list[tuple[str, datetime, datetime]]]:
    """Each period as whole months [from, to) (month numbers) and the odd days at its ends."""
    months: list[tuple[str, int, int]] = []
    days: list[tuple[str, datetime, datetime]] = []
    for key, period in periods.items():
        start, after = period.start, period.end + timedelta(days=1)
        first = start if start.day == 1 else add_months(start, 1)
        last = date(after.year, after.month, 1)
        if first >= last:
            days.append((key, *period.bounds))
            continue
        months.append((key, month_number(first), month_number(last)))
        if start < first:
            days.append((key, datetime.combine(start, time.min), datetime.combine(first, time.min)))
        if last < after:
            days.append((key, datetime.combine(last, time.min), datetime.combine(after, time.min)))
    return months, days
