"""The pages of an Excel import: template, upload, progress, error report (app/core/imports/).

An area exposes its spec with a small subclass and registers it like any view:

    class LedgerImportView(ImportView):
        spec = LEDGER_IMPORT
        permission_group = "ledger_import"       # grant READ | IMPORT in ROLE_GRANTS
        route_base = "/ledgers/import"
        list_endpoint = "LedgerEntryView.list"   # "see the imported records"

The upload only records the job; the worker process runs it (app/worker/). Every page needs the
one permission `can_import`. A job is only ever shown to the user who
uploaded it (anyone else gets a 404).
"""

from __future__ import annotations

import io
from typing import Any

from flask import abort, current_app, flash, g, jsonify, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from app.core.clock import now
from app.core.imports import (
    JOB_PAGES,
    ImportJob,
    ImportSpec,
    JobStatus,
    _mb,
    build_template,
    check_upload,
    error_workbook,
    register_spec,
    template_filename,
)
from app.extensions import db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_ON_PAGE = 300


class ImportView(BaseView):
    """Base of every import page; subclasses set `spec`, `permission_group`, `route_base`."""

    spec: ImportSpec
    permission_group: str = ""
    list_endpoint: str | None = None
    default_view = "index"
    method_permission_name = {
        name: "import" for name in ("index", "template", "upload", "job", "job_status", "job_errors", "job_result")
    }
    # Declared equal so FAB's security_converge sees nothing to migrate (no spurious warnings).
    previous_method_permission_name = method_permission_name

    def __init__(self) -> None:
        super().__init__()
        register_spec(self.spec)
        JOB_PAGES[self.spec.name] = self.route_base

    # --- pages ------------------------------------------------------------------------------------

    def _max_bytes(self) -> int:
        return int(current_app.config.get("MAX_CONTENT_LENGTH") or 10 * 1024 * 1024)

    def _page(self, error: str | None = None):
        """The import page; a refused upload shows it again with the reason (200, like a form)."""
        jobs = db.session.execute(
            select(ImportJob)
            .where(ImportJob.spec == self.spec.name, ImportJob.created_by_id == g.user.id)
            .order_by(ImportJob.created_at.desc(), ImportJob.id.desc())
            .limit(10)
        ).scalars().all()
        page = self.render_template(
            "xf/imports/index.html",
            title=gettext("Import: %(title)s", title=str(self.spec.title)),
            spec=self.spec,
            jobs=jobs,
            error=error,
            max_bytes=self._max_bytes(),
            max_mb=_mb(self._max_bytes()),
            status_label=JobStatus.label_of,
        )
        return page

    @expose("/")
    @has_access
    def index(self):
        return self._page()

    @expose("/template")
    @has_access
    def template(self):
        return send_file(
            io.BytesIO(build_template(self.spec)),
            mimetype=XLSX,
            as_attachment=True,
            download_name=template_filename(self.spec),
        )

    @expose("/upload", methods=["POST"])
    @has_access
    def upload(self):
        max_bytes = self._max_bytes()
        try:
            upload = request.files.get("file")
        except RequestEntityTooLarge:
            return self._page(gettext("The file is larger than %(mb)s MB.", mb=_mb(max_bytes)))
        if upload is None or not upload.filename:
            return self._page(gettext("Choose the filled-in .xlsx file first."))
        data = upload.read(max_bytes + 1)
        error = check_upload(self.spec, data, max_bytes)
        if error:
            return self._page(error)
        user = g.user
        job = ImportJob(
            spec=self.spec.name,
            status=JobStatus.QUEUED.value,
            filename=(upload.filename or "")[-200:],
            size=len(data),
            payload=data,
            created_by_id=user.id,
            org_unit_id=getattr(user, "org_unit_id", None),
            created_at=now(),
            heartbeat_at=now(),
        )
        db.session.add(job)
        # The worker process (flask xf worker) takes it from here; this request is done.
        db.session.commit()
        return redirect(url_for(f"{self.endpoint}.job", job_id=job.id))

    def _job(self, job_id: int) -> ImportJob:
        job = db.session.execute(
            select(ImportJob).where(
                ImportJob.id == job_id,
                ImportJob.spec == self.spec.name,
                ImportJob.created_by_id == g.user.id,
            )
        ).scalar_one_or_none()
        if job is None:
            abort(404)
        return job

    @expose("/job/<int:job_id>")
    @has_access
    def job(self, job_id: int):
        job = self._job(job_id)
        errors = job.error_list if job.status == JobStatus.FAILED.value else []
        return self.render_template(
            "xf/imports/job.html",
            title=gettext("Import: %(title)s", title=str(self.spec.title)),
            spec=self.spec,
            job=job,
            state=self._state(job),
            errors=errors[:ERRORS_ON_PAGE],
            errors_on_page=ERRORS_ON_PAGE,
            list_url=url_for(self.list_endpoint) if self.list_endpoint else None,
        )

    @expose("/job/<int:job_id>/status")
    @has_access
    def job_status(self, job_id: int):
        return jsonify(self._state(self._job(job_id)))

    @expose("/job/<int:job_id>/errors.xlsx")
    @has_access
    def job_errors(self, job_id: int):
        job = self._job(job_id)
        return send_file(
            io.BytesIO(error_workbook(self.spec, job.error_list)),
            mimetype=XLSX,
            as_attachment=True,
            download_name=gettext("Import errors %(id)s.xlsx", id=job.id),
        )

    @expose("/job/<int:job_id>/result", methods=["POST"])
    @has_access
    def job_result(self, job_id: int):
        """The job's one-time result (ImportSpec.one_time_result), to its uploader, once: the job
        is marked taken in the same transaction, by one conditional update (two clicks racing
        each other: the second gets the page again with the reason)."""
        from sqlalchemy import update

        from app.core.imports.jobs import ImportedRow
        from app.core.imports.spec import ImportContext
        from app.core.scoping import current_scope

        job = self._job(job_id)
        if self.spec.one_time_result is None:
            abort(404)
        if job.status != JobStatus.DONE.value or job.result_taken_at is not None:
            flash(gettext("This file was handed out already; it is not offered again."), "warning")
            return redirect(url_for(f"{self.endpoint}.job", job_id=job.id))
        taken = db.session.execute(
            update(ImportJob).where(ImportJob.id == job.id, ImportJob.result_taken_at.is_(None))
            .values(result_taken_at=now())
        ).rowcount
        if taken != 1:
            db.session.rollback()
            flash(gettext("This file was handed out already; it is not offered again."), "warning")
            return redirect(url_for(f"{self.endpoint}.job", job_id=job.id))
        ids = [i for i in db.session.execute(
            select(ImportedRow.record_id).where(ImportedRow.job_id == job.id).order_by(ImportedRow.id)
        ).scalars() if i is not None]
        ctx = ImportContext(scope=current_scope(), user_id=g.user.id, org_unit_id=getattr(g.user, "org_unit_id", None),
                            session=db.session, job_id=job.id)
        filename, data = self.spec.take_result(ids, ctx)
        db.session.commit()
        response = send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=filename)
        response.headers["Cache-Control"] = "no-store"
        return response

    @staticmethod
    def _state(job: ImportJob) -> dict[str, Any]:
        status = job.status
        message = job.message or ""
        if job.is_stale:
            message = gettext("The worker running this import seems to have stopped: the import will start again shortly, or be marked failed with the reason.")
        elif job.is_unclaimed:
            message = gettext("Waiting for the background worker to start the import. If this lasts, ask the administrator whether the worker process (flask xf worker) is running.")
        total = job.total_rows or 0
        if status == JobStatus.VALIDATING.value and total:
            percent = int(90 * (job.processed_rows or 0) / total)
        elif status == JobStatus.SAVING.value:
            percent = 95
        elif status in (JobStatus.DONE.value, JobStatus.FAILED.value):
            percent = 100
        else:
            percent = 0
        return {
            "status": status,
            "label": JobStatus.label_of(status),
            "finished": status in (JobStatus.DONE.value, JobStatus.FAILED.value),
            "total": total,
            "processed": job.processed_rows or 0,
            "imported": job.imported_count or 0,
            "skipped": job.skipped_count or 0,
            "errors": job.error_count or 0,
            "percent": percent,
            "message": message,
        }
