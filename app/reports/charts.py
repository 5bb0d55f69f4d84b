"""The dashboard's charts: 信访量 per month, and per category, township and rating."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, select

from app.cases.models import Case, Satisfaction
from app.reports import rollup
from app.reports.from_cases import received_in, sum_of
from app.reports.periods import ReportFilters, ReportPeriod, add_months


def volume_by_month(filters: ReportFilters, months: int = 12) -> list[tuple[date, int]]:
    """信访量 per month for the `months` months ending with the period's last month: from the
    monthly figures, or one query over the cases (a conditional count per month, so no date
    function differs between databases)."""
    from app.extensions import db

    last = date(filters.period.end.year, filters.period.end.month, 1)
    starts = [add_months(last, -i) for i in range(months - 1, -1, -1)]
    stored = rollup.volume_by_month(filters, starts[0], add_months(last, 1))
    if stored is not None:
        return [(start, stored.get(start, 0)) for start in starts]
    span = ReportPeriod(starts[0], add_months(last, 1) - timedelta(days=1))
    columns = []
    for start in starts:
        low = datetime.combine(start, time.min)
        high = datetime.combine(add_months(start, 1), time.min)
        columns.append(sum_of(and_(Case.received_at >= low, Case.received_at < high)))
    row = db.session.execute(select(*columns).where(*received_in(filters, span))).one()
    return [(start, int(count or 0)) for start, count in zip(starts, row, strict=True)]


def volume_by(filters: ReportFilters, column: Any) -> list[tuple[Any, int]]:
    """信访量 of the period per value of `column` (Case.category, Case.township_id,
    Case.satisfaction …), most first."""
    return volumes_by(filters, (column,))[column.key]


def volumes_by(filters: ReportFilters, columns: tuple[Any, ...]) -> dict[str, list[tuple[Any, int]]]:
    """`volume_by` for several columns (by key): from the monthly figures in one read when all
    are kept there, else one query over the cases per column."""
    from app.extensions import db

    keys = tuple(column.key for column in columns)
    stored = rollup.volumes_by(filters, keys) if set(keys) <= set(rollup.DIMENSIONS) else None
    if stored is not None:
        return {key: sorted(stored[key].items(), key=lambda item: -item[1]) for key in keys}
    out = {}
    for column in columns:
        statement = (
            select(column, func.count()).where(*received_in(filters, filters.period))
            .group_by(column).order_by(func.count().desc())
        )
        out[column.key] = [(value, int(count)) for value, count in db.session.execute(statement)]
    return out



def satisfaction_breakdown(filters: ReportFilters, by_rating: list[tuple[Any, int]] | None = None) -> list[tuple[str, int]]:
    """How the petitioners rated (satisfied / basically / unsatisfied / did not rate); from
    `volume_by(filters, Case.satisfaction)` when given."""
    counts = dict(volume_by(filters, Case.satisfaction) if by_rating is None else by_rating)
    return [(value, counts.get(value, 0)) for value in Satisfaction.codes()]
