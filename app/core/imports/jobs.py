"""Import jobs and their idempotency records (the models), and the limits of a run."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from blinker import Namespace
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import deferred

from app.core.choices import Choices
from app.core.clock import now
from app.core.scoping import ScopeSpec

log = logging.getLogger(__name__)
import_done = Namespace().signal("import-done")
# sender: the job's id, with `app`; sent when a job is done or failed (its uploader is told).
import_finished = Namespace().signal("import-finished")

PROGRESS_EVERY = 500
MAX_ERRORS_KEPT = 2000
# A running job whose heartbeat is older than this lost its worker (stopped, killed, restarted).
STALE_AFTER = timedelta(minutes=5)
# How often a job is started before it is given up (the first run and one resumption).
MAX_ATTEMPTS = 2
# A queued job no worker has claimed for this long: the page says the worker seems not to run.
UNCLAIMED_AFTER = timedelta(minutes=2)
# A zip whose parts unpack to more than this is refused (zip bombs), whatever its own size.
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
# Template rows that get drop-downs and date formats.
TEMPLATE_ROWS = 20000


# --- jobs and idempotency records ----------------------------------------------------------------


class JobStatus(Choices):
    QUEUED = "queued", _l("Queued")
    VALIDATING = "validating", _l("Checking rows")
    SAVING = "saving", _l("Saving")
    DONE = "done", _l("Imported")
    FAILED = "failed", _l("Not imported")


RUNNING_STATUSES = frozenset({JobStatus.QUEUED.value, JobStatus.VALIDATING.value, JobStatus.SAVING.value})


class ImportJob(Model):
    """One uploaded file and what became of it. The upload itself is dropped once processed."""

    __tablename__ = "import_job"
    __scope__ = ScopeSpec(org_unit="org_unit_id")
    __table_args__ = (Index("ix_import_job_user_spec", "created_by_id", "spec", "created_at"),)

    id = Column(Integer, primary_key=True)
    spec = Column(String(40), nullable=False)
    status = Column(String(16), nullable=False, default=JobStatus.QUEUED.value)
    filename = Column(String(200), nullable=False, default="")
    size = Column(Integer, nullable=False, default=0)
    payload = deferred(Column(LargeBinary, nullable=True))
    total_rows = Column(Integer, nullable=False, default=0)
    processed_rows = Column(Integer, nullable=False, default=0)
    imported_count = Column(Integer, nullable=False, default=0)
    skipped_count = Column(Integer, nullable=False, default=0)
    error_count = Column(Integer, nullable=False, default=0)
    # JSON list of {"row", "column", "header", "value", "message"} (at most MAX_ERRORS_KEPT).
    errors = deferred(Column(Text, nullable=True))
    message = Column(Text, nullable=True)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    org_unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)
    created_at = Column(DateTime, nullable=False, default=now)
    started_at = Column(DateTime, nullable=True)
    finished_at = Column(DateTime, nullable=True)
    heartbeat_at = Column(DateTime, nullable=True)
    # The worker process running it (app/worker/lease.worker_name) and how often it was started.
    worker = Column(String(100), nullable=True)
    attempts = Column(Integer, nullable=False, default=0, server_default="0")
    # When the uploader took the job's one-time result (ImportSpec.one_time_result: the initial
    # passwords of imported users); it is never offered again.
    result_taken_at = Column(DateTime, nullable=True)

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES

    @property
    def is_stale(self) -> bool:
        """Started, but its worker has not written for STALE_AFTER: the worker died."""
        beat = self.heartbeat_at or self.created_at
        return (self.status in (JobStatus.VALIDATING.value, JobStatus.SAVING.value)
                and beat is not None and now() - beat > STALE_AFTER)

    @property
    def is_unclaimed(self) -> bool:
        """Queued for a while and no worker took it: the worker process seems not to run."""
        return (self.status == JobStatus.QUEUED.value and self.created_at is not None
                and now() - self.created_at > UNCLAIMED_AFTER)

    @property
    def error_list(self) -> list[dict[str, Any]]:
        return json.loads(self.errors) if self.errors else []


class ImportedRow(Model):
    """A row fingerprint already imported for a spec, and the record it became.

    Bookkeeping only — no county data beyond a hash and an id; never served by a view.
    """

    __tablename__ = "imported_row"
    __table_args__ = (UniqueConstraint("spec", "fingerprint", name="uq_imported_row_fingerprint"),)

    id = Column(Integer, primary_key=True)
    spec = Column(String(40), nullable=False)
    fingerprint = Column(String(64), nullable=False)
    record_id = Column(Integer, nullable=True)
    job_id = Column(Integer, ForeignKey("import_job.id", ondelete="SET NULL"), nullable=True)


