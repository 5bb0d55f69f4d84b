"""Parsing and saving rows, the registry of specs, and the background run of a job in the worker."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale, gettext
from sqlalchemy import (
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from app.core.clock import now
from app.core.imports.jobs import (
    MAX_ATTEMPTS,
    MAX_ERRORS_KEPT,
    PROGRESS_EVERY,
    STALE_AFTER,
    ImportedRow,
    ImportJob,
    JobStatus,
    import_done,
    import_finished,
)
from app.core.imports.sheets import _header_map, _open_sheet
from app.core.imports.spec import (
    CellError,
    ImportContext,
    ImportSpec,
    ParsedRow,
    RowError,
    cell_text,
    masked_error,
)
from app.core.scoping import Scope
from app.core.validators import (
    REQUIRED_MESSAGE,
)

log = logging.getLogger(__name__)

# --- parsing and saving ---------------------------------------------------------------------------


@dataclass
class ImportResult:
    rows: list[ParsedRow]
    errors: list[RowError]
    error_count: int
    total: int


def read_sheet(spec: ImportSpec, data: bytes) -> tuple[tuple[Any, ...], list[tuple[int, tuple[Any, ...]]]]:
    """The header row, and the non-blank data rows as (Excel row number, cells)."""
    book, sheet = _open_sheet(spec, data)
    try:
        header: tuple[Any, ...] = ()
        rows = []
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number == 1:
                header = cells or ()
            elif cells and any(c is not None and str(c).strip() for c in cells):
                rows.append((number, cells))
        return header, rows
    finally:
        book.close()


def parse_rows(
    spec: ImportSpec,
    data: bytes,
    ctx: ImportContext,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Parse and check every row; nothing is written to the database here."""
    header, raw_rows = read_sheet(spec, data)
    positions, _missing = _header_map(spec, header)
    total = len(raw_rows)
    errors: list[RowError] = []
    error_count = 0
    parsed: list[ParsedRow] = []
    if total > spec.max_rows:
        message = gettext("At most %(max)d rows can be imported at once; this file has %(n)d.", max=spec.max_rows, n=total)
        return ImportResult([], [RowError(0, None, "", "", message)], 1, total)
    spec.prepare(ctx)

    def add(error: RowError) -> None:
        nonlocal error_count
        error_count += 1
        if len(errors) < MAX_ERRORS_KEPT:
            errors.append(masked_error(spec, error))

    for done, (number, cells) in enumerate(raw_rows, start=1):
        values: dict[str, Any] = {}
        row_ok = True
        raw_values: dict[str, str] = {}
        for column in spec.columns:
            index = positions.get(column.key)
            cell = cells[index] if index is not None and index < len(cells) else None
            shown = cell_text(cell)
            raw_values[column.key] = shown
            if cell is None or shown == "":
                values[column.key] = None
                if column.required:
                    add(RowError(number, column.key, str(column.header), "", str(REQUIRED_MESSAGE)))
                    row_ok = False
                continue
            try:
                values[column.key] = column.parse(cell, ctx)
            except CellError as exc:
                add(RowError(number, column.key, str(column.header), shown[:100], exc.message))
                values[column.key] = None
                row_ok = False
        # The rules need every required value; a cell already reported is not reported twice.
        failed = {column.key for column in spec.columns if values.get(column.key) is None and raw_values[column.key]}
        if all(values.get(c.key) is not None for c in spec.columns if c.required):
            for problem in spec.check_row(values, ctx):
                key = problem.field if problem.field and spec.column(problem.field) else None
                if key in failed:
                    continue
                add(RowError(number, key, spec.header_of(key), raw_values.get(key or "", "")[:100], problem.message))
                row_ok = False
        if row_ok:
            parsed.append(ParsedRow(number, values, spec.fingerprint(values)))
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
            progress(done, total)
    return ImportResult(parsed, errors, error_count, total)


def new_rows(spec: ImportSpec, rows: list[ParsedRow], session: Any) -> tuple[list[ParsedRow], int]:
    """Drop rows imported before (or repeated within the file); return the rest and how many went."""
    fingerprints = [r.fingerprint for r in rows]
    seen: set[str] = set()
    for chunk_start in range(0, len(fingerprints), 500):
        chunk = fingerprints[chunk_start:chunk_start + 500]
        seen.update(
            session.execute(
                select(ImportedRow.fingerprint).where(
                    ImportedRow.spec == spec.name, ImportedRow.fingerprint.in_(chunk)
                )
            ).scalars()
        )
    fresh = []
    for row in rows:
        if row.fingerprint in seen:
            continue
        seen.add(row.fingerprint)
        fresh.append(row)
    return fresh, len(rows) - len(fresh)


def save_rows(spec: ImportSpec, rows: list[ParsedRow], ctx: ImportContext) -> list[int]:
    """Create the records and remember their fingerprints (caller commits or rolls back)."""
    ids = spec.save(rows, ctx) if rows else []
    if rows:
        ctx.session.execute(
            ImportedRow.__table__.insert(),
            [
                {"spec": spec.name, "fingerprint": row.fingerprint, "record_id": record_id, "job_id": ctx.job_id}
                for row, record_id in zip(rows, ids, strict=True)
            ],
        )
    return ids


# --- the registry and the background run ---------------------------------------------------------

SPECS: dict[str, ImportSpec] = {}
# Each spec's pages (ImportView.route_base): where a finished job's result page is.
JOB_PAGES: dict[str, str] = {}


def register_spec(spec: ImportSpec) -> ImportSpec:
    SPECS[spec.name] = spec
    return spec


def _write_job(job_id: int, **values: Any) -> None:
    """Update the job row in its own short transaction (visible to every process at once)."""
    from app.core.database import write_transactions
    from app.extensions import db

    values.setdefault("heartbeat_at", now())
    with write_transactions(), db.engine.begin() as connection:
        connection.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))


def claim_job(job_id: int, worker: str) -> bool:
    """Take a queued job for this worker: one atomic update, so exactly one worker runs it."""
    from app.core.database import write_transactions
    from app.extensions import db

    moment = now()
    with write_transactions(), db.engine.begin() as connection:
        return connection.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id, ImportJob.status == JobStatus.QUEUED.value)
            .values(status=JobStatus.VALIDATING.value, worker=worker, attempts=ImportJob.attempts + 1,
                    started_at=moment, heartbeat_at=moment)
        ).rowcount == 1


def recover_jobs(app: Flask) -> int:
    """Jobs whose worker died (no heartbeat for STALE_AFTER): queue them again while attempts
    remain and the upload is kept, else mark them failed with the reason. Returns how many."""
    from app.core.database import write_transactions
    from app.extensions import db

    cutoff = now() - STALE_AFTER
    stale = (ImportJob.status.in_([JobStatus.VALIDATING.value, JobStatus.SAVING.value]),
             ImportJob.heartbeat_at < cutoff)
    with force_locale(app.config.get("BABEL_DEFAULT_LOCALE", "zh")), write_transactions(), \
            db.engine.begin() as connection:
        resumed = connection.execute(
            update(ImportJob)
            .where(*stale, ImportJob.attempts < MAX_ATTEMPTS, ImportJob.payload.is_not(None))
            .values(status=JobStatus.QUEUED.value, worker=None, processed_rows=0,
                    message=gettext("The worker running this import stopped; the import starts again."))
        ).rowcount
        # RETURNING: the jobs this worker failed, whose uploaders it tells (another worker
        # recovering at the same moment updates none of them).
        failing = connection.execute(
            update(ImportJob)
            .where(*stale)
            .values(status=JobStatus.FAILED.value, payload=None, finished_at=now(),
                    message=gettext("Nothing was imported: the worker running this import stopped %(n)d times. Upload the file again; rows already imported will be skipped.", n=MAX_ATTEMPTS))
            .returning(ImportJob.id)
        ).scalars().all()
    if resumed or failing:
        log.warning("import jobs of a stopped worker: %d queued again, %d marked failed", resumed, len(failing))
    for job_id in failing:
        _tell_owner(app, job_id)
    return resumed + len(failing)


def run_pending_imports(app: Flask, worker: str = "inline") -> int:
    """The worker's import job: recover the jobs of dead workers, then run every queued job this
    worker can claim, oldest first. Returns how many it ran. (Tests call it to run an upload.)"""
    from app.extensions import db

    ran = 0
    with app.app_context():
        recover_jobs(app)
        while True:
            queued = db.session.execute(
                select(ImportJob.id).where(ImportJob.status == JobStatus.QUEUED.value)
                .order_by(ImportJob.created_at, ImportJob.id).limit(20)
            ).scalars().all()
            db.session.remove()
            claimed = [job_id for job_id in queued if claim_job(job_id, worker)][:1]
            if not claimed:
                return ran
            run_job(app, claimed[0])
            ran += 1


def run_job(app: Flask, job_id: int) -> None:
    """Run a job this worker claimed (`claim_job`): validate every row, then save them all in
    one transaction — or save nothing. Rules see the scope of the user who uploaded the file."""
    from app.core.database import write_transactions
    from app.core.scoping import scope_of
    from app.extensions import db

    ran = False
    with app.app_context():
        session = db.session
        try:
            job = session.get(ImportJob, job_id)
            if job is None or job.status != JobStatus.VALIDATING.value:
                return
            ran = True
            spec = SPECS[job.spec]
            data = job.payload or b""
            user = session.get(_user_model(), job.created_by_id) if job.created_by_id else None
            scope = scope_of(user) if user is not None and user.active else Scope.none()
            ctx = ImportContext(scope=scope, user_id=job.created_by_id, org_unit_id=job.org_unit_id,
                                session=session, job_id=job_id)
            with force_locale(app.config.get("BABEL_DEFAULT_LOCALE", "zh")):
                _write_job(job_id, processed_rows=0)
                session.rollback()  # end the read transaction; the rows are checked in fresh ones

                def progress(done: int, total: int) -> None:
                    _write_job(job_id, processed_rows=done, total_rows=total)

                result = parse_rows(spec, data, ctx, progress)
                session.rollback()
                if result.error_count:
                    _write_job(
                        job_id, status=JobStatus.FAILED.value, total_rows=result.total,
                        processed_rows=result.total, error_count=result.error_count,
                        errors=json.dumps([e.as_dict() for e in result.errors], ensure_ascii=False),
                        message=gettext("Nothing was imported: %(n)d errors in the file.", n=result.error_count),
                        payload=None, finished_at=now(),
                    )
                    return
                _write_job(job_id, status=JobStatus.SAVING.value, total_rows=result.total,
                           processed_rows=result.total)
                with write_transactions():
                    fresh, skipped = new_rows(spec, result.rows, session)
                    save_rows(spec, fresh, ctx)
                    # The job is marked done in the same transaction as the records: both or neither.
                    session.execute(
                        update(ImportJob).where(ImportJob.id == job_id).values(
                            status=JobStatus.DONE.value, imported_count=len(fresh), skipped_count=skipped,
                            payload=None, finished_at=now(), heartbeat_at=now(),
                            message=gettext("%(n)d records imported, %(s)d rows skipped as already imported.", n=len(fresh), s=skipped),
                        )
                    )
                    session.commit()
                _announce(spec, job_id, fresh, skipped, ctx)
        except IntegrityError:
            session.rollback()
            log.warning("import job %s collided with another import", job_id, exc_info=True)
            with force_locale(app.config.get("BABEL_DEFAULT_LOCALE", "zh")):
                _write_job(job_id, status=JobStatus.FAILED.value, payload=None, finished_at=now(),
                           message=gettext("Nothing was imported: the same rows were being imported at the same time by another upload. Upload the file again; rows already imported will be skipped."))
        except Exception:
            session.rollback()
            log.exception("import job %s failed", job_id)
            with force_locale(app.config.get("BABEL_DEFAULT_LOCALE", "zh")):
                _write_job(job_id, status=JobStatus.FAILED.value, payload=None, finished_at=now(),
                           message=gettext("Nothing was imported: an unexpected error occurred. The error has been logged."))
        finally:
            if ran:
                _tell_owner(app, job_id)
            db.session.remove()


def _tell_owner(app: Flask, job_id: int) -> None:
    """The job is done or failed: listeners tell the user who uploaded the file (the
    notifications, app/notifications/imports.py). Never fails the import."""
    import_finished.send(job_id, app=app)


def _announce(spec: ImportSpec, job_id: int, rows: list[ParsedRow], skipped: int, ctx: ImportContext) -> None:
    """Tell listeners (the audit log) what an import created, after it is committed."""
    from app.extensions import db

    job = db.session.get(ImportJob, job_id)
    ids = [r for r in db.session.execute(
        select(ImportedRow.record_id).where(ImportedRow.job_id == job_id)).scalars() if r is not None]
    import_done.send(
        spec,
        user=db.session.get(_user_model(), ctx.user_id) if ctx.user_id else None,
        title=str(spec.title),
        filename=job.filename if job else "",
        job_id=job_id,
        imported=len(rows),
        skipped=skipped,
        first_id=min(ids) if ids else None,
        last_id=max(ids) if ids else None,
    )


def _user_model() -> Any:
    """The users' model, as the security manager names it (FAB's hook: core names no area)."""
    return current_app.appbuilder.sm.user_model
