"""The triggers that keep the roll-up tables, their SQL generated from the figure definitions."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Column, Integer, Table, and_, case, cast, func, literal_column, select, text
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnElement

from app.cases.models import Case, Satisfaction
from app.reports.definitions import CASE_FIGURES, FigureDef, open_with_due_date
from app.reports.rollup.tables import case_due_month, case_figure_month, case_status_count

# The deadline the main table keeps by month (for open cases, key `due_month`); the cases whose
# reply deadline is this month or later are subtracted from the main table's counts through
# `case_due_month`, which keeps them by the month of that deadline.
HANDLING_DEADLINE, REPLY_DEADLINE = "due_at", "reply_due_at"


def waits_for(fig: FigureDef) -> str | None:
    """The deadline (column name) a figure's moment-dependent part waits for, if any."""
    found = fig.come_due or fig.pending_by
    return None if found is None else found[0].key


def _counter_definitions() -> list[tuple[str, ColumnElement]]:
    """(column, condition on a case) for every count the main table keeps, in column order."""
    counters: list[tuple[str, ColumnElement]] = []
    for fig in CASE_FIGURES:
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
    counters: list[tuple[str, ColumnElement]] = [("reply_due", Case.reply_due_at.is_not(None))]
    for fig in CASE_FIGURES:
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



# --- the SQL, generated from the figure definitions ---------------------------------------------


# Literals, not bound parameters: PostgreSQL matches GROUP BY expressions to the selected ones
# only when they are written the same, and two bound parameters never are.
ZERO = literal_column("0")


def month_of(column: Any, dialect: str) -> ColumnElement:
    if dialect == "postgresql":
        return cast(func.to_char(column, literal_column("'YYYYMM'")), Integer)
    return cast(func.strftime(literal_column("'%Y%m'"), column), Integer)


def _place_keys(dialect: str) -> list[ColumnElement]:
    return [
        month_of(Case.received_at, dialect),
        Case.township_id,
        func.coalesce(Case.responsible_unit_id, ZERO),
        Case.category,
        func.coalesce(Case.reported_unit_id, ZERO),
    ]


def _figure_keys(dialect: str) -> list[ColumnElement]:
    return [*_place_keys(dialect), case((open_with_due_date(), month_of(Case.due_at, dialect)), else_=ZERO)]


def _due_keys(dialect: str) -> list[ColumnElement]:
    return [month_of(Case.reply_due_at, dialect), *_place_keys(dialect)]


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


FIGURE_MONTHS = Rollup(case_figure_month, "case_rollup", _figure_keys, lambda: _shared(_counter_definitions())[0])
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
ROLLUPS = (FIGURE_MONTHS, DUE, STATUSES)


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
    return FIGURE_MONTHS.is_ready()


def check(connection: Any) -> list[tuple]:
    """Rows where a table and a fresh count from the cases disagree (empty: all is well)."""
    return [difference for rollup in ROLLUPS for difference in rollup.check(connection)]


def counter_names() -> list[str]:
    return [name for name, _ in FIGURE_MONTHS.counters()]


def due_counter_names() -> list[str]:
    return [name for name, _ in _due_counter_definitions()]


