"""Automatic change capture: every create, update and delete of every model, in every area.

Mapper events collect one row per changed record (the changed fields, old → new) while a flush
runs; at the end of the flush all rows go into `audit_entry` with one multi-row INSERT on the
flush's own connection — so an entry commits or rolls back together with the change it
describes. No view needs code for this; a new model is covered the moment it is mapped.

ORM bulk statements (`session.execute(update(Model)…)`) bypass the flush: they are recorded as
one entry each, with the values set, the condition and the number of rows.

What is left out, and why:
- the audit table itself, and counters (`case_number_sequence`) that change with every case;
- bookkeeping columns that change on every save (version, updated_at/by, FAB's changed_on) and
  login statistics (logins are entries of their own);
- values that must not be copied: password hashes are written as "******", and columns marked
  ``info={"personal": "id_number" | "phone"}`` are masked as in any list.
A model can opt out with ``__audit__ = False`` (only for derived data that is rebuilt anyway).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import event, insert
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapper, ORMExecuteState, Session

from app.audit.models import AuditEntry, AuditKind
from app.audit.record import entry_row, plain, primary_key_of, summary_of

AUDIT_TABLE = AuditEntry.__tablename__
SKIP_TABLES = frozenset({AUDIT_TABLE, "case_number_sequence"})
PERMISSION_TABLES = frozenset({"ab_role", "ab_permission", "ab_view_menu", "ab_permission_view"})
# Relationships whose changes are grants of rights: a user's roles, a role's permissions.
PERMISSION_RELATIONS = frozenset({"roles", "permissions"})
NOISE_COLUMNS = frozenset(
    {
        "version",
        "created_at",
        "created_by_id",
        "updated_at",
        "updated_by_id",
        "created_on",
        "created_by_fk",
        "changed_on",
        "changed_by_fk",
        "last_login",
        "login_count",
        "fail_login_count",
        "session_epoch",  # logouts and "sign out everywhere" are entries of their own
    }
)
REDACTED_COLUMNS = frozenset({"password"})
REDACTED = "******"
_PENDING = "xf_audit_rows"


_paused: ContextVar[bool] = ContextVar("xf_audit_paused", default=False)


@contextmanager
def paused() -> Iterator[None]:
    """Record no changes inside this block — only for generating demonstration or benchmark
    data, where every row is fiction and logging it would double the load time."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


class AuditLogIsAppendOnly(RuntimeError):
    """Someone tried to change or delete an audit entry."""

    def __init__(self) -> None:
        super().__init__("the audit log is append-only: entries cannot be changed or deleted")


# --- what to record ---------------------------------------------------------------------------


def _audited(mapper: Mapper) -> bool:
    table = getattr(mapper.local_table, "name", None)
    return table not in SKIP_TABLES and getattr(mapper.class_, "__audit__", True)


def _value(column: Any, key: str, value: Any) -> Any:
    if key in REDACTED_COLUMNS or column.info.get("audit") == "redact":
        return REDACTED if value is not None else None
    personal = column.info.get("personal")
    if personal and value:
        from app.core.privacy import mask_id_number, mask_phone

        return mask_phone(value) if personal == "phone" else mask_id_number(value)
    return plain(value)


def _columns(mapper: Mapper):
    for attr in mapper.column_attrs:
        if attr.key in NOISE_COLUMNS or not attr.columns:
            continue
        column = attr.columns[0]
        # The primary key is the entry's record_id already.
        if column.primary_key or column.info.get("audit") == "skip":
            continue
        yield attr.key, column


def _collections(mapper: Mapper):
    """Many-to-many relationships (user ↔ roles, role ↔ permissions): their rows have no model."""
    return [rel for rel in mapper.relationships if rel.secondary is not None and rel.uselist]


def _collection_change(state: Any, key: str) -> dict[str, list[str]] | None:
    history = state.attrs[key].history
    if not (history.added or history.deleted):
        return None
    change: dict[str, list[str]] = {}
    if history.added:
        change["added"] = sorted(str(item) for item in history.added)
    if history.deleted:
        change["removed"] = sorted(str(item) for item in history.deleted)
    return change


def _changes_on_insert(mapper: Mapper, state: Any) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key, column in _columns(mapper):
        value = state.dict.get(key)
        if value is not None:
            changes[key] = {"new": _value(column, key, value)}
    for rel in _collections(mapper):
        change = _collection_change(state, rel.key)
        if change:
            changes[rel.key] = change
    return changes


def _changes_on_update(mapper: Mapper, state: Any) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key, column in _columns(mapper):
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        changes[key] = {"old": _value(column, key, old), "new": _value(column, key, new)}
    for rel in _collections(mapper):
        change = _collection_change(state, rel.key)
        if change:
            changes[rel.key] = change
    return changes


def _changes_on_delete(mapper: Mapper, state: Any) -> dict[str, Any]:
    return {
        key: {"old": _value(column, key, state.dict[key])}
        for key, column in _columns(mapper)
        if state.dict.get(key) is not None
    }


def _kind(mapper: Mapper, base: AuditKind, changes: dict[str, Any]) -> AuditKind:
    if mapper.local_table.name in PERMISSION_TABLES:
        return AuditKind.PERMISSION
    if base == AuditKind.UPDATE and PERMISSION_RELATIONS & changes.keys():
        return AuditKind.PERMISSION
    return base


def _queue(mapper: Mapper, target: Any, base: AuditKind) -> None:
    if _paused.get() or not _audited(mapper):
        return
    state = sa_inspect(target)
    session = state.session
    if session is None:
        return
    if base == AuditKind.CREATE:
        changes = _changes_on_insert(mapper, state)
    elif base == AuditKind.UPDATE:
        changes = _changes_on_update(mapper, state)
        if not changes:
            return  # only bookkeeping columns moved (a version bump, a login counter)
    else:
        changes = _changes_on_delete(mapper, state)
    # A deleted row can no longer lazy-load what its str() needs: read only what is loaded.
    summary = summary_of(target) if base != AuditKind.DELETE or not state.unloaded else None
    row = entry_row(
        _kind(mapper, base, changes),
        model=mapper.local_table.name,
        record_id=primary_key_of(target) or _pk_from_dict(mapper, state),
        summary=summary,
        details=changes,
    )
    session.info.setdefault(_PENDING, []).append(row)


def _pk_from_dict(mapper: Mapper, state: Any) -> str | None:
    values = [state.dict.get(col.key) for col in mapper.primary_key]
    return ",".join(str(v) for v in values) if all(v is not None for v in values) else None


# --- event wiring -----------------------------------------------------------------------------


@event.listens_for(Model, "after_insert", propagate=True)
def _after_insert(mapper: Mapper, connection, target) -> None:  # noqa: ARG001
    _queue(mapper, target, AuditKind.CREATE)


@event.listens_for(Model, "after_update", propagate=True)
def _after_update(mapper: Mapper, connection, target) -> None:  # noqa: ARG001
    _queue(mapper, target, AuditKind.UPDATE)


@event.listens_for(Model, "after_delete", propagate=True)
def _after_delete(mapper: Mapper, connection, target) -> None:  # noqa: ARG001
    _queue(mapper, target, AuditKind.DELETE)


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context, instances) -> None:  # noqa: ARG001
    session.info.pop(_PENDING, None)
    for obj in session.deleted:
        if isinstance(obj, AuditEntry):
            raise AuditLogIsAppendOnly()
    for obj in session.dirty:
        if isinstance(obj, AuditEntry) and session.is_modified(obj):
            raise AuditLogIsAppendOnly()


@event.listens_for(Session, "after_flush")
def _write_pending(session: Session, flush_context) -> None:  # noqa: ARG001
    from app.core.database import note_write

    rows = session.info.pop(_PENDING, None)
    connection = session.connection()
    note_write(connection)
    if rows:
        connection.execute(insert(AuditEntry.__table__), rows)


@event.listens_for(Session, "after_soft_rollback")
def _forget_pending(session: Session, previous_transaction) -> None:  # noqa: ARG001
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "do_orm_execute")
def _bulk_statements(state: ORMExecuteState):
    """ORM bulk UPDATE/DELETE: refused on the audit log, recorded as one entry elsewhere."""
    if not (state.is_update or state.is_delete):
        return None
    mapper = state.bind_mapper
    if mapper is None:
        return None
    table = mapper.local_table.name
    if table == AUDIT_TABLE:
        raise AuditLogIsAppendOnly()
    if not _audited(mapper):
        return None
    statement = state.statement
    values = {
        getattr(k, "key", str(k)): plain(getattr(v, "value", v))
        for k, v in (getattr(statement, "_values", None) or {}).items()
    }
    if values and set(values) <= NOISE_COLUMNS:
        return None  # e.g. FAB's timing-balancing no-op update of a login counter
    result = state.invoke_statement()
    details: dict[str, Any] = {"bulk": True, "rows": result.rowcount}
    if values:
        details["values"] = values
    where = getattr(statement, "whereclause", None)
    if where is not None:
        try:
            details["where"] = str(where.compile(compile_kwargs={"literal_binds": True}))[:1000]
        except Exception:  # noqa: BLE001 — some bind types cannot be rendered literally
            details["where"] = str(where)[:1000]
    row = entry_row(
        AuditKind.UPDATE if state.is_update else AuditKind.DELETE,
        model=table,
        summary=None,
        details=details,
    )
    state.session.connection().execute(insert(AuditEntry.__table__), [row])
    return result
