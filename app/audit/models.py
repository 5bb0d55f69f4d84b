"""`AuditEntry`: one row per event (a login, a change set, a view of personal data, an export).

Append-only. The ORM refuses to update or delete entries (`app.audit.capture`), and the
migration adds database triggers that refuse UPDATE and DELETE (and, on PostgreSQL, TRUNCATE)
for anyone going around the ORM. Nothing in the product offers to edit an entry. (A later
migration that rebuilds this table on SQLite — batch mode copies it — must create the triggers
again: see `create_append_only_triggers` in migration 42a3253873bf.)

Entries keep the actor's id, login name and org unit as they were at the time and have no
foreign keys: a user or record deleted later must not take its history with it.
"""

from __future__ import annotations

import json
from typing import Any

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, String, Text

from app.core.choices import Choices
from app.core.clock import now


class AuditKind(Choices):
    LOGIN = "login", _l("Login")
    LOGIN_FAILED = "login_failed", _l("Failed login")
    LOGOUT = "logout", _l("Logout")
    CREATE = "create", _l("Created")
    UPDATE = "update", _l("Changed")
    DELETE = "delete", _l("Deleted")
    PERMISSION = "permission", _l("Role or permission change")
    PERSONAL_DATA = "personal_data", _l("Personal data viewed")
    EXPORT = "export", _l("Export")
    BACKUP = "backup", _l("Backup")
    RESTORE = "restore", _l("Restored from backup")
    API = "api", _l("API call")


class AuditEntry(Model):
    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_at", "at"),
        Index("ix_audit_entry_kind_at", "kind", "at"),
        Index("ix_audit_entry_user_at", "user_id", "at"),
        Index("ix_audit_entry_record", "model", "record_id"),
    )

    id = Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at = Column(DateTime, nullable=False, default=now)
    kind = Column(String(16), nullable=False, info={"choices": AuditKind})
    # The actor as they were at the time (no foreign keys: history outlives users).
    user_id = Column(Integer, nullable=True)
    username = Column(String(128), nullable=True)
    org_unit_id = Column(Integer, nullable=True)
    # What was acted on: the table and primary key, and how the record read.
    model = Column(String(64), nullable=True)
    record_id = Column(String(64), nullable=True)
    summary = Column(String(255), nullable=True)
    # JSON: changed fields {"field": {"old": …, "new": …}}, or the event's particulars
    # (an export's list, filters and row count; a failed login's reason).
    details = Column(Text, nullable=True)
    # Where it came from: the request (method, path, client address) or the CLI command.
    method = Column(String(8), nullable=True)
    path = Column(String(255), nullable=True)
    ip = Column(String(64), nullable=True)

    def __repr__(self) -> str:
        return f"{self.kind} {self.model or ''} {self.record_id or ''}".strip()

    @property
    def details_data(self) -> dict[str, Any]:
        if not self.details:
            return {}
        try:
            value = json.loads(self.details)
        except ValueError:
            return {"text": self.details}
        return value if isinstance(value, dict) else {"value": value}
