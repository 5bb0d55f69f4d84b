"""The reports' filter form (period, township, unit, category), read from the query string.

Bad input never fails a report: an unreadable date is reported next to its field and the
default is used instead. Township and unit choices are those inside the user's scope — the
figures are scoped anyway, this only keeps the select boxes honest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext

from app.cases.models import Category
from app.core.clock import now as wall_clock
from app.core.scoping import current_scope
from app.org.choices import org_choices
from app.reports.periods import ReportFilters, ReportPeriod

PARAMS = ("start", "end", "township", "unit", "category")


@dataclass
class FilterForm:
    """What the filter bar shows: the values as typed, the errors, and the choices."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    townships: list[tuple[int, str]] = field(default_factory=list)
    units: list[tuple[int, str]] = field(default_factory=list)
    categories: list[tuple[str, str]] = field(default_factory=list)

    def query(self) -> dict[str, str]:
        """The filters as query arguments (for export links and bulletin links)."""
        return {k: v for k, v in self.values.items() if v}


def _date(text: str) -> date | None:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        return None


def _int(text: str) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def default_period(today: date | None = None) -> ReportPeriod:
    """This calendar year so far (to its end): what a manager opens a report for."""
    today = today or wall_clock().date()
    return ReportPeriod.year(today.year)


def read_filters(args: Any, period_required: bool = True,
                 default: ReportPeriod | None = None) -> tuple[ReportFilters, ReportPeriod | None, FilterForm]:
    """Parse the filter arguments. Returns (filters, period, form).

    With `period_required=False` an empty start and end mean "any time": `period` is None (the
    supervision report's default: an overdue case is overdue whenever it was received) and
    `filters.period` holds the default period, for whoever needs one.
    """
    scope = current_scope()
    values = {name: (args.get(name) or "").strip() for name in PARAMS}
    form = FilterForm(values, townships=list(org_choices("township", scope)), units=list(org_choices("responsible", scope)),
                      categories=Category.choices())
    period: ReportPeriod | None = None
    start, end = _date(values["start"]) if values["start"] else None, _date(values["end"]) if values["end"] else None
    if values["start"] and start is None:
        form.errors["start"] = gettext("Enter a date like 2026-01-31.")
    if values["end"] and end is None:
        form.errors["end"] = gettext("Enter a date like 2026-01-31.")
    fallback = default or default_period()
    if start and end:
        period = ReportPeriod(start, end)
    elif start:  # from a day until today
        period = ReportPeriod(start, max(start, wall_clock().date()))
    elif end:  # the year of the end date, up to it
        period = ReportPeriod(date(end.year, 1, 1), end)
    if period is not None and period.end < period.start:
        form.errors["end"] = gettext("The end date must not be before the start date.")
        period = None
    if period is None and period_required:
        period = fallback
    if period is not None and not values["start"] and not values["end"] and period_required:
        values["start"], values["end"] = period.start.isoformat(), period.end.isoformat()
    township = _int(values["township"])
    unit = _int(values["unit"])
    category = values["category"] if values["category"] in Category.codes() else None
    if values["category"] and category is None:
        values["category"] = ""
    filters = ReportFilters(period or fallback, township_id=township, unit_id=unit, category=category, scope=scope)
    return filters, period, form
