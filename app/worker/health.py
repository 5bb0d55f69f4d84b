"""Is a worker running? The latest run of each scheduled job (the outbox page's header, for the
administrator an import page sends to: "请联系管理员确认后台工作进程是否在运行"), and the doctor's
check that some worker ran a job lately.

Read from the run log (`JobRun`): a running worker logs a run every minute (the outbox job,
whichever worker takes its lease), so nothing there for RECENT means no worker runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.doctor import Finding
from app.worker.models import JobRun

RECENT = timedelta(minutes=10)

# The scheduled jobs as the administrator reads them (app/worker/jobs.py JOBS).
JOB_LABELS = {
    "imports": _l("Excel imports"),
    "reminders": _l("Deadline reminders"),
    "outbox": _l("Sending e-mails and text messages"),
}


@dataclass(frozen=True)
class JobHealth:
    name: str
    label: str
    started_at: datetime | None
    outcome: str  # done / failed / running, "" when never run


def _latest(session: Session, name: str) -> JobRun | None:
    # ix_job_run_name_slot: one probe per job, however long the run log (a row a minute).
    return session.execute(
        select(JobRun).where(JobRun.name == name).order_by(JobRun.slot_at.desc(), JobRun.id.desc()).limit(1)
    ).scalar_one_or_none()


def last_runs(session: Session) -> list[JobHealth]:
    """The latest run of each scheduled job (the unleased import polling logs no runs: its line
    shows when a worker last ran any job)."""
    from app.worker.jobs import JOBS

    runs = {job.name: _latest(session, job.name) for job in JOBS if job.leased}
    seen = max((r.started_at for r in runs.values() if r is not None), default=None)
    out = []
    for job in JOBS:
        label = str(JOB_LABELS.get(job.name, job.name))
        run = runs.get(job.name)
        if run is not None:
            out.append(JobHealth(job.name, label, run.started_at, run.outcome))
        elif not job.leased:
            out.append(JobHealth(job.name, label, seen, "done" if seen else ""))
        else:
            out.append(JobHealth(job.name, label, None, ""))
    return out


def last_seen(session: Session) -> datetime | None:
    """When a worker last started a scheduled job (the outbox job runs every minute)."""
    return max((h.started_at for h in last_runs(session) if h.started_at is not None), default=None)


def is_running(session: Session, now: datetime | None = None) -> bool:
    seen = last_seen(session)
    return seen is not None and (now or clock.now()) - seen <= RECENT


def check_worker() -> Finding:
    """`flask xf doctor`: has a worker run a job in the last RECENT?"""
    from app.extensions import db

    name = gettext("Background worker")
    seen = last_seen(db.session)
    minutes = int(RECENT.total_seconds() // 60)
    if seen is None:
        return Finding(False, name, gettext(
            "No worker has ever run a job: reminders, e-mails, text messages and Excel imports wait. "
            "Start one beside the web servers: flask --app run xf worker."))
    if clock.now() - seen > RECENT:
        return Finding(False, name, gettext(
            "No worker has run a job in the last %(n)d minutes (the last at %(at)s): reminders, "
            "e-mails, text messages and Excel imports wait. Check that flask --app run xf worker runs.",
            n=minutes, at=f"{seen:%Y-%m-%d %H:%M}"))
    return Finding(True, name, gettext("A worker ran a job at %(at)s.", at=f"{seen:%Y-%m-%d %H:%M}"))
