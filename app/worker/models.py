"""The worker's bookkeeping tables: job leases, the run log, and the reminders already sent."""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, Date, DateTime, Index, Integer, String, Text, UniqueConstraint

from app.core.clock import now


class JobLease(Model):
    """Who runs a scheduled job now, until when, and the latest slot taken (app/worker/lease.py).

    Bookkeeping only; never served by a view."""

    __tablename__ = "job_lease"

    name = Column(String(40), primary_key=True)
    holder = Column(String(100), nullable=False, default="")
    expires_at = Column(DateTime, nullable=False)
    # The start of the latest slot a worker took: a slot is run once, by one worker.
    slot_at = Column(DateTime, nullable=True)


class JobRun(Model):
    """One run of a scheduled job: which slot, which worker, how it ended (for the administrator
    and for the tests that check each slot ran once)."""

    __tablename__ = "job_run"
    __table_args__ = (Index("ix_job_run_name_slot", "name", "slot_at"),)

    id = Column(Integer, primary_key=True)
    name = Column(String(40), nullable=False)
    slot_at = Column(DateTime, nullable=False)
    holder = Column(String(100), nullable=False, default="")
    started_at = Column(DateTime, nullable=False, default=now)
    finished_at = Column(DateTime, nullable=True)
    outcome = Column(String(16), nullable=False, default="running")  # running / done / failed
    detail = Column(Text, nullable=True)


class ReminderSent(Model):
    """A reminder already sent: one per record, stage, kind and due date, whatever the runs.

    subject: "case", "order" (督办单) or "sweep" (a township's 排查 report for a period);
    stage: the case's status, the order's status, or the sweep's org level;
    kind: "near" (临期) or "overdue" (超期); "due" for a sweep report (once per period);
    due_on: the deadline's day (a new deadline — an extension, a new period — reminds again).
    """

    __tablename__ = "reminder_sent"
    __table_args__ = (
        UniqueConstraint("subject", "subject_id", "stage", "kind", "due_on", name="uq_reminder_sent"),
    )

    id = Column(Integer, primary_key=True)
    subject = Column(String(16), nullable=False)
    subject_id = Column(Integer, nullable=False)
    stage = Column(String(24), nullable=False)
    kind = Column(String(16), nullable=False)
    due_on = Column(Date, nullable=False)
    sent_at = Column(DateTime, nullable=False, default=now)
    # JSON list of the user ids reminded (the holders and their leaders).
    recipients = Column(Text, nullable=False, default="[]")
