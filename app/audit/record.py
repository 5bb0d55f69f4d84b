"""The recording API: what other areas call to put an event in the audit log.

Changes to records (create/update/delete, role grants) need no call at all: `app.audit.capture`
records every flush. Call these for what the database cannot see:

- `record_personal_data_view(record, fields)` — a page showed personal data in full
  (ID numbers, phones) to someone who handles the case;
- `record_export(list_name, filters=…, row_count=…)` — a file made by hand left the system
  (exports sent by `app.core.export.download` are logged already: a start entry, then an end
  entry with the row count, or "中断，N 行" when the download was cut off);
- `record_event(kind, …)` — anything else of `AuditKind` (logins are recorded by the security
  manager).

Each call writes and commits its entry at once, in its own transaction, so the entry stays
even if the request fails afterwards: an export that happened is logged whatever comes next.
Call them after your own changes are committed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import insert
from sqlalchemy import inspect as sa_inspect

from app.audit.models import AuditEntry, AuditKind
from app.core.clock import now

SUMMARY_LENGTH = 255
_ACTOR_CACHE = "_xf_audit_actor"


# --- public API ----------------------------------------------------------------------------------


def record_personal_data_view(record: Any, fields: Iterable[str] = (), note: str = "") -> None:
    """Log that the current user was shown `record`'s personal data in full.

    `fields` names what was shown (e.g. ("id_number", "phone")); `note` says where, if the
    request path does not make it obvious.
    """
    details: dict[str, Any] = {"fields": list(fields)}
    if note:
        details["note"] = note
    record_event(
        AuditKind.PERSONAL_DATA,
        model=table_of(record),
        record_id=primary_key_of(record),
        summary=summary_of(record),
        details=details,
    )


def record_export(
    list_name: str,
    *,
    row_count: int,
    filters: Mapping[str, Any] | None = None,
    file_format: str = "xlsx",
    model: str | None = None,
    user: Any = None,
) -> None:
    """Log an export: which list (a readable name), the filters applied, how many rows.

    Exports sent by `app.core.export.download` (every list and report table) are logged
    already (its `export_started` and `export_done` signals); call this for files built by hand.
    """
    record_event(
        AuditKind.EXPORT,
        model=model,
        summary=list_name,
        details={
            "list": list_name,
            "filters": _clean_filters(filters or {}),
            "rows": int(row_count),
            "format": file_format,
        },
        user=user,
    )


def _clean_filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """Query-string filters as a reader wants them: no empty values, single values unwrapped."""
    cleaned: dict[str, Any] = {}
    for key, value in filters.items():
        values = [v for v in (value if isinstance(value, list | tuple) else [value]) if v not in ("", None)]
        if values:
            cleaned[str(key)] = plain(values[0] if len(values) == 1 else values)
    return cleaned


def on_export_started(sender: Any, *, download: Any, **_: Any) -> None:  # noqa: ARG001
    """Receiver of `app.core.export.export_started`: the export's first entry, before its first
    byte — so an export cut off half-way, or one that fails, is in the log too."""
    from flask_babel import gettext

    row = entry_row(
        AuditKind.EXPORT, model=download.model, summary=download.title,
        details={**_export_details(download), "result": gettext("Export started")}, user=download.user,
    )
    download.notes["audit"] = {
        "start": write_entry(row),
        # The end may come outside the request (a download closed before its first byte):
        # who, from where and the words of the outcome are kept now.
        "row": {k: row[k] for k in ("kind", "model", "summary", "user_id", "username", "org_unit_id",
                                    "method", "path", "ip")},
        "completed": gettext("Completed, %(n)d rows"),
        "interrupted": gettext("Interrupted, %(n)d rows"),
    }


def _export_details(download: Any) -> dict[str, Any]:
    return {"list": download.title, "filters": _clean_filters(download.filters), "format": download.fmt}


def on_export_done(sender: Any, *, user: Any = None, title: str = "", fmt: str = "",
                   filters: Mapping[str, Any] | None = None, rows: int = 0, completed: bool = True,
                   download: Any = None, **_: Any) -> None:
    """Receiver of `app.core.export.export_done`: the export's second entry, completing the
    first (the log is append-only) with the row count — "完成，N 行", or "中断，N 行" for a download
    the browser cut off or that failed half-way."""
    started = download.notes.get("audit") if download is not None else None
    if started is None:  # an end announced without a start
        datamodel = getattr(sender, "datamodel", None)
        record_export(title, row_count=rows, filters=filters, file_format=fmt, user=user,
                      model=getattr(getattr(datamodel, "obj", None), "__tablename__", None))
        return
    result = (started["completed"] if completed else started["interrupted"]) % {"n": rows}
    details = {**_export_details(download), "rows": int(rows), "result": result, "start": started["start"]}
    write_now([{**started["row"], "at": now(),
                "details": json.dumps(details, ensure_ascii=False, default=str)}])


def on_import_done(sender: Any, *, user: Any = None, title: str = "", filename: str = "", job_id: int = 0,
                   imported: int = 0, skipped: int = 0, first_id: Any = None, last_id: Any = None,
                   **_: Any) -> None:
    """Receiver of `app.core.imports.import_done`: an Excel import's bulk-written records, as one entry.

    (Bulk inserts bypass the flush capture; the entry names the file, the counts and the ids.)
    """
    from flask_babel import gettext

    record_event(
        AuditKind.CREATE,
        model=getattr(sender, "table", None) or None,
        summary=gettext("Excel import: %(title)s, %(n)d records", title=title, n=imported)[:SUMMARY_LENGTH],
        details={"file": filename, "import_job": job_id, "imported": imported, "skipped": skipped,
                 "first_id": first_id, "last_id": last_id},
        user=user,
    )


def record_event(
    kind: AuditKind | str,
    *,
    model: str | None = None,
    record_id: Any = None,
    summary: str | None = None,
    details: Mapping[str, Any] | None = None,
    user: Any = None,
    username: str | None = None,
) -> None:
    """Write one entry now, in its own transaction. `user` defaults to the request's user."""
    row = entry_row(
        kind, model=model, record_id=record_id, summary=summary, details=details, user=user
    )
    if username and not row.get("username"):
        row["username"] = username[:128]
    write_now([row])


# --- building rows --------------------------------------------------------------------------------


def entry_row(
    kind: AuditKind | str,
    *,
    model: str | None = None,
    record_id: Any = None,
    summary: str | None = None,
    details: Mapping[str, Any] | None = None,
    user: Any = None,
) -> dict[str, Any]:
    """A ready-to-insert row for `audit_entry`, with the actor and the request filled in."""
    row: dict[str, Any] = {
        "at": now(),
        "kind": str(getattr(kind, "value", kind)),
        "model": model,
        "record_id": None if record_id is None else str(record_id)[:64],
        "summary": (summary or "")[:SUMMARY_LENGTH] or None,
        "details": json.dumps(details, ensure_ascii=False, default=str) if details else None,
    }
    row.update(actor_fields(user))
    row.update(origin_fields())
    return row


def actor_fields(user: Any = None) -> dict[str, Any]:
    """user_id / username / org_unit_id of `user`, or of whoever is acting in this request."""
    if user is not None:
        return _identity(user)
    if not has_request_context():
        return {"user_id": None, "username": None, "org_unit_id": None}
    cached = g.get(_ACTOR_CACHE)
    if cached is not None:
        return cached
    from app.core.scoping import current_actor

    actor = current_actor()
    if actor is None:
        return {"user_id": None, "username": None, "org_unit_id": None}
    identity = _identity(actor)
    setattr(g, _ACTOR_CACHE, identity)
    return identity


def _identity(user: Any) -> dict[str, Any]:
    # Read from the loaded state where possible: this runs inside flushes, where a lazy load
    # of an expired user would be wasted work.
    state = sa_inspect(user, raiseerr=False)
    values = state.dict if state is not None else {}
    user_id = values.get("id", None) if "id" in values else getattr(user, "id", None)
    username = values["username"] if "username" in values else getattr(user, "username", None)
    org_unit_id = (
        values["org_unit_id"] if "org_unit_id" in values else getattr(user, "org_unit_id", None)
    )
    return {"user_id": user_id, "username": (username or "")[:128] or None, "org_unit_id": org_unit_id}


def origin_fields() -> dict[str, Any]:
    if has_request_context():
        return {
            "method": request.method[:8],
            "path": request.path[:255],
            "ip": (request.remote_addr or "")[:64] or None,
        }
    import click

    context = click.get_current_context(silent=True)
    command = f"cli: {context.command_path}" if context is not None else None
    return {"method": None, "path": command[:255] if command else None, "ip": None}


def table_of(record: Any) -> str | None:
    return getattr(record, "__tablename__", None) or type(record).__name__


def primary_key_of(record: Any) -> str | None:
    state = sa_inspect(record, raiseerr=False)
    if state is None or state.identity is None:
        return None
    return ",".join(str(part) for part in state.identity)


def summary_of(record: Any) -> str:
    """How the record reads in a list: a login name, a case number, its str()."""
    try:
        for attribute in ("username", "number"):
            value = getattr(record, attribute, None)
            if value:
                return str(value)[:SUMMARY_LENGTH]
        return str(record)[:SUMMARY_LENGTH]
    except Exception:  # noqa: BLE001 — a summary is a courtesy; never fail the write for it
        return type(record).__name__


def plain(value: Any) -> Any:
    """A JSON-friendly form of a column value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    return str(value)


# --- writing --------------------------------------------------------------------------------------


def write_now(rows: list[dict[str, Any]]) -> None:
    """Insert and commit `rows` immediately, without disturbing the caller's transaction.

    Normally a separate short transaction on its own connection: on SQLite it takes the write
    lock up front (`write_transactions`), so a GET page recording a view cannot hit
    SQLITE_BUSY_SNAPSHOT. One exception: if this request's session already holds SQLite's single
    write lock (a POST that has begun its transaction), a second connection would wait for that
    lock until it times out — so the rows go through the session's connection and it commits.
    On SQLite a session holding only a read snapshot ends it first (see below).
    """
    if rows:
        _write(rows)


def write_entry(row: dict[str, Any]) -> int:
    """`write_now` for one row; returns the new entry's id."""
    return _write([row])


def _write(rows: list[dict[str, Any]]) -> Any:
    from app.core.database import holds_write_lock, is_sqlite, write_transactions
    from app.extensions import db

    statement = insert(AuditEntry.__table__)
    session = db.session()  # the request's Session itself (db.session is a scoped proxy)
    if session.in_transaction():
        connection = session.connection()
        if holds_write_lock(connection):
            result = connection.execute(statement, rows[0] if len(rows) == 1 else rows)
            session.commit()
            return result.inserted_primary_key[0] if len(rows) == 1 else None
        if is_sqlite(connection) and not (session.new or session.dirty or session.deleted):
            # End this session's read snapshot (it has nothing to write): once another
            # connection has committed, an older snapshot can never write again. What it read
            # stays loaded (nothing of it changed here): the user object an export keeps for
            # its end must still read after the request's session is gone.
            expire, session.expire_on_commit = session.expire_on_commit, False
            try:
                session.commit()
            finally:
                session.expire_on_commit = expire
    with write_transactions(), db.engine.begin() as connection:
        result = connection.execute(statement, rows[0] if len(rows) == 1 else rows)
        return result.inserted_primary_key[0] if len(rows) == 1 else None
