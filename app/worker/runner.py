"""`flask --app run xf worker`: run the scheduled jobs and the Excel imports until stopped.

Why APScheduler: it gives the worker what a hand-written loop would have to grow — a thread pool
(a long import does not hold up the reminders), one run at a time per job (`max_instances=1`),
missed runs coalesced after a pause, and a clean shutdown on Ctrl-C — and it is widely used and
maintained. It only says *when* to try; *who* runs a job when several workers are up is decided
in the database by the lease (app/worker/lease.py), so any number of workers may run.

Each job is tried every `tick` seconds (often, so a slot is not missed when workers start at
different moments) and runs when its lease for the current slot is taken. The Excel imports are
polled the same way but need no lease: each queued import is claimed by one worker with its own
atomic update (app/core/imports/running.py).
"""

from __future__ import annotations

import logging
import signal
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask
from sqlalchemy import update

from app.core.clock import now
from app.core.database import write_transactions
from app.worker import lease
from app.worker.models import JobRun

log = logging.getLogger(__name__)
_holder = threading.local()


def current_holder() -> str:
    """The name of the worker running the current job ("inline" outside the worker)."""
    return getattr(_holder, "name", "inline")


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    every: timedelta  # the slot: the job runs once per slot, by one worker
    run: Callable[[Flask], object]  # called inside an app context; returns a short summary
    leased: bool = True  # False: every worker runs it on each tick (it claims its own work)


def _jobs() -> list[ScheduledJob]:
    from app.worker import jobs

    return jobs.JOBS


def intervals(app: Flask) -> dict[str, timedelta]:
    """Each job's slot: the defaults, overridden by WORKER_INTERVALS {"name": seconds}."""
    configured = app.config.get("WORKER_INTERVALS") or {}
    return {job.name: timedelta(seconds=float(configured.get(job.name, job.every.total_seconds())))
            for job in _jobs()}


def run_once(app: Flask, job: ScheduledJob, holder: str, every: timedelta | None = None) -> bool:
    """Try `job` for the current slot: run it if this worker takes the lease. True if it ran."""
    from app.extensions import db

    every = every or job.every
    _holder.name = holder
    with app.app_context():
        if not job.leased:
            try:
                job.run(app)
            finally:
                db.session.remove()
            return True
        slot = lease.slot_start(now(), every)
        ttl = max(every, timedelta(minutes=5))
        if not lease.take(db.engine, job.name, holder, slot, ttl):
            return False
        with write_transactions(), db.engine.begin() as connection:
            run_id = connection.execute(
                JobRun.__table__.insert().values(name=job.name, slot_at=slot, holder=holder,
                                                 started_at=now(), outcome="running")
            ).inserted_primary_key[0]
        outcome, detail = "done", None
        try:
            summary = job.run(app)
            detail = str(summary) if summary is not None else None
        except Exception:  # noqa: BLE001 — logged and recorded; the next slot tries again
            db.session.rollback()
            log.exception("scheduled job %s failed", job.name)
            outcome, detail = "failed", traceback.format_exc(limit=5)[-4000:]
        finally:
            db.session.remove()
            with write_transactions(), db.engine.begin() as connection:
                connection.execute(update(JobRun).where(JobRun.id == run_id).values(
                    finished_at=now(), outcome=outcome, detail=detail))
            lease.release(db.engine, job.name, holder)
        return True


def run_worker(app: Flask, tick: float = 10.0, stop: threading.Event | None = None) -> None:
    """Run until Ctrl-C / SIGTERM (or `stop` is set): every job tried every `tick` seconds."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler

    holder = lease.worker_name()
    slots = intervals(app)
    stop = stop or threading.Event()
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )
    for job in _jobs():
        every = slots[job.name]
        seconds = min(tick, every.total_seconds())
        scheduler.add_job(run_once, "interval", seconds=seconds, args=(app, job, holder, every),
                          id=job.name, name=job.name, next_run_time=now_utc())
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    log.info("worker %s started: %s", holder, ", ".join(f"{n} every {s}" for n, s in slots.items()))
    scheduler.start()
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)
        log.info("worker %s stopped", holder)


def now_utc():
    from datetime import UTC, datetime

    return datetime.now(UTC)
