"""The worker's jobs: what runs, and how often (each slot once, by one worker; see lease.py).

WORKER_INTERVALS in the configuration ({"reminders": 600, …} seconds) overrides the slots.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from app.worker.runner import ScheduledJob


def _imports(app: Flask) -> int:
    from app.core.imports import run_pending_imports
    from app.worker.runner import current_holder

    return run_pending_imports(app, current_holder())


def _reminders(app: Flask) -> str:  # noqa: ARG001
    from app.worker.reminders import send_due_reminders

    return send_due_reminders()


def _outbox(app: Flask) -> str:  # noqa: ARG001
    from app.worker.reminders import deliver_outbox

    return deliver_outbox()


JOBS: list[ScheduledJob] = [
    # Every worker polls for uploads; each upload is claimed by one of them.
    ScheduledJob("imports", timedelta(seconds=5), _imports, leased=False),
    # 临期/超期 of cases, 督办 answers and sweep reports due: idempotent, so hourly is harmless.
    ScheduledJob("reminders", timedelta(hours=1), _reminders),
    ScheduledJob("outbox", timedelta(minutes=1), _outbox),
]
