"""Database set-up shared by every engine: SQLite pragmas and its transaction mode.

SQLite is the default database (a file, nothing to install). Two things make it behave under
several clerks and several app processes:

- WAL journal, foreign keys on, a busy timeout so writers queue instead of failing at once;
- write requests start their transaction with ``BEGIN IMMEDIATE``. pysqlite otherwise opens a
  deferred transaction that reads first and upgrades to a write lock later; in WAL mode that
  upgrade fails outright (SQLITE_BUSY_SNAPSHOT) when another process committed in between, and
  no busy timeout helps. Taking the write lock up front makes concurrent writers wait their turn.
  (This is SQLAlchemy's documented pysqlite recipe: driver autocommit + our own BEGIN.)
PostgreSQL needs none of this.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_force_immediate: ContextVar[bool] = ContextVar("xf_force_immediate", default=False)


def _wants_write_lock() -> bool:
    if _force_immediate.get():
        return True
    if not has_request_context() or request.method not in _WRITE_METHODS:
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, READS_ONLY, False)


READS_ONLY = "_xf_reads_only"


def reads_only(view: Any) -> Any:
    """Mark a POST view that only reads (an export): its transaction does not take SQLite's
    write lock up front, so a long read does not block every writer — and an audit entry
    written meanwhile on another connection does not wait for it."""
    setattr(view, READS_ONLY, True)
    return view


@contextmanager
def write_transactions() -> Iterator[None]:
    """Inside this block every new SQLite transaction takes the write lock up front.

    For code that writes outside a POST request: CLI commands, background jobs, and GET pages
    that must record something (an audit entry for viewing personal data).
    """
    token = _force_immediate.set(True)
    try:
        yield
    finally:
        _force_immediate.reset(token)


@event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection, connection_record) -> None:  # noqa: ARG001
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event below emit BEGIN; pysqlite's own implicit BEGIN is off.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_WRITE_LOCK = "xf_write_lock"


@event.listens_for(Engine, "begin")
def _on_begin(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    # An engine opened with isolation_level="AUTOCOMMIT" (flagged so, e.g. a test's observer
    # session) runs every statement on its own: no transaction to begin.
    if connection.get_execution_options().get("xf_autocommit"):
        return
    immediate = _wants_write_lock()
    # Remembered per transaction, so code that must write at once (the audit log) knows
    # whether this connection already holds the database's single write lock.
    connection.info[_WRITE_LOCK] = immediate
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def note_write(connection: Connection) -> None:
    """Record that this transaction has written (so it holds the write lock even if deferred)."""
    if connection.dialect.name == "sqlite":
        connection.info[_WRITE_LOCK] = True


def holds_write_lock(connection: Connection) -> bool:
    """Does this connection's open SQLite transaction hold the write lock? (Never on PostgreSQL.)"""
    return (
        connection.dialect.name == "sqlite"
        and connection.in_transaction()
        and bool(connection.info.get(_WRITE_LOCK))
    )


def is_sqlite(bind: Engine | Connection) -> bool:
    return bind.dialect.name == "sqlite"


def insert_ignoring_duplicates(bind: Engine | Connection | Any, model: Any):
    """INSERT … ON CONFLICT DO NOTHING for `model` (PostgreSQL and SQLite): a row that a unique
    key already holds — perhaps written by another process a moment ago — is left as it is."""
    dialect = bind.dialect.name if hasattr(bind, "dialect") else bind.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(model).on_conflict_do_nothing()
