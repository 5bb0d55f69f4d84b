"""An Excel import finished (done or failed): the user who uploaded the file is told
(IMPORT_FINISHED), through the `import_finished` signal of app/core/imports."""

from __future__ import annotations

import logging

from flask import Flask
from flask_babel import force_locale, gettext

from app.core.imports import JOB_PAGES, SPECS, ImportJob, JobStatus

log = logging.getLogger(__name__)


def on_import_finished(job_id: int, *, app: Flask) -> None:
    """IMPORT_FINISHED to the user who uploaded the file, with the counts, linking to the job's
    result page. Never fails the import: a notification lost is logged, the import stands."""
    from app.core.database import write_transactions
    from app.extensions import db
    from app.notifications import notify
    from app.notifications.models import NotificationKind
    from app.security.models import AppUser

    session = db.session
    try:
        session.rollback()
        job = session.get(ImportJob, job_id)
        if job is None or job.status not in (JobStatus.DONE.value, JobStatus.FAILED.value) or not job.created_by_id:
            return
        spec = SPECS.get(job.spec)
        page = JOB_PAGES.get(job.spec)
        with force_locale(app.config.get("BABEL_DEFAULT_LOCALE", "zh")), write_transactions():
            title = gettext(
                "%(title)s import (%(file)s): %(status)s, %(imported)d imported, %(errors)d errors",
                status=JobStatus.label_of(job.status), title=str(spec.title) if spec else job.spec,
                file=job.filename, imported=job.imported_count, errors=job.error_count,
            )
            notify(session, NotificationKind.IMPORT_FINISHED, record=job,
                   users=[session.get(AppUser, job.created_by_id)], title=title,
                   url=f"{page}/job/{job.id}" if page else None)
            session.commit()
    except Exception:  # noqa: BLE001 — the import is committed; only the message is lost
        session.rollback()
        log.exception("import job %s: the uploader could not be notified", job_id)
