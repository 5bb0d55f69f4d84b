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
  still awaiting acceptance: a few, on the status index). Open cases past their handling deadline
  are stored per month of that deadline (`due_month`), and the cases with a reply deadline in
  `case_due_month` per month of it (到期回复率, 到期结案率, 按期答复率's waiting cases): the
  months before the current one come from the tables, the current month's from the cases;
- the odd days of a period that does not start or end on a month boundary (counted from the
  cases);
- what a scope holds beyond the place, the responsible unit and the reported-on unit: a unit's
  handler reads the unit's cases here and only its 会审 co-unit cases from the cases
  (`split_scope`); a village's reports count everything from the cases.
Both ways give the same numbers; tests/reports/test_rollup.py compares them.

The same machinery (`Rollup`) keeps `case_status_count`, the home page's status cards.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    false,
    func,
    literal_column,
    not_,
    or_,
    select,
    text,
)
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BooleanClauseList, ColumnElement, Grouping
from sqlalchemy.sql.selectable import ScalarSelect, SelectBase

from app.cases.models import Case, Satisfaction
from app.core.scoping import scope_clause
from app.core.statements import clause_key, reused

TABLE = "case_figure_month"
KEYS = ("month", "township_id", "unit_id", "category", "reported_unit_id", "due_month")
DUE_KEYS = ("reply_due_month", "month", "township_id", "unit_id", "category", "reported_unit_id")
# "Now" in a reused statement (app/core/statements.py): the moment is given when it runs.
NOW = bindparam("xf_now", type_=DateTime())
# The deadline the main table keeps by month (for open cases, key `due_month`); the cases whose
# reply deadline is this month or later are subtracted from the main table's counts through
# `case_due_month`, which keeps them by the month of that deadline.
HANDLING_DEADLINE, REPLY_DEADLINE = "due_at", "reply_due_at"


def waits_for(fig: Any) -> str | None:
    """The deadline (column name) a figure's moment-dependent part waits for, if any."""
    found = fig.come_due or fig.pending_by
    return None if found is None else found[0].key


def _counter_definitions() -> list[tuple[str, ColumnElement]]:
    """(column, condition on a case) for every count the main table keeps, in column order."""
    from app.reports import figures as F

    counters: list[tuple[str, ColumnElement]] = []
    for fig in F.CASE_FIGURES:
        if fig.kind == "change":
            continue  # 同比 is the volume of two periods
        if fig.come_due is not None:
            # Every case with the deadline; those not yet due are subtracted when read.
            deadline, counted = fig.come_due
            counters.append((f"{fig.code}_n", and_(deadline.is_not(None), counted())))
            counters.append((f"{fig.code}_d", deadline.is_not(None)))
            continue
        counters.append((f"{fig.code}_n", fig.numerator(None)))
        if fig.kind == "rate":
            counters.append((f"{fig.code}_d", fig.settled() if fig.settled else fig.denominator(None)))
        if fig.pending_by is not None:
            counters.append((f"{fig.code}_p", fig.pending_by[1]()))
    counters += [(f"sat_{code}", Case.satisfaction == code) for code in Satisfaction.codes()]
    return counters


def _due_counter_definitions() -> list[tuple[str, ColumnElement]]:
    """(column, condition) for the counts of cases with a reply deadline, kept per month of it:
    how many, and what each figure waiting for that deadline counts among them (what the main
    table's counts include and a report subtracts while the deadline has not come)."""
    from app.reports import figures as F

    counters: list[tuple[str, ColumnElement]] = [("reply_due", Case.reply_due_at.is_not(None))]
    for fig in F.CASE_FIGURES:
        if waits_for(fig) != REPLY_DEADLINE:
            continue
        if fig.come_due is not None:
            counters.append((f"{fig.code}_n", fig.come_due[1]()))
        else:
            counters.append((f"{fig.code}_p", fig.pending_by[1]()))
    return counters


def _shared(definitions: list[tuple[str, ColumnElement]]) -> tuple[list[tuple[str, ColumnElement]], dict[str, str]]:
    """Counts of the same condition are kept once (回复率's and 重复信访率's "received" is 信访量):
    (the columns to keep, {every counter's name: the column holding it})."""
    columns: list[tuple[str, ColumnElement]] = []
    column_of: dict[str, str] = {}
    seen: dict[str, str] = {}
    for name, condition in definitions:
        written = _sql(condition, "sqlite")
        if written not in seen:
            seen[written] = name
            columns.append((name, condition))
        column_of[name] = seen[written]
    return columns, column_of


@cache
def column_of(name: str) -> str:
    """The main table's column holding the counter `name` (`{figure}_n`, `_d`, `_p`)."""
    return _shared(_counter_definitions())[1][name]


# Column names only (the tables must exist before the figures module is imported in full).
COUNTERS = (
    "volume_n", "reply_rate_n", "due_reply_rate_n", "due_reply_rate_d", "closure_rate_n", "due_closure_rate_n",
    "on_time_acceptance_n", "on_time_acceptance_d", "on_time_reply_n", "on_time_reply_p",
    "on_time_completion_n", "on_time_completion_d", "on_time_completion_p", "first_time_rate_n",
    "satisfaction_rate_n", "satisfaction_rate_d", "participation_rate_n", "participation_rate_d",
    "repeat_rate_n", "skip_level_rate_n", "collective_count_n",
    "sat_satisfied", "sat_basically", "sat_unsatisfied", "sat_not_rated",
)
DUE_COUNTERS = ("reply_due", "due_reply_rate_n", "due_closure_rate_n", "on_time_reply_p")


def _place_columns() -> list[Column]:
    return [
        Column("month", Integer, primary_key=True, autoincrement=False),  # 202611: received in November 2026
        Column("township_id", Integer, primary_key=True, autoincrement=False),
        Column("unit_id", Integer, primary_key=True, autoincrement=False),  # 0: not yet assigned
        Column("category", String(16), primary_key=True),
        Column("reported_unit_id", Integer, primary_key=True, autoincrement=False),  # 0: none
    ]


case_figure_month = Table(
    TABLE, Model.metadata,
    *_place_columns(),
    Column("due_month", Integer, primary_key=True, autoincrement=False),  # open with a deadline: its month; else 0
    *(Column(name, Integer, nullable=False, server_default="0") for name in COUNTERS),
)
# Cases with a reply deadline, by the month of that deadline first: a report reads only the
# rows of this month's deadlines and later ones (a few months of cases, whatever the period),
# to take the cases not yet due out of the main table's counts. (A deadline key in the main
# table instead doubled its rows and the time of every report read from it.)
case_due_month = Table(
    "case_due_month", Model.metadata,
    Column("reply_due_month", Integer, primary_key=True, autoincrement=False),
    *_place_columns(),
    *(Column(name, Integer, nullable=False, server_default="0") for name in DUE_COUNTERS),
)


# --- the SQL, generated from the figure definitions ---------------------------------------------


# Literals, not bound parameters: PostgreSQL matches GROUP BY expressions to the selected ones
# only when they are written the same, and two bound parameters never are.
ZERO = literal_column("0")


def _month(column: Any, dialect: str) -> ColumnElement:
    if dialect == "postgresql":
        return cast(func.to_char(column, literal_column("'YYYYMM'")), Integer)
    return cast(func.strftime(literal_column("'%Y%m'"), column), Integer)


def _place_keys(dialect: str) -> list[ColumnElement]:
    return [
        _month(Case.received_at, dialect),
        Case.township_id,
        func.coalesce(Case.responsible_unit_id, ZERO),
        Case.category,
        func.coalesce(Case.reported_unit_id, ZERO),
    ]


def _figure_keys(dialect: str) -> list[ColumnElement]:
    from app.reports import figures as F

    return [*_place_keys(dialect), case((F.open_with_due_date(), _month(Case.due_at, dialect)), else_=ZERO)]


def _due_keys(dialect: str) -> list[ColumnElement]:
    return [_month(Case.reply_due_at, dialect), *_place_keys(dialect)]


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


@dataclass(frozen=True)
class Rollup:
    """A table of counts over cases, grouped by `keys`, kept by triggers on petition_case."""

    table: Table
    name: str  # of the triggers (and PostgreSQL's trigger function)
    keys: Callable[[str], list[ColumnElement]]  # per dialect, in the table's key order
    counters: Callable[[], list[tuple[str, ColumnElement]]]
    # Cases merged into another or voided count nowhere in the figures (`Case.counted`); the
    # status cards show them.
    skip_merged: bool = True
    # Only the cases meeting this condition have a row (None: every case).
    only: Callable[[], ColumnElement] | None = None

    @property
    def key_names(self) -> list[str]:
        return [c.name for c in self.table.primary_key.columns]

    def counted(self, condition: ColumnElement) -> ColumnElement:
        """1 when a case (counted, if so: not merged away nor voided) meets the condition, else 0."""
        if self.skip_merged:
            condition = and_(Case.counted, condition)
        return case((condition, 1), else_=0)

    def referenced_columns(self) -> list[str]:
        names: set[str] = set()
        table = Case.__table__
        extra = [self.only()] if self.only is not None else []
        for expression in [*self.keys("sqlite"), *(self.counted(c) for _, c in self.counters()), *extra]:
            if hasattr(expression, "__clause_element__"):
                expression = expression.__clause_element__()
            for element in visitors.iterate(expression):
                if isinstance(element, Column) and element.table is table:
                    names.add(element.name)
        return sorted(names)

    def statements_for_row(self, dialect: str, row: str, sign: str) -> list[str]:
        table = self.table.name
        keys = [_sql(_on_row(k, row), dialect) for k in self.keys(dialect)]
        where = " AND ".join(f"{name} = {value}" for name, value in zip(self.key_names, keys, strict=True))
        sets = ", ".join(f"{name} = {name} {sign} {_sql(_on_row(self.counted(c), row), dialect)}"
                         for name, c in self.counters())
        only = f" AND {_sql(_on_row(self.only(), row), dialect)}" if self.only is not None else ""
        # Our own SQL, generated from constants and the figure definitions: no user input.
        update = f"UPDATE {table} SET {sets} WHERE {where}{only}"  # noqa: S608
        if sign == "-":
            return [update]
        names, values = ", ".join(self.key_names), ", ".join(keys)
        if dialect == "postgresql":
            insert = (f"INSERT INTO {table} ({names}) SELECT {values} WHERE TRUE{only} "  # noqa: S608
                      "ON CONFLICT DO NOTHING")
        else:
            # Not INSERT OR IGNORE: inside a trigger SQLite lets the outer statement's conflict
            # policy override the inner one's.
            insert = (f"INSERT INTO {table} ({names}) SELECT {values} "  # noqa: S608
                      f"WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {where}){only}")
        return [insert, update]

    def trigger_sql(self, dialect: str) -> tuple[str, ...]:
        """The statements that install the triggers on this database."""
        columns = ", ".join(self.referenced_columns())
        add = self.statements_for_row(dialect, "new", "+")
        remove = self.statements_for_row(dialect, "old", "-")
        if dialect == "postgresql":
            body = (
                "BEGIN\n"
                f"  IF TG_OP <> 'INSERT' THEN\n    {remove[0]};\n  END IF;\n"
                f"  IF TG_OP <> 'DELETE' THEN\n    {add[0]};\n    {add[1]};\n  END IF;\n"
                "  RETURN NULL;\nEND;"
            )
            return (
                f"CREATE OR REPLACE FUNCTION {self.name}_apply() RETURNS trigger LANGUAGE plpgsql AS $xf$\n{body}\n$xf$",
                f"DROP TRIGGER IF EXISTS {self.name} ON petition_case",
                f"CREATE TRIGGER {self.name} AFTER INSERT OR DELETE OR UPDATE OF {columns} ON petition_case "
                f"FOR EACH ROW EXECUTE FUNCTION {self.name}_apply()",
            )
        return (
            f"CREATE TRIGGER {self.name}_ai AFTER INSERT ON petition_case BEGIN {add[0]}; {add[1]}; END",
            f"CREATE TRIGGER {self.name}_ad AFTER DELETE ON petition_case BEGIN {remove[0]}; END",
            f"CREATE TRIGGER {self.name}_au AFTER UPDATE OF {columns} ON petition_case "
            f"BEGIN {remove[0]}; {add[0]}; {add[1]}; END",
        )

    def signature(self, dialect: str) -> str:
        """What the installed triggers must say (a hash of their SQL), recorded with them, so a
        changed definition is noticed and the table recounted."""
        return _signature(self, dialect)

    def installed_signature(self, connection: Any) -> str | None:
        if connection.dialect.name == "postgresql":
            return connection.execute(text(
                "SELECT obj_description(t.oid, 'pg_trigger') FROM pg_trigger t "
                "WHERE t.tgname = :name AND NOT t.tgisinternal"), {"name": self.name}).scalar()
        found = connection.execute(text(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"), {"name": f"{self.name}_au"}).scalar()
        if not found or "/*" not in found:
            return None
        return found.rsplit("/*", 1)[1].split("*/", 1)[0].strip()

    def drop_triggers(self, connection: Any) -> None:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {self.name} ON petition_case")
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {self.name}_apply()")
        else:
            for suffix in ("ai", "ad", "au"):
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {self.name}_{suffix}")

    def fresh_counts(self, dialect: str):
        """The table's content counted from the cases: a SELECT of keys and counts."""
        keys = self.keys(dialect)
        statement = select(*keys, *(func.sum(self.counted(c)) for _, c in self.counters())).group_by(*keys)
        if self.skip_merged:
            statement = statement.where(Case.counted)
        if self.only is not None:
            statement = statement.where(self.only())
        return statement

    def rebuild(self, connection: Any) -> None:
        """Count everything again from the cases (inside the caller's transaction)."""
        names = [*self.key_names, *(n for n, _ in self.counters())]
        connection.execute(self.table.delete())
        connection.execute(self.table.insert().from_select(names, self.fresh_counts(connection.dialect.name)))

    def ensure(self, connection: Any, force: bool = False) -> bool:
        dialect = connection.dialect.name
        if not force and self.installed_signature(connection) == self.signature(dialect):
            return False
        self.drop_triggers(connection)
        statements = self.trigger_sql(dialect)
        for statement in statements:
            connection.exec_driver_sql(statement)
        if dialect == "postgresql":
            connection.exec_driver_sql(f"COMMENT ON TRIGGER {self.name} ON petition_case IS '{self.signature(dialect)}'")
        else:
            # SQLite keeps a trigger's text as written: the signature rides along as a comment.
            connection.exec_driver_sql(f"DROP TRIGGER {self.name}_au")
            connection.exec_driver_sql(statements[-1].replace(" BEGIN ", f" /* {self.signature(dialect)} */ BEGIN ", 1))
        self.rebuild(connection)
        return True

    def is_ready(self) -> bool:
        """Are the triggers in place and current on this request's database? (Asked once a request.)"""
        from flask import g, has_request_context

        from app.extensions import db

        cache_key = f"_xf_rollup_ready_{self.name}"
        if has_request_context() and cache_key in g:
            return g.get(cache_key)
        connection = db.session.connection()
        ready = self.installed_signature(connection) == self.signature(connection.dialect.name)
        if has_request_context():
            setattr(g, cache_key, ready)
        return ready

    def check(self, connection: Any) -> list[tuple]:
        """Rows where the table and a fresh count from the cases disagree (empty: all is well)."""
        width = len(self.key_names)
        zero = tuple(0 for _ in self.counters())
        fresh = {tuple(row[:width]): tuple(int(v or 0) for v in row[width:])
                 for row in connection.execute(self.fresh_counts(connection.dialect.name))}
        stored = {tuple(row[:width]): tuple(int(v or 0) for v in row[width:])
                  for row in connection.execute(select(self.table))}
        return [(group, fresh.get(group, zero), stored.get(group, zero))
                for group in fresh.keys() | stored.keys() if fresh.get(group, zero) != stored.get(group, zero)]


@cache
def _signature(rollup: Rollup, dialect: str) -> str:
    return "xf-rollup-" + hashlib.sha256("\n".join(rollup.trigger_sql(dialect)).encode()).hexdigest()[:16]


case_status_count = Table(
    "case_status_count", Model.metadata,
    Column("township_id", Integer, primary_key=True, autoincrement=False),
    Column("unit_id", Integer, primary_key=True, autoincrement=False),  # 0: not yet assigned
    Column("reported_unit_id", Integer, primary_key=True, autoincrement=False),  # 0: none
    Column("status", String(16), primary_key=True),
    Column("cases", Integer, nullable=False, server_default="0"),
)

FIGURES = Rollup(case_figure_month, "case_rollup", _figure_keys, lambda: _shared(_counter_definitions())[0])
DUE = Rollup(case_due_month, "case_due_rollup", _due_keys, _due_counter_definitions,
             only=lambda: Case.reply_due_at.is_not(None))
# The home page's cards: how many cases of the user's area are in each status.
STATUSES = Rollup(
    case_status_count, "case_status_rollup",
    lambda dialect: [Case.township_id, func.coalesce(Case.responsible_unit_id, ZERO),
                     func.coalesce(Case.reported_unit_id, ZERO), Case.status],
    lambda: [("cases", Case.id.is_not(None))],
    skip_merged=False,
)
ROLLUPS = (FIGURES, DUE, STATUSES)


def ensure_case_rollup(connection: Any, force: bool = False) -> bool:
    """Install every rollup's triggers and recount its table if they are missing or out of date.

    Returns whether it recounted any. Run after every migration run (app/migrations/env.py) and
    after a bulk load; idempotent and quick when everything is in place."""
    from sqlalchemy import inspect

    tables = set(inspect(connection).get_table_names())
    if "petition_case" not in tables:
        return False
    inspector = inspect(connection)
    cases = {c["name"] for c in inspector.get_columns("petition_case")}
    rebuilt = False
    for rollup in ROLLUPS:
        if rollup.table.name not in tables:
            continue
        # A database migrated only part of the way (a test stopping at an older revision) has
        # tables of an older shape: the migration still to come makes them, and this fills them.
        have = {c["name"] for c in inspector.get_columns(rollup.table.name)}
        if not {c.name for c in rollup.table.columns} <= have or not set(rollup.referenced_columns()) <= cases:
            continue
        rebuilt = rollup.ensure(connection, force) or rebuilt
    return rebuilt


def drop_case_rollup_triggers(connection: Any) -> None:
    """Stop keeping the tables (a bulk load, which recounts them once at the end)."""
    for rollup in ROLLUPS:
        rollup.drop_triggers(connection)


def is_ready() -> bool:
    return FIGURES.is_ready()


def check(connection: Any) -> list[tuple]:
    """Rows where a table and a fresh count from the cases disagree (empty: all is well)."""
    return [difference for rollup in ROLLUPS for difference in rollup.check(connection)]


# --- reading -----------------------------------------------------------------------------------

_FROM_CASE = {"township_id": "township_id", "responsible_unit_id": "unit_id", "category": "category",
              "reported_unit_id": "reported_unit_id"}


def scope_on_rollup(clause: ColumnElement, table: Table = case_figure_month) -> ColumnElement | None:
    """The scope condition over cases rewritten over a rollup table, or None when it depends on
    anything the table does not keep (a village, a co-unit, another table)."""
    cases = Case.__table__
    usable = True

    def replace(element: Any) -> Any:
        nonlocal usable
        if isinstance(element, Column):
            name = _FROM_CASE.get(element.name) if element.table is cases else None
            if name is None or name not in table.c:
                usable = False
                return None
            column = table.c[name]
            # Stored as 0 when empty: NULL again, so IS NULL / NOT IN read as on the cases.
            return column if element.name in ("township_id", "category") else func.nullif(column, 0)
        return None

    adapted = visitors.replacement_traverse(clause, {}, replace)
    for element in visitors.iterate(adapted):
        if isinstance(element, Column) and element.table is not table:
            usable = False
        if isinstance(element, (SelectBase, ScalarSelect)):
            usable = False
    return adapted if usable else None


def status_counts(scope: Any) -> dict[str, int] | None:
    """How many cases of the scope are in each status (merged ones included), or None when the
    table cannot serve this scope."""
    from app.extensions import db

    condition, remainder = split_scope(scope_clause(Case, scope), case_status_count)
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


def _rollup_conditions(filters: Any, scope_condition: ColumnElement, table: Table = case_figure_month
                       ) -> list[ColumnElement]:
    t = table.c
    conditions = [scope_condition]
    if filters.township_id:
        conditions.append(t.township_id == filters.township_id)
    if filters.unit_id:
        conditions.append(t.unit_id == filters.unit_id)
    if filters.category:
        conditions.append(t.category == filters.category)
    return conditions


def split_scope(clause: ColumnElement, table: Table) -> tuple[ColumnElement | None, ColumnElement | None]:
    """The scope as (a condition over the rollup table, a condition over the cases it leaves out).

    A scope the table can express whole gives (condition, None). One with an OR whose branches
    the table can partly express — a unit's handler sees the unit's cases (in the table) OR the
    cases it is a 会审 co-unit of (not in it) — gives the table the first and the cases the rest,
    minus the first (nothing is counted twice). Otherwise (None, None): count from the cases."""
    adapted = scope_on_rollup(clause, table)
    if adapted is not None:
        return adapted, None
    clause = _unwrap(clause)
    parts = [_unwrap(p) for p in clause.clauses] if _is_boolean(clause, operators.and_) else [clause]
    fixed: list[tuple[ColumnElement, ColumnElement]] = []
    either = None
    for part in parts:
        part_adapted = scope_on_rollup(part, table)
        if part_adapted is not None:
            fixed.append((part, part_adapted))
            continue
        if either is not None or not _is_boolean(part, operators.or_):
            return None, None
        branches = [(b, scope_on_rollup(b, table)) for b in map(_unwrap, part.clauses)]
        served = [(b, a) for b, a in branches if a is not None]
        others = [b for b, a in branches if a is None]
        if not served:
            return None, None
        either = (or_(*(b for b, _ in served)), or_(*(a for _, a in served)), or_(*others))
    if either is None:
        return None, None
    on_cases, on_table, others = either
    condition = and_(on_table, *(a for _, a in fixed))
    remainder = and_(others, not_(func.coalesce(on_cases, false())), *(p for p, _ in fixed))
    return condition, remainder


def _unwrap(clause: Any) -> Any:
    while isinstance(clause, Grouping):
        clause = clause.element
    return clause


def _is_boolean(clause: Any, operator: Any) -> bool:
    return isinstance(clause, BooleanClauseList) and clause.operator is operator


@dataclass(frozen=True)
class Plan:
    """How a report reads a rollup table: its scope over the table, and the in-scope cases the
    table cannot attribute to the user (counted from the cases, None: there are none)."""

    condition: ColumnElement
    remainder: ColumnElement | None


def _plan(filters: Any, rollup: Rollup | None = None) -> Plan | None:
    """How the table can serve this report (None: it cannot; count from the cases)."""
    rollup = rollup or FIGURES
    condition, remainder = split_scope(scope_clause(Case, filters.resolved_scope()), rollup.table)
    if condition is None or not rollup.is_ready():
        return None
    return Plan(condition, remainder)


def count_cases(filters: Any, figures: list[Any], periods: Mapping[str, Any], moment: datetime) -> dict | None:
    """The case figures of `periods` from the monthly table plus what it cannot hold, or None
    when the table cannot serve this scope (figures.count_cases then counts the cases)."""
    from app.extensions import db
    from app.reports import figures as F

    plan = _plan(filters)
    stored_there = [f for f in figures if waits_for(f) == REPLY_DEADLINE]
    due_plan = _plan(filters, DUE) if stored_there else None
    if plan is None or (stored_there and due_plan is None):
        return None
    scope_condition = plan.condition
    months, days = split(periods)
    groups = F.count_cases_live(filters, figures, days, moment)
    if not months:
        return groups
    month_stretches = [(k, datetime.combine(_month_start(low), time.min),
                        datetime.combine(_month_start(high), time.min)) for k, low, high in months]
    if plan.remainder is not None:
        F.add_groups(groups, F.count_cases_live(filters, figures, month_stretches, moment,
                                                extra=[plan.remainder], steer=True))
    due_before = _month_number(moment.date())

    def build() -> Any:
        t = case_figure_month.c
        key, in_months = F.stretch_key(case_figure_month.c.month, months)
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
            .where(in_months, *_rollup_conditions(filters, scope_condition))
            .group_by(key, t.township_id, unit)
            # Every case not merged away counts in volume_n: a group without any is left over by
            # cases that moved or merged, and the cases themselves would show no such group.
            .having(func.sum(t.volume_n) > 0)
        )

    statement = reused(("figure months", tuple(months), tuple(f.code for f in figures), due_before,
                        *filters.narrowing, clause_key(scope_condition)), build)
    F.add_groups(groups, {(row[0], row[1], row[2]): F.row_values(figures, row)
                          for row in db.session.execute(statement)})
    if stored_there:
        F.add_groups(groups, _not_yet_due(filters, due_plan, stored_there, months, due_before))
    # What depends on the moment, for the whole months: counted from the cases — deadlines of
    # this month (earlier months came from the tables), or the pending part whole.
    month_start = datetime.combine(date(moment.year, moment.month, 1), time.min)
    outside = None if plan.remainder is None else not_(func.coalesce(plan.remainder, false()))
    by_deadline: dict[str, list[Any]] = {}
    for fig in figures:
        if waits_for(fig) is not None:
            by_deadline.setdefault(waits_for(fig), []).append(fig)
        elif fig.pending is not None:
            def condition(fig: Any = fig) -> ColumnElement:
                # The moment is a parameter of the statement (NOW), given when it runs.
                return fig.pending(NOW) if outside is None else and_(fig.pending(NOW), outside)

            counts = _count_live(filters, month_stretches, condition, moment,
                                 (fig.code, month_start, clause_key(plan.remainder)))
            F.add_groups(groups, {group: {fig.code: F.Value("rate", 0, n)} for group, (n,) in counts.items()})
    for waiting_for in by_deadline.values():
        F.add_groups(groups, _count_come_due(filters, waiting_for, month_stretches, month_start, outside,
                                            moment, clause_key(plan.remainder)))
    return groups


def _not_yet_due(filters: Any, plan: Plan, figures: list[Any], months: list[tuple[str, int, int]],
                 due_before: int) -> dict:
    """What the main table counted for `figures` (waiting for the reply deadline) of the cases
    whose deadline falls this month or later, negated: from case_due_month, reading only the
    rows of those deadline months (this month's deadlines already passed are added back from
    the cases)."""
    from app.extensions import db
    from app.reports import figures as F

    t = case_due_month.c

    def build() -> Any:
        key, in_months = F.stretch_key(t.month, months)
        columns = [func.sum(t[f"{f.code}_n"] if f.come_due is not None else t[f"{f.code}_p"]) for f in figures]
        unit = func.nullif(t.unit_id, 0)
        return (
            select(key, t.township_id, unit, func.sum(t.reply_due), *columns)
            .where(t.reply_due_month >= due_before, in_months,
                   *_rollup_conditions(filters, plan.condition, case_due_month))
            .group_by(key, t.township_id, unit)
            .having(func.sum(t.reply_due) > 0)
        )

    statement = reused(("not yet due", tuple(months), tuple(f.code for f in figures), due_before,
                        *filters.narrowing, clause_key(plan.condition)), build)
    out: dict = {}
    for row in db.session.execute(statement):
        total = int(row[3] or 0)
        out[(row[0], row[1], row[2])] = {
            f.code: F.Value("rate", -int(n or 0), -total) if f.come_due is not None else F.Value("rate", 0, -int(n or 0))
            for f, n in zip(figures, row[4:], strict=True)}
    return out


def _count_come_due(filters: Any, figures: list[Any], stretches: list[tuple[str, datetime, datetime]],
                    month_start: datetime, outside: ColumnElement | None, moment: datetime,
                    remainder_key: Any) -> dict:
    """The parts of `figures` (all waiting for one deadline) of the cases whose deadline fell
    this month before the moment: one query over the deadline's index."""
    from app.reports import figures as F

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
        return [*(F._sum(f.come_due[1]()) for f in due), func.count(), *(F._sum(f.pending_by[1]()) for f in waiting)]

    counts = _count_live(filters, stretches, condition, moment,
                         ("come due", deadline.key, tuple(f.code for f in figures), month_start, remainder_key),
                         columns)
    out: dict = {}
    for group, sums in counts.items():
        total = sums[len(due)]
        values = {f.code: F.Value("rate", int(n), total) for f, n in zip(due, sums, strict=False)}
        values.update({f.code: F.Value("rate", 0, int(n))
                       for f, n in zip(waiting, sums[len(due) + 1:], strict=True)})
        out[group] = values
    return out


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


def _month_start(number: int) -> date:
    return date(number // 100, number % 100, 1)


def _count_live(filters: Any, stretches: list[tuple[str, datetime, datetime]], condition: Callable[[], ColumnElement],
                moment: datetime, shape: tuple[Any, ...],
                columns: Callable[[], list[Any]] = lambda: [func.count()]) -> dict[Any, tuple[int, ...]]:
    """`columns()` (by default: how many) of the cases meeting `condition()` (a figure's pending
    part, NOW being `moment`: few cases, on an index of their own) per group. `shape`: what
    `condition()` and `columns()` are built from."""
    from app.extensions import db
    from app.reports import figures as F

    conditions = F.case_conditions(filters)

    def build() -> Any:
        key, in_stretches = F.stretch_key(Case.received_at, stretches)
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

    plan = _plan(filters)
    if plan is None:
        return None
    t = case_figure_month.c
    statement = (
        select(t.month, func.sum(t.volume_n))
        .where(t.month >= _month_number(first), t.month < _month_number(after),
               *_rollup_conditions(filters, plan.condition))
        .group_by(t.month)
    )
    counts = {_month_start(month): int(count or 0) for month, count in db.session.execute(statement)}
    if plan.remainder is not None:
        from app.reports import figures as F

        low, high = datetime.combine(first, time.min), datetime.combine(after, time.min)
        month, conditions = steered(_month(Case.received_at, db.session.get_bind().dialect.name),
                                    [Case.received_at >= low, Case.received_at < high, *F.case_conditions(filters)])
        for number, count in db.session.execute(
                select(month, func.count()).where(plan.remainder, *conditions).group_by(month)):
            start = _month_start(int(number))
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
    from app.reports import figures as F

    plan = _plan(filters)
    if plan is None:
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
            .where(Case.received_at >= stretch[1], Case.received_at < stretch[2], *F.case_conditions(filters))
            .group_by(*columns)
        ))
    if months and plan.remainder is not None:
        low, high = _month_start(months[0][1]), _month_start(months[0][2])
        _key, conditions = steered(None, [Case.received_at >= datetime.combine(low, time.min),
                                          Case.received_at < datetime.combine(high, time.min),
                                          *F.case_conditions(filters)])
        add_cases(db.session.execute(select(*columns, func.count()).where(plan.remainder, *conditions).group_by(*columns)))
    if months:
        t = case_figure_month.c
        _key, in_months = F.stretch_key(t.month, months)
        conditions = [in_months, *_rollup_conditions(filters, plan.condition)]
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


def counter_names() -> list[str]:
    return [name for name, _ in FIGURES.counters()]


def due_counter_names() -> list[str]:
    return [name for name, _ in _due_counter_definitions()]


