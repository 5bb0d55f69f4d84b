"""Leases: with several workers against one database, each scheduled job runs once per slot.

A slot is the job's interval counted from midnight (every 5 minutes: 08:00, 08:05 …; daily: the
day). A worker that wants to run a job for a slot takes the job's lease with one atomic UPDATE:

    UPDATE job_lease SET holder = me, expires_at = now + ttl, slot_at = :slot
     WHERE name = :job AND expires_at < now AND (slot_at IS NULL OR slot_at < :slot)

The database runs that statement for one worker at a time (a row lock on PostgreSQL, the write
lock on SQLite): exactly one worker sees "1 row updated" and runs the job; the others see 0 and
skip the slot. A worker that dies while holding the lease keeps it only until `expires_at`; the
next slot is then taken by whoever comes first. The times are the app servers' clock
(clock.now()): keep the machines' clocks synchronised (NTP), as for every deadline.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, update

from app.core.clock import now
from app.core.database import insert_ignoring_duplicates, write_transactions
from app.worker.models import JobLease

# A lease never taken yet has expired long ago.
NEVER = datetime(2000, 1, 1)


def worker_name() -> str:
    """This worker process: host, pid and a random part (a pid may be reused after a restart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def slot_start(moment: datetime, every: timedelta) -> datetime:
    """The start of the slot holding `moment`: slots of `every` counted from midnight."""
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    seconds = int(every.total_seconds())
    if seconds >= 86400:
        days = seconds // 86400
        return midnight - timedelta(days=midnight.toordinal() % days)
    elapsed = int((moment - midnight).total_seconds())
    return midnight + timedelta(seconds=elapsed - elapsed % seconds)


def take(engine, name: str, holder: str, slot: datetime, ttl: timedelta) -> bool:
    """Take job `name`'s lease for `slot`; True for exactly one caller per slot."""
    moment = now()
    with write_transactions(), engine.begin() as connection:
        connection.execute(
            insert_ignoring_duplicates(connection, JobLease).values(
                name=name, holder="", expires_at=NEVER, slot_at=None)
        )
        taken = connection.execute(
            update(JobLease)
            .where(
                JobLease.name == name,
                JobLease.expires_at < moment,
                or_(JobLease.slot_at.is_(None), JobLease.slot_at < slot),
            )
            .values(holder=holder, expires_at=moment + ttl, slot_at=slot)
        ).rowcount
    return taken == 1


def release(engine, name: str, holder: str) -> None:
    """Give the lease back after the run (the slot stays taken: it is not run again)."""
    with write_transactions(), engine.begin() as connection:
        connection.execute(
            update(JobLease)
            .where(JobLease.name == name, JobLease.holder == holder)
            .values(expires_at=now() - timedelta(seconds=1))
        )
