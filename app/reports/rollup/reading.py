"""Reading the roll-up tables: whole months' case figures, the dashboard's volumes, status cards.

What is not stored is counted from the cases here (see app/reports/rollup/__init__.py): what
depends on the moment (a deadline passing), the odd days of a period, and what the scope holds
beyond the tables (app/reports/rollup/scope.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import DateTime, and_, bindparam, case, false, func, not_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from app.cases.models import Case, Satisfaction
from app.core.scoping import scope_clause
from app.core.statements import clause_key, reused
from app.reports.from_cases import (
    add_groups,
    case_conditions,
    count_cases_live,
    row_values,
    steered,
    sum_of,
)
from app.reports.periods import first_day_of, month_number, split, stretch_key
from app.reports.rollup.scope import Plan, on_table, plan, table_conditions
from app.reports.rollup.tables import case_due_month, case_figure_month, case_status_count
from app.reports.rollup.triggers import (
    DUE,
    HANDLING_DEADLINE,
    REPLY_DEADLINE,
    STATUSES,
    column_of,
    month_of,
    waits_for,
)
from app.reports.values import Value

# "Now" in a reused statement (app/core/statements.py): the moment is given when it runs.
NOW = bindparam("xf_now", type_=DateTime())


def status_counts(scope: Any) -> dict[str, int] | None:
    """How many cases of the scope are in each status (merged ones included), or None when the
    table cannot serve this scope."""
    from app.extensions import db

    condition, remainder = on_table(scope, case_status_count)
    if condition is None or not STATUSES.is_ready():
        return None
    t = case_status_count.c
    counts: dict[str, int] = {}
    for status, n in db.session.execute(select(t.status, func.sum(t.cases)).where(condition).group_by(t.status)):
        counts[status] = int(n or 0)
    if remainder is not None:
        _key, conditions = steered(None, [scope_clause(Case, scope)])
        for status, n in db.session.execute(
                select(Case.status, func.count()).where(remainder, *conditions).group_by(Case.status)):
            counts[status] = counts.get(status, 0) + int(n)
    return {status: n for status, n in counts.items() if n}


def count_cases(filters: Any, figures: list[Any], periods: Mapping[str, Any], moment: datetime) -> dict | None:
    """The case figures of `periods` from the monthly table plus what it cannot hold, or None
    when the table cannot serve this scope (counting.count_cases then counts the cases)."""
    from app.extensions import db
    read = plan(filters)
    stored_there = [f for f in figures if waits_for(f) == REPLY_DEADLINE]
    due_plan = plan(filters, DUE) if stored_there else None
    if read is None or (stored_there and due_plan is None):
        return None
    scope_condition = read.condition
    months, days = split(periods)
    groups = count_cases_live(filters, figures, days, moment)
    if not months:
        return groups
    month_stretches = [(k, datetime.combine(first_day_of(low), time.min),
                        datetime.combine(first_day_of(high), time.min)) for k, low, high in months]
    if read.remainder is not None:
        add_groups(groups, count_cases_live(filters, figures, month_stretches, moment,
                                                extra=[read.remainder], steer=True))
    due_before = month_number(moment.date())

    def build() -> Any:
        t = case_figure_month.c
        key, in_months = stretch_key(case_figure_month.c.month, months)
        columns: list[Any] = []
        for fig in figures:
            columns.append(func.sum(t[column_of(f"{fig.code if fig.kind != 'change' else 'volume'}_n")]))
            if fig.kind == "rate":
                below = func.sum(t[column_of(f"{fig.code}_d")])
                if waits_for(fig) == HANDLING_DEADLINE:
                    # Open cases whose deadline fell in a month already over: come due.
                    over = and_(t.due_month > 0, t.due_month < due_before)
                    below = below + func.sum(case((over, t[column_of(f"{fig.code}_p")]), else_=0))
                elif waits_for(fig) == REPLY_DEADLINE and fig.come_due is None:
                    below = below + func.sum(t[column_of(f"{fig.code}_p")])  # those not yet due: subtracted below
                columns.append(below)
        unit = func.nullif(t.unit_id, 0)
        return (
            # Each sum labelled: figures sharing a column select the same sum twice, and
            # unlabelled duplicates sent every row through SQLAlchemy's slow path (0.5 ms a row).
            select(key, t.township_id, unit, *(c.label(f"c{i}") for i, c in enumerate(columns)))
            .where(in_months, *table_conditions(filters, scope_condition))
            .group_by(key, t.township_id, unit)
            # Every case not merged away counts in volume_n: a group without any is left over by
            # cases that moved or merged, and the cases themselves would show no such group.
            .having(func.sum(t.volume_n) > 0)
        )

    statement = reused(("figure months", tuple(months), tuple(f.code for f in figures), due_before,
                        *filters.narrowing, clause_key(scope_condition)), build)
    add_groups(groups, {(row[0], row[1], row[2]): row_values(figures, row)
                          for row in db.session.execute(statement)})
    if stored_there:
        add_groups(groups, _not_yet_due(filters, due_plan, stored_there, months, due_before))
    # What depends on the moment, for the whole months: counted from the cases — deadlines of
    # this month (earlier months came from the tables), or the pending part whole.
    month_start = datetime.combine(date(moment.year, moment.month, 1), time.min)
    outside = None if read.remainder is None else not_(func.coalesce(read.remainder, false()))
    by_deadline: dict[str, list[Any]] = {}
    for fig in figures:
        if waits_for(fig) is not None:
            by_deadline.setdefault(waits_for(fig), []).append(fig)
        elif fig.pending is not None:
            def condition(fig: Any = fig) -> ColumnElement:
                # The moment is a parameter of the statement (NOW), given when it runs.
                return fig.pending(NOW) if outside is None else and_(fig.pending(NOW), outside)

            counts = _count_live(filters, month_stretches, condition, moment,
                                 (fig.code, month_start, clause_key(read.remainder)))
            add_groups(groups, {group: {fig.code: Value("rate", 0, n)} for group, (n,) in counts.items()})
    for waiting_for in by_deadline.values():
        add_groups(groups, _count_come_due(filters, waiting_for, month_stretches, month_start, outside,
                                            moment, clause_key(read.remainder)))
    return groups


def _not_yet_due(filters: Any, due: Plan, figures: list[Any], months: list[tuple[str, int, int]],
                 due_before: int) -> dict:
    """What the main table counted for `figures` (waiting for the reply deadline) of the cases
    whose deadline falls this month or later, negated: from case_due_month, reading only the
    rows of those deadline months (this month's deadlines already passed are added back from
    the cases)."""
    from app.extensions import db
    t = case_due_month.c

    def build() -> Any:
        key, in_months = stretch_key(t.month, months)
        columns = [func.sum(t[f"{f.code}_n"] if f.come_due is not None else t[f"{f.code}_p"]) for f in figures]
        unit = func.nullif(t.unit_id, 0)
        return (
            select(key, t.township_id, unit, func.sum(t.reply_due), *columns)
            .where(t.reply_due_month >= due_before, in_months,
                   *table_conditions(filters, due.condition, case_due_month))
            .group_by(key, t.township_id, unit)
            .having(func.sum(t.reply_due) > 0)
        )

    statement = reused(("not yet due", tuple(months), tuple(f.code for f in figures), due_before,
                        *filters.narrowing, clause_key(due.condition)), build)
    out: dict = {}
    for row in db.session.execute(statement):
        total = int(row[3] or 0)
        out[(row[0], row[1], row[2])] = {
            f.code: Value("rate", -int(n or 0), -total) if f.come_due is not None else Value("rate", 0, -int(n or 0))
            for f, n in zip(figures, row[4:], strict=True)}
    return out


def _count_come_due(filters: Any, figures: list[Any], stretches: list[tuple[str, datetime, datetime]],
                    month_start: datetime, outside: ColumnElement | None, moment: datetime,
                    remainder_key: Any) -> dict:
    """The parts of `figures` (all waiting for one deadline) of the cases whose deadline fell
    this month before the moment: one query over the deadline's index."""
    deadline = (figures[0].come_due or figures[0].pending_by)[0]
    due = [f for f in figures if f.come_due is not None]
    waiting = [f for f in figures if f.come_due is None]

    def condition() -> ColumnElement:
        parts = [deadline >= month_start, deadline < NOW]
        if not due:  # only the waiting cases: on the deadline's partial index, if it has one
            parts.append(or_(*(f.pending_by[1]() for f in waiting)))
        if outside is not None:
            parts.append(outside)
        return and_(*parts)

    def columns() -> list[Any]:
        return [*(sum_of(f.come_due[1]()) for f in due), func.count(), *(sum_of(f.pending_by[1]()) for f in waiting)]

    counts = _count_live(filters, stretches, condition, moment,
                         ("come due", deadline.key, tuple(f.code for f in figures), month_start, remainder_key),
                         columns)
    out: dict = {}
    for group, sums in counts.items():
        total = sums[len(due)]
        values = {f.code: Value("rate", int(n), total) for f, n in zip(due, sums, strict=False)}
        values.update({f.code: Value("rate", 0, int(n))
                       for f, n in zip(waiting, sums[len(due) + 1:], strict=True)})
        out[group] = values
    return out


def _count_live(filters: Any, stretches: list[tuple[str, datetime, datetime]], condition: Callable[[], ColumnElement],
                moment: datetime, shape: tuple[Any, ...],
                columns: Callable[[], list[Any]] = lambda: [func.count()]) -> dict[Any, tuple[int, ...]]:
    """`columns()` (by default: how many) of the cases meeting `condition()` (a figure's pending
    part, NOW being `moment`: few cases, on an index of their own) per group. `shape`: what
    `condition()` and `columns()` are built from."""
    from app.extensions import db
    conditions = case_conditions(filters)

    def build() -> Any:
        key, in_stretches = stretch_key(Case.received_at, stretches)
        key, others = steered(key, [in_stretches, *conditions])
        return (
            select(key, Case.township_id, Case.responsible_unit_id, *columns())
            .where(condition(), *others)
            .group_by(key, Case.township_id, Case.responsible_unit_id)
        )

    statement = reused(("pending", *shape, tuple(stretches), db.session.get_bind().dialect.name,
                        *(clause_key(c) for c in conditions)), build)
    return {(row[0], row[1], row[2]): tuple(int(v or 0) for v in row[3:])
            for row in db.session.execute(statement, {NOW.key: moment})}


def volume_by_month(filters: Any, first: date, after: date) -> dict[date, int] | None:
    """Cases received per calendar month in [first, after) (both the 1st of a month)."""
    from app.extensions import db

    read = plan(filters)
    if read is None:
        return None
    t = case_figure_month.c
    statement = (
        select(t.month, func.sum(t.volume_n))
        .where(t.month >= month_number(first), t.month < month_number(after),
               *table_conditions(filters, read.condition))
        .group_by(t.month)
    )
    counts = {first_day_of(month): int(count or 0) for month, count in db.session.execute(statement)}
    if read.remainder is not None:
        low, high = datetime.combine(first, time.min), datetime.combine(after, time.min)
        month, conditions = steered(month_of(Case.received_at, db.session.get_bind().dialect.name),
                                    [Case.received_at >= low, Case.received_at < high, *case_conditions(filters)])
        for number, count in db.session.execute(
                select(month, func.count()).where(read.remainder, *conditions).group_by(month)):
            start = first_day_of(int(number))
            counts[start] = counts.get(start, 0) + int(count)
    return counts


DIMENSIONS = ("category", "township_id", "satisfaction")


def volume_by(filters: Any, dimension: str) -> dict[Any, int] | None:
    """Cases received in the period per township (`township_id`), per category (`category`) or
    per rating at the latest follow-up (`satisfaction`; None: not followed up yet)."""
    counts = volumes_by(filters, (dimension,))
    return None if counts is None else counts[dimension]


def volumes_by(filters: Any, dimensions: tuple[str, ...]) -> dict[str, dict[Any, int]] | None:
    """`volume_by` for several of `DIMENSIONS` at once: each source (the monthly figures, the
    odd days, the scope's remainder) is read once, grouped by all of them, and added up per
    dimension here (the dashboard's three breakdowns: one read of the table instead of three)."""
    from app.extensions import db
    read = plan(filters)
    if read is None:
        return None
    months, days = split({"current": filters.period})
    counts: dict[str, dict[Any, int]] = {d: {} for d in dimensions}

    def add(dimension: str, value: Any, n: int) -> None:
        if n:
            counts[dimension][value] = counts[dimension].get(value, 0) + n

    def add_cases(rows: Any) -> None:
        for *values, n in rows:
            for dimension, value in zip(dimensions, values, strict=True):
                add(dimension, value, int(n))

    columns = [getattr(Case, d) for d in dimensions]
    for stretch in days:
        add_cases(db.session.execute(
            select(*columns, func.count())
            .where(Case.received_at >= stretch[1], Case.received_at < stretch[2], *case_conditions(filters))
            .group_by(*columns)
        ))
    if months and read.remainder is not None:
        low, high = first_day_of(months[0][1]), first_day_of(months[0][2])
        _key, conditions = steered(None, [Case.received_at >= datetime.combine(low, time.min),
                                          Case.received_at < datetime.combine(high, time.min),
                                          *case_conditions(filters)])
        add_cases(db.session.execute(select(*columns, func.count()).where(read.remainder, *conditions).group_by(*columns)))
    if months:
        t = case_figure_month.c
        _key, in_months = stretch_key(t.month, months)
        conditions = [in_months, *table_conditions(filters, read.condition)]
        # The ratings are columns of the table, the other dimensions its keys.
        keys = [t[d] for d in dimensions if d != "satisfaction"]
        codes = Satisfaction.codes()
        sums = [func.sum(t.volume_n), *(func.sum(t[f"sat_{code}"]) for code in codes)]
        statement = select(*keys, *sums).where(*conditions)
        for row in db.session.execute(statement.group_by(*keys) if keys else statement):
            values, (volume, *rated) = row[:len(keys)], [int(n or 0) for n in row[len(keys):]]
            for key, value in zip(keys, values, strict=True):
                add(key.name, value, volume)
            if "satisfaction" in dimensions:
                for code, n in zip(codes, rated, strict=True):
                    add("satisfaction", code, n)
                add("satisfaction", None, volume - sum(rated))
    return counts

