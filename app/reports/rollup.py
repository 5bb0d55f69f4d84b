"""Case figures by month, kept up to date by the database itself.

A year's rates report or the dashboard would otherwise read every case received that year (a
county of a million cases: a third of a million rows, seconds). Instead, `case_figure_month`
holds, for every calendar month a case was received in and every (township, responsible unit,
category, reported-on unit), how many of those cases meet each condition the case figures
count (app/reports/figures.py: every numerator and denominator). A report adds up a few
hundred such rows.

Kept up to date by triggers on petition_case (SQLite and PostgreSQL), so every write counts:
the forms, the workflow, the API, the imports, a SQL console. The triggers' SQL is generated
from the figure definitions — nothing is defined twice — and `ensure_case_rollup`, run after
every migration run and after a bulk load, (re)installs them and rebuilds the table whenever
they are missing or their definition changed.

What is not stored:
- conditions that depend on the moment the report is made (a deadline passing): the figures
  give them as `pending(now)`. The acceptance deadline's is counted from the cases (only cases
  still awaiting acceptance: a few, on the status index). Open cases past their reply deadline
  are stored per month of that deadline (`due_month`): the months before the current one come
  from here, the current month's from the cases;
- the odd days of a period that does not start or end on a month boundary (counted from the
  cases);
- scopes that depend on more than the place, the responsible unit and the reported-on unit (a
  unit's 会审 co-unit cases, a village's cases): those reports count from the cases.
Both ways give the same numbers; tests/reports/test_rollup.py compares them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, datetime, time
from functools import cache
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import (
    Column,
    Integer,
    String,
    Table,
    and_,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import ScalarSelect, SelectBase

from app.cases.models import Case, CaseStatus, Satisfaction
from app.core.scoping import scope_clause

TABLE = "case_figure_month"
KEYS = ("month", "township_id", "unit_id", "category", "reported_unit_id", "due_month")
PENDING_DUE = "on_time_completion_p"


def _counter_definitions() -> list[tuple[str, ColumnElement]]:
    """(column, condition on a case) for every stored count, in column order."""
    from app.reports import figures as F

    counters: list[tuple[str, ColumnElement]] = []
    for fig in F.CASE_FIGURES:
        if fig.kind == "change":
            continue  # 同比 is the volume of two periods
        counters.append((f"{fig.code}_n", fig.numerator(None)))
        if fig.kind == "rate":
            counters.append((f"{fig.code}_d", fig.settled() if fig.settled else fig.denominator(None)))
    counters += [(f"sat_{code}", Case.satisfaction == code) for code in Satisfaction.codes()]
    counters.append((PENDING_DUE, F.open_with_due_date()))
    return counters


# Column names only (the table must exist before the figures module is imported in full).
COUNTERS = (
    "volume_n", "reply_rate_n", "reply_rate_d", "closure_rate_n", "closure_rate_d",
    "on_time_acceptance_n", "on_time_acceptance_d", "on_time_completion_n", "on_time_completion_d",
    "first_time_rate_n", "first_time_rate_d", "satisfaction_rate_n", "satisfaction_rate_d",
    "participation_rate_n", "participation_rate_d", "repeat_rate_n", "repeat_rate_d",
    "skip_level_rate_n", "skip_level_rate_d", "collective_count_n",
    "sat_satisfied", "sat_basically", "sat_unsatisfied", "sat_not_rated", PENDING_DUE,
)

case_figure_month = Table(
    TABLE, Model.metadata,
    Column("month", Integer, primary_key=True, autoincrement=False),  # 202611: received in November 2026
    Column("township_id", Integer, primary_key=True, autoincrement=False),
    Column("unit_id", Integer, primary_key=True, autoincrement=False),  # 0: not yet assigned
    Column("category", String(16), primary_key=True),
    Column("reported_unit_id", Integer, primary_key=True, autoincrement=False),  # 0: none
    Column("due_month", Integer, primary_key=True, autoincrement=False),  # open with a deadline: its month; else 0
    *(Column(name, Integer, nullable=False, server_default="0") for name in COUNTERS),
)


# --- the SQL, generated from the figure definitions ---------------------------------------------


# Literals, not bound parameters: PostgreSQL matches GROUP BY expressions to the selected ones
# only when they are written the same, and two bound parameters never are.
ZERO = literal_column("0")


def _month(column: Any, dialect: str) -> ColumnElement:
    if dialect == "postgresql":
        return cast(func.to_char(column, literal_column("'YYYYMM'")), Integer)
    return cast(func.strftime(literal_column("'%Y%m'"), column), Integer)


def _key_expressions(dialect: str) -> list[ColumnElement]:
    from app.reports import figures as F

    return [
        _month(Case.received_at, dialect),
        Case.township_id,
        func.coalesce(Case.responsible_unit_id, ZERO),
        Case.category,
        func.coalesce(Case.reported_unit_id, ZERO),
        case((F.open_with_due_date(), _month(Case.due_at, dialect)), else_=ZERO),
    ]


def _on_row(expression: ColumnElement, row: str) -> ColumnElement:
    """The expression with petition_case's columns read from the trigger's `new` / `old` row."""
    table = Case.__table__

    def replace(element: Any) -> Any:
        if isinstance(element, Column) and element.table is table:
            return literal_column(f"{row}.{element.name}", type_=element.type)
        return None

    if hasattr(expression, "__clause_element__"):  # a mapped attribute such as Case.township_id
        expression = expression.__clause_element__()
    return visitors.replacement_traverse(expression, {}, replace)


def _sql(expression: ColumnElement, dialect_name: str) -> str:
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql.dialect() if dialect_name == "postgresql" else sqlite.dialect()
    return str(expression.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _counted(condition: ColumnElement) -> ColumnElement:
    """1 when a case that is not merged away meets the condition, else 0."""
    return case((and_(Case.status != CaseStatus.MERGED.value, condition), 1), else_=0)


def _referenced_columns() -> list[str]:
    names: set[str] = set()
    table = Case.__table__
    expressions = [*_key_expressions("sqlite"), *(_counted(c) for _, c in _counter_definitions())]
    for expression in expressions:
        for element in visitors.iterate(expression):
            if isinstance(element, Column) and element.table is table:
                names.add(element.name)
    return sorted(names)


def _statements_for_row(dialect: str, row: str, sign: str) -> list[str]:
    keys = [_sql(_on_row(k, row), dialect) for k in _key_expressions(dialect)]
    where = " AND ".join(f"{name} = {value}" for name, value in zip(KEYS, keys, strict=True))
    sets = ", ".join(f"{name} = {name} {sign} {_sql(_on_row(_counted(c), row), dialect)}"
                     for name, c in _counter_definitions())
    # Our own SQL, generated from constants and the figure definitions: no user input.
    update = f"UPDATE {TABLE} SET {sets} WHERE {where}"  # noqa: S608
    if sign == "-":
        return [update]
    values = ", ".join(keys)
    if dialect == "postgresql":
        insert = f"INSERT INTO {TABLE} ({', '.join(KEYS)}) VALUES ({values}) ON CONFLICT DO NOTHING"  # noqa: S608
    else:
        # Not INSERT OR IGNORE: inside a trigger SQLite lets the outer statement's conflict
        # policy override the inner one's.
        insert = (f"INSERT INTO {TABLE} ({', '.join(KEYS)}) SELECT {values} "  # noqa: S608
                  f"WHERE NOT EXISTS (SELECT 1 FROM {TABLE} WHERE {where})")
    return [insert, update]


@cache
def trigger_sql(dialect: str) -> tuple[str, ...]:
    """The statements that install the triggers on this database."""
    columns = ", ".join(_referenced_columns())
    add = _statements_for_row(dialect, "new", "+")
    remove = _statements_for_row(dialect, "old", "-")
    if dialect == "postgresql":
        body = (
            "BEGIN\n"
            f"  IF TG_OP <> 'INSERT' THEN\n    {remove[0]};\n  END IF;\n"
            f"  IF TG_OP <> 'DELETE' THEN\n    {add[0]};\n    {add[1]};\n  END IF;\n"
            "  RETURN NULL;\nEND;"
        )
        return (
            f"CREATE OR REPLACE FUNCTION case_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $xf$\n{body}\n$xf$",
            "DROP TRIGGER IF EXISTS case_rollup ON petition_case",
            f"CREATE TRIGGER case_rollup AFTER INSERT OR DELETE OR UPDATE OF {columns} ON petition_case "
            "FOR EACH ROW EXECUTE FUNCTION case_rollup_apply()",
        )
    return (
        f"CREATE TRIGGER case_rollup_ai AFTER INSERT ON petition_case BEGIN {add[0]}; {add[1]}; END",
        f"CREATE TRIGGER case_rollup_ad AFTER DELETE ON petition_case BEGIN {remove[0]}; END",
        f"CREATE TRIGGER case_rollup_au AFTER UPDATE OF {columns} ON petition_case "
        f"BEGIN {remove[0]}; {add[0]}; {add[1]}; END",
    )


@cache
def signature(dialect: str) -> str:
    """What the installed triggers must say (a hash of their SQL): recorded in the function's /
    trigger's own text, so a changed figure definition is noticed and the table rebuilt."""
    return "xf-rollup-" + hashlib.sha256("\n".join(trigger_sql(dialect)).encode()).hexdigest()[:16]


def _installed_signature(connection: Any) -> str | None:
    if connection.dialect.name == "postgresql":
        found = connection.exec_driver_sql(
            "SELECT obj_description(t.oid, 'pg_trigger') FROM pg_trigger t "
            "WHERE t.tgname = 'case_rollup' AND NOT t.tgisinternal").scalar()
        return found
    found = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'case_rollup_au'").scalar()
    if not found or "/*" not in found:
        return None
    return found.rsplit("/*", 1)[1].split("*/", 1)[0].strip()


def drop_case_rollup_triggers(connection: Any) -> None:
    """Stop keeping the table (a bulk load, which rebuilds it once at the end)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS case_rollup ON petition_case")
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS case_rollup_apply()")
    else:
        for name in ("case_rollup_ai", "case_rollup_ad", "case_rollup_au"):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def rebuild(connection: Any) -> None:
    """Count everything again from the cases (inside the caller's transaction)."""
    dialect = connection.dialect.name
    counters = _counter_definitions()
    keys = _key_expressions(dialect)
    statement = (
        select(*keys, *(func.sum(_counted(c)) for _, c in counters))
        .where(Case.status != CaseStatus.MERGED.value)
        .group_by(*keys)
    )
    connection.execute(case_figure_month.delete())
    connection.execute(case_figure_month.insert().from_select([*KEYS, *(n for n, _ in counters)], statement))


def ensure_case_rollup(connection: Any, force: bool = False) -> bool:
    """Install the triggers and rebuild the table if they are missing or out of date.

    Returns whether it rebuilt. Run after every migration run (app/migrations/env.py) and after
    a bulk load; idempotent and quick when everything is in place."""
    from sqlalchemy import inspect

    tables = set(inspect(connection).get_table_names())
    if TABLE not in tables or "petition_case" not in tables:
        return False
    dialect = connection.dialect.name
    if not force and _installed_signature(connection) == signature(dialect):
        return False
    drop_case_rollup_triggers(connection)
    statements = trigger_sql(dialect)
    for statement in statements:
        connection.exec_driver_sql(statement)
    if dialect == "postgresql":
        connection.exec_driver_sql(f"COMMENT ON TRIGGER case_rollup ON petition_case IS '{signature(dialect)}'")
    else:
        # SQLite keeps a trigger's text as written: the signature rides along as a comment.
        connection.exec_driver_sql("DROP TRIGGER case_rollup_au")
        connection.exec_driver_sql(statements[-1].replace(" BEGIN ", f" /* {signature(dialect)} */ BEGIN ", 1))
    rebuild(connection)
    return True


def is_ready() -> bool:
    """Are the triggers in place and current on this request's database? (Asked once a request.)"""
    from flask import g, has_request_context

    from app.extensions import db

    if has_request_context() and "_xf_rollup_ready" in g:
        return g._xf_rollup_ready
    connection = db.session.connection()
    ready = _installed_signature(connection) == signature(connection.dialect.name)
    if has_request_context():
        g._xf_rollup_ready = ready
    return ready


# --- reading -----------------------------------------------------------------------------------

_FROM_CASE = {"township_id": "township_id", "responsible_unit_id": "unit_id", "category": "category",
              "reported_unit_id": "reported_unit_id"}


def scope_on_rollup(clause: ColumnElement) -> ColumnElement | None:
    """The scope condition over cases rewritten over the monthly table, or None when it depends
    on anything the table does not keep (a village, a co-unit, another table)."""
    table = Case.__table__
    usable = True

    def replace(element: Any) -> Any:
        nonlocal usable
        if isinstance(element, Column):
            if element.table is table and element.name in _FROM_CASE:
                column = case_figure_month.c[_FROM_CASE[element.name]]
                # Stored as 0 when empty: NULL again, so IS NULL / NOT IN read as on the cases.
                return column if element.name in ("township_id", "category") else func.nullif(column, 0)
            usable = False
        return None

    adapted = visitors.replacement_traverse(clause, {}, replace)
    for element in visitors.iterate(adapted):
        if isinstance(element, Column) and element.table is not case_figure_month:
            usable = False
        if isinstance(element, (SelectBase, ScalarSelect)):
            usable = False
    return adapted if usable else None


def _month_number(day: date) -> int:
    return day.year * 100 + day.month


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def split(periods: Mapping[str, Any]) -> tuple[list[tuple[str, int, int]], list[tuple[str, datetime, datetime]]]:
    """Each period as whole months [from, to) (month numbers) and the odd days at its ends."""
    from datetime import timedelta

    months: list[tuple[str, int, int]] = []
    days: list[tuple[str, datetime, datetime]] = []
    for key, period in periods.items():
        start, after = period.start, period.end + timedelta(days=1)
        first = start if start.day == 1 else _first_of_next_month(start)
        last = date(after.year, after.month, 1)
        if first >= last:
            days.append((key, *period.bounds))
            continue
        months.append((key, _month_number(first), _month_number(last)))
        if start < first:
            days.append((key, datetime.combine(start, time.min), datetime.combine(first, time.min)))
        if last < after:
            days.append((key, datetime.combine(last, time.min), datetime.combine(after, time.min)))
    return months, days


def _rollup_conditions(filters: Any, scope_condition: ColumnElement) -> list[ColumnElement]:
    t = case_figure_month.c
    conditions = [scope_condition]
    if filters.township_id:
        conditions.append(t.township_id == filters.township_id)
    if filters.unit_id:
        conditions.append(t.unit_id == filters.unit_id)
    if filters.category:
        conditions.append(t.category == filters.category)
    return conditions


def _month_key(months: list[tuple[str, int, int]]) -> tuple[Any, ColumnElement]:
    t = case_figure_month.c
    whens, ranges = [], []
    for key, low, high in months:
        condition = and_(t.month >= low, t.month < high)
        whens.append((condition, key))
        ranges.append(condition)
    return case(*whens, else_=None), or_(*ranges)


def _plan(filters: Any) -> ColumnElement | None:
    """The scope over the monthly table, if it can serve this report."""
    scope_condition = scope_on_rollup(scope_clause(Case, filters.resolved_scope()))
    if scope_condition is None or not is_ready():
        return None
    return scope_condition


def count_cases(filters: Any, figures: list[Any], periods: Mapping[str, Any], moment: datetime) -> dict | None:
    """The case figures of `periods` from the monthly table plus what it cannot hold, or None
    when the table cannot serve this scope (figures.count_cases then counts the cases)."""
    from app.extensions import db
    from app.reports import figures as F

    scope_condition = _plan(filters)
    if scope_condition is None:
        return None
    months, days = split(periods)
    groups = F.count_cases_live(filters, figures, days, moment)
    if not months:
        return groups
    t = case_figure_month.c
    key, in_months = _month_key(months)
    due_before = _month_number(moment.date())
    columns: list[Any] = []
    for fig in figures:
        columns.append(func.sum(t[f"{fig.code if fig.kind != 'change' else 'volume'}_n"]))
        if fig.kind == "rate":
            columns.append(func.sum(t[f"{fig.code}_d"]))
    columns.append(func.sum(case((and_(t.due_month > 0, t.due_month < due_before), t[PENDING_DUE]), else_=0)))
    unit = func.nullif(t.unit_id, 0)
    statement = (
        select(key, t.township_id, unit, *columns)
        .where(in_months, *_rollup_conditions(filters, scope_condition))
        .group_by(key, t.township_id, unit)
        # Every case not merged away counts in volume_n: a group without any is left over by
        # cases that moved or merged, and the cases themselves would show no such group.
        .having(func.sum(t.volume_n) > 0)
    )
    stored: dict = {}
    pending_due = F.ON_TIME_COMPLETION.code
    for row in db.session.execute(statement):
        values = {}
        at = 3
        for fig in figures:
            if fig.kind == "rate":
                values[fig.code] = F.Value("rate", int(row[at] or 0), int(row[at + 1] or 0))
                at += 2
            else:
                values[fig.code] = F.Value(fig.kind, int(row[at] or 0), None)
                at += 1
        if pending_due in values:
            values[pending_due] += F.Value("rate", 0, int(row[-1] or 0))
        stored[(row[0], row[1], row[2])] = values
    F.add_groups(groups, stored)
    # What depends on the moment, for the whole months: counted from the cases.
    stretches = [(k, datetime.combine(_month_start(low), time.min), datetime.combine(_month_start(high), time.min))
                 for k, low, high in months]
    month_start = datetime.combine(date(moment.year, moment.month, 1), time.min)
    for fig in figures:
        if fig.pending is None:
            continue
        condition = fig.pending(moment)
        if fig.code == pending_due:
            # Earlier deadline months came from the table; this month's deadlines from the cases.
            condition = and_(condition, Case.due_at >= month_start)
        counts = _count_live(filters, stretches, condition)
        F.add_groups(groups, {group: {fig.code: F.Value("rate", 0, n)} for group, n in counts.items()})
    return groups


def _off_index(expression: ColumnElement) -> ColumnElement:
    """The expression with petition_case's columns written `+column`: SQLite then uses no index
    for it (its documented way to steer the planner)."""
    table = Case.__table__

    def replace(element: Any) -> Any:
        if isinstance(element, Column) and element.table is table:
            return literal_column(f"+{table.name}.{element.name}", type_=element.type)
        return None

    return visitors.replacement_traverse(expression, {}, replace)


def _month_start(number: int) -> date:
    return date(number // 100, number % 100, 1)


def _count_live(filters: Any, stretches: list[tuple[str, datetime, datetime]], condition: ColumnElement) -> dict:
    """Cases meeting `condition` (a pending part: a few cases, on an index of their own) per group."""
    from app.extensions import db
    from app.reports import figures as F

    key, in_stretches = F.stretch_key(Case.received_at, stretches)
    others = [in_stretches, *F.case_conditions(filters)]
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite would walk a township's whole year on (township, received) and test each
        # case (130 ms, not 1): the other conditions are kept off the indexes.
        others = [_off_index(c) for c in others]
        key = _off_index(key)
    statement = (
        select(key, Case.township_id, Case.responsible_unit_id, func.count())
        .where(condition, *others)
        .group_by(key, Case.township_id, Case.responsible_unit_id)
    )
    return {(row[0], row[1], row[2]): int(row[3]) for row in db.session.execute(statement)}


def volume_by_month(filters: Any, first: date, after: date) -> dict[date, int] | None:
    """Cases received per calendar month in [first, after) (both the 1st of a month)."""
    from app.extensions import db

    scope_condition = _plan(filters)
    if scope_condition is None:
        return None
    t = case_figure_month.c
    statement = (
        select(t.month, func.sum(t.volume_n))
        .where(t.month >= _month_number(first), t.month < _month_number(after),
               *_rollup_conditions(filters, scope_condition))
        .group_by(t.month)
    )
    return {_month_start(month): int(count or 0) for month, count in db.session.execute(statement)}


def volume_by(filters: Any, dimension: str) -> dict[Any, int] | None:
    """Cases received in the period per township (`township_id`), per category (`category`) or
    per rating at the latest follow-up (`satisfaction`; None: not followed up yet)."""
    from app.extensions import db
    from app.reports import figures as F

    scope_condition = _plan(filters)
    if scope_condition is None:
        return None
    months, days = split({"current": filters.period})
    counts: dict[Any, int] = {}

    def add(value: Any, n: int) -> None:
        if n:
            counts[value] = counts.get(value, 0) + n

    column = getattr(Case, dimension)
    for stretch in days:
        statement = (
            select(column, func.count())
            .where(Case.received_at >= stretch[1], Case.received_at < stretch[2], *F.case_conditions(filters))
            .group_by(column)
        )
        for value, n in db.session.execute(statement):
            add(value, int(n))
    if months:
        t = case_figure_month.c
        _key, in_months = _month_key(months)
        conditions = [in_months, *_rollup_conditions(filters, scope_condition)]
        if dimension == "satisfaction":
            codes = Satisfaction.codes()
            row = db.session.execute(
                select(func.sum(t.volume_n), *(func.sum(t[f"sat_{code}"]) for code in codes)).where(*conditions)
            ).one()
            for code, n in zip(codes, row[1:], strict=True):
                add(code, int(n or 0))
            add(None, int(row[0] or 0) - sum(int(n or 0) for n in row[1:]))
        else:
            for value, n in db.session.execute(
                    select(t[dimension], func.sum(t.volume_n)).where(*conditions).group_by(t[dimension])):
                add(value, int(n or 0))
    return counts


def check(connection: Any) -> list[tuple]:
    """Rows where the table and a fresh count from the cases disagree (empty: all is well)."""
    dialect = connection.dialect.name
    counters = _counter_definitions()
    keys = _key_expressions(dialect)
    fresh = {tuple(row[:len(KEYS)]): tuple(int(v or 0) for v in row[len(KEYS):]) for row in connection.execute(
        select(*keys, *(func.sum(_counted(c)) for _, c in counters))
        .where(Case.status != CaseStatus.MERGED.value).group_by(*keys))}
    stored = {tuple(row[:len(KEYS)]): tuple(int(v or 0) for v in row[len(KEYS):])
              for row in connection.execute(select(case_figure_month))}
    zero = tuple(0 for _ in counters)
    differences = []
    for group in fresh.keys() | stored.keys():
        if fresh.get(group, zero) != stored.get(group, zero):
            differences.append((group, fresh.get(group, zero), stored.get(group, zero)))
    return differences


def counter_names() -> list[str]:
    return [name for name, _ in _counter_definitions()]


