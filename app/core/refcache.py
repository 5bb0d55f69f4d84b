"""Reference data cached in each app process, and exact across processes.

Role permissions, the org tree's choice lists, the subject dictionary and the deadline policy
change a few times a year, yet nearly every request reads them (a case list spent 7 of its 12
queries on them). Each process keeps what it read, tagged with the database's *reference
version*: one row that triggers on those tables (`TRACKED`, SQLite and PostgreSQL) set to a new
random 63-bit number whenever any of their rows changes — whoever changes it: a form, the API,
`flask xf sync-roles`, a SQL console, a restore. A request reads the version once (one row by
primary key) and uses what the process holds under that version, or reads the table again.

- A request sees its own changes: after it writes anything (a flush, or a write statement),
  or rolls back, the version is read again.
- A version is random, never counted up: a rolled-back change's version cannot come back and
  match what was cached under it, nor can another database's (a restore, a test's copy).
- Cached values must be immutable (tuples, frozensets, frozen dataclasses), never ORM objects.
- Outside a request (CLI, seeding, background jobs) nothing is cached.
- The triggers are (re)installed after every migration run (`ensure_reference_triggers`, as the
  keyword search's are): a SQLite table rebuild drops the triggers of the table it rebuilds.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import g, has_request_context
from flask_appbuilder import Model
from sqlalchemy import BigInteger, Column, Integer, Table, event, select
from sqlalchemy.orm import Session

T = TypeVar("T")

TABLE = "reference_version"
# What the cached values are read from. A table added here gets its triggers at the next
# migration run; a value read from a table not listed here must not go through `cached`.
TRACKED = (
    "ab_permission",
    "ab_view_menu",
    "ab_permission_view",
    "ab_permission_view_role",
    "org_unit",
    "subject",
    "deadline_rule",
    "holiday_override",
    "holiday_year",
)

reference_version = Table(
    TABLE,
    Model.metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)

_MISSING = object()
_G_KEY = "_xf_reference_version"
# key → (version, value). Bounded by the keys in use (a few per role set and per township).
_cache: dict[Hashable, tuple[int, Any]] = {}


def current_version() -> int | None:
    """The reference version for this request (read once until the request writes), or None
    outside a request."""
    if not has_request_context():
        return None
    version = g.get(_G_KEY, _MISSING)
    if version is _MISSING:
        from app.extensions import db

        version = db.session.execute(
            select(reference_version.c.version).where(reference_version.c.id == 1)
        ).scalar()
        setattr(g, _G_KEY, version)
    return version


def cached(key: Hashable, load: Callable[[], T]) -> T:
    """What `load()` returns, from this process's cache while the reference data is unchanged."""
    version = current_version()
    if version is None:
        return load()
    hit = _cache.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    value = load()
    _cache[key] = (version, value)
    return value


def _forget_version(*_args: Any) -> None:
    if has_request_context():
        g.pop(_G_KEY, None)


# After its own write the request reads the version again (seeing its change); after a
# rollback too (the version read since then may be one that never was committed).
event.listen(Session, "after_flush", _forget_version)
event.listen(Session, "after_rollback", _forget_version)


@event.listens_for(Session, "do_orm_execute")
def _after_write_statement(state: Any) -> None:
    if not state.is_select:
        _forget_version()


# --- the triggers --------------------------------------------------------------------------------

# A new version: SQLite's random() is a 64-bit integer (abs() keeps it positive); PostgreSQL's
# is a double in [0, 1), and 2^62 values are plenty for "never the same twice".
_NEW_VERSION = {"sqlite": "abs(random())", "postgresql": "floor(random() * 4611686018427387904)::bigint"}
# Statements built from the constants above, never from input.
_BUMP = "UPDATE reference_version SET version = {new} WHERE id = 1"
_PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION xf_bump_reference_version() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN " + _BUMP.format(new=_NEW_VERSION["postgresql"]) + "; RETURN NULL; END $$"
)


def trigger_names(table: str) -> list[str]:
    return [f"xf_refver_{table}_{op}" for op in ("ai", "au", "ad")]


def ensure_reference_triggers(connection: Any) -> None:
    """Install the version row and the triggers on every tracked table; idempotent."""
    from sqlalchemy import inspect

    tables = set(inspect(connection).get_table_names())
    if TABLE not in tables:
        return
    dialect = connection.dialect.name
    if connection.execute(select(reference_version.c.id).where(reference_version.c.id == 1)).first() is None:
        connection.exec_driver_sql(
            "INSERT INTO reference_version (id, version) VALUES (1, " + _NEW_VERSION[dialect] + ")"  # noqa: S608
        )
    if dialect == "postgresql":
        connection.exec_driver_sql(_PG_FUNCTION)
    for table in TRACKED:
        if table not in tables:
            continue
        if dialect == "sqlite":
            for name, op in zip(trigger_names(table), ("INSERT", "UPDATE", "DELETE"), strict=True):
                connection.exec_driver_sql(
                    f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {op} ON {table} "
                    f"BEGIN {_BUMP.format(new=_NEW_VERSION['sqlite'])}; END"
                )
        elif dialect == "postgresql":
            name = f"xf_refver_{table}"
            exists = connection.exec_driver_sql(
                "SELECT 1 FROM pg_trigger WHERE tgname = %(name)s AND NOT tgisinternal", {"name": name}
            ).first()
            if exists is None:
                connection.exec_driver_sql(
                    f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION xf_bump_reference_version()"
                )


def installed_trigger_count(connection: Any) -> int:
    """How many tracked tables have their triggers."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        names = {row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        return sum(all(n in names for n in trigger_names(t)) for t in TRACKED)
    names = {row[0] for row in connection.exec_driver_sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")}
    return sum(f"xf_refver_{t}" in names for t in TRACKED)
