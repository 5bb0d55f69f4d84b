"""The case figures counted from the cases themselves, grouped by (period, township, unit)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Column, case, func, literal_column, select
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnElement

from app.cases.models import Case
from app.core.scoping import scope_clause
from app.reports.definitions import FigureDef
from app.reports.periods import ReportFilters, ReportPeriod, Stretch, stretch_key
from app.reports.values import Value

# A group: (period key, township id, unit id) → figure code → Value.
Groups = dict[tuple[str, int | None, int | None], dict[str, Value]]


def sum_of(condition: ColumnElement) -> Any:
    """How many rows meet `condition` (0, not NULL, when none)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def case_conditions(filters: ReportFilters) -> list[ColumnElement]:
    """Which cases a figure counts, the period aside: not merged away nor voided, in scope, the filters."""
    return [Case.counted, scope_clause(Case, filters.resolved_scope()),
            *filters.narrowed(Case.township_id, Case.responsible_unit_id, Case.category)]


def add_groups(into: Groups, more: Groups) -> Groups:
    """Add `more`'s values into `into`, group by group and figure by figure."""
    for group, values in more.items():
        bucket = into.setdefault(group, {})
        for code, value in values.items():
            bucket[code] = bucket[code] + value if code in bucket else value
    return into


def received_in(filters: ReportFilters, period: ReportPeriod) -> list[ColumnElement]:
    """`case_conditions` and the cases received in `period`."""
    low, high = period.bounds
    return [Case.received_at >= low, Case.received_at < high, *case_conditions(filters)]



def count_cases_live(filters: ReportFilters, figures: list[FigureDef], stretches: list[Stretch],
                     moment: datetime, extra: Iterable[ColumnElement] = (), steer: bool = False) -> Groups:
    """The case figures counted from the cases themselves: one query grouped by (period,
    township, unit). Raw counts: the 同比 values are not yet set (see `counting.year_on_year`).

    `steer`: the `extra` conditions pick few cases on an index of their own; SQLite is kept
    from walking the period or the place on theirs instead."""
    from app.extensions import db

    if not stretches:
        return {}
    key, in_stretches = stretch_key(Case.received_at, stretches)
    others = [in_stretches, *case_conditions(filters)]
    if steer:
        key, others = steered(key, others)
    columns: list[Any] = []
    for fig in figures:
        columns.append(sum_of(fig.numerator(moment)))
        if fig.kind == "rate":
            columns.append(sum_of(fig.denominator(moment)))
    statement = (
        select(key.label("period"), Case.township_id, Case.responsible_unit_id, *columns)
        .where(*others, *extra)
        .group_by(key, Case.township_id, Case.responsible_unit_id)
    )
    return {(row[0], row[1], row[2]): row_values(figures, row) for row in db.session.execute(statement)}


def row_values(figures: list[FigureDef], row: Any, at: int = 3) -> dict[str, Value]:
    """A grouped row's figure values, its sums from column `at` on: two for a rate (above and
    below the line), one for a count or a change."""
    values: dict[str, Value] = {}
    for fig in figures:
        if fig.kind == "rate":
            values[fig.code] = Value("rate", int(row[at] or 0), int(row[at + 1] or 0))
            at += 2
        else:
            values[fig.code] = Value(fig.kind, int(row[at] or 0), None)
            at += 1
    return values



def steered(key: Any, conditions: list[ColumnElement]) -> tuple[Any, list[ColumnElement]]:
    """On SQLite, `key` and `conditions` kept off the indexes, for a query whose other
    condition finds its few cases on an index of its own: SQLite would otherwise walk a
    township's whole year on (township, received) and test each case (130 ms, not 1)."""
    from app.extensions import db

    if db.session.get_bind().dialect.name != "sqlite":
        return key, conditions
    return (None if key is None else _off_index(key)), [_off_index(c) for c in conditions]


def _off_index(expression: ColumnElement) -> ColumnElement:
    """The expression with petition_case's columns written `+column`: SQLite then uses no index
    for it (its documented way to steer the planner)."""
    table = Case.__table__

    def replace(element: Any) -> Any:
        if isinstance(element, Column) and element.table is table:
            return literal_column(f"+{table.name}.{element.name}", type_=element.type)
        return None

    return visitors.replacement_traverse(expression, {}, replace)
