"""Backups in the audit log: `flask backup` and `flask restore` leave an entry each (the signals
of app/core/backup.py), and `flask xf doctor` asks when the last backup was made."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask_babel import gettext
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from app.audit.models import AuditKind
from app.audit.record import record_event
from app.core.doctor import Finding

# A backup older than this (or none at all) fails the check.
BACKUP_MAX_DAYS = 7


def on_backup_starting(file: Path) -> None:
    """Logged before the copy is made, so the backup itself holds the entry saying it was taken."""
    record_event(AuditKind.BACKUP, summary=str(file)[:255], details={"file": str(file)})


def on_restored(file: Path, *, manifest: dict[str, Any], engine: Any) -> None:
    """The restored log gets an entry saying that it was restored, from what, when made."""
    if not sa_inspect(engine).has_table("audit_entry"):
        return  # a backup from before the audit log: `flask db upgrade` creates it
    record_event(
        AuditKind.RESTORE,
        summary=str(file)[:255],
        details={
            "file": str(file),
            "backup_made": manifest.get("created_at"),
            "revision": manifest.get("revision"),
        },
    )


def check_backups() -> Finding:
    from app.audit.models import AuditEntry
    from app.core.clock import now
    from app.extensions import db

    name = gettext("Backups")
    last = db.session.execute(
        select(AuditEntry.at).where(AuditEntry.kind == AuditKind.BACKUP.value)
        .order_by(AuditEntry.at.desc()).limit(1)
    ).scalar_one_or_none()
    if last is None:
        return Finding(False, name, gettext(
            "No backup has ever been made. Schedule `flask backup FILE` (e.g. nightly) and keep "
            "the files on another machine."))
    age = now() - last
    if age > timedelta(days=BACKUP_MAX_DAYS):
        return Finding(False, name, gettext(
            "The last backup is %(days)d days old (%(at)s). Schedule `flask backup FILE` at least "
            "every %(max)d days.", days=age.days, at=last.strftime("%Y-%m-%d %H:%M"), max=BACKUP_MAX_DAYS))
    return Finding(True, name, gettext("Last backup: %(at)s.", at=last.strftime("%Y-%m-%d %H:%M")))
