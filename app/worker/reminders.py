"""Reminders on a schedule: which records are due one, and the record that each went out once.

- Cases: 临期 and 超期 exactly as app/cases/flags.py defines them (the one definition), to the
  users whose work queue holds the case (`workflow.queue_clause`, the same rule as 我的待办) and
  the leaders of their units.
- 督办单: an answer due soon or overdue (`orders.answer_due_clause`), to the addressed unit's
  users who answer orders (`orders.answers_orders`).
- 排查 reports: a township's own report not filed when its cut-off is near or passed
  (`sweeps.unfiled_township_reports`), once per township and period, to the township's users
  who file sweep reports; and a 风险期 starting within REMIND_DAYS or running
  (`risk_periods.starting_soon`), once per 风险期 and township, to the same users.

Each reminder is recorded in `reminder_sent`, keyed by (record, stage, kind, due date): a run
that finds it there sends nothing, so running the worker twice — or two workers — never reminds
twice; a new stage or a new deadline (an extension) reminds again.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from app.core.clock import now
from app.core.database import insert_ignoring_duplicates, write_transactions
from app.worker.models import ReminderSent

log = logging.getLogger(__name__)

NEAR = "near"
OVERDUE = "overdue"
DUE = "due"  # a sweep report: one reminder per township and period, near or late alike


@dataclass
class Reminder:
    subject: str  # "case" / "order" / "sweep"
    subject_id: int
    stage: str
    kind: str  # NEAR / OVERDUE
    due_on: date
    recipients: set[int] = field(default_factory=set)

    @property
    def key(self) -> tuple[str, int, str, str, date]:
        return (self.subject, self.subject_id, self.stage, self.kind, self.due_on)


def _active_users(session) -> list:
    from app.security.models import AppUser

    return session.execute(select(AppUser).where(AppUser.active.is_(True))).scalars().all()


def _leaders_by_unit(users: Iterable) -> dict[int, set[int]]:
    from app.security.roles import RoleName

    leaders: dict[int, set[int]] = defaultdict(set)
    for user in users:
        if user.org_unit_id and RoleName.LEADER in {r.name for r in user.roles}:
            leaders[user.org_unit_id].add(user.id)
    return leaders


def due_case_reminders(session, moment: datetime | None = None) -> list[Reminder]:
    """Open cases 临期 or 超期 now, each with its holders and their units' leaders."""
    from app.cases import flags
    from app.cases.models import Case
    from app.cases.workflow import queue_clause
    from app.deadlines.policy import current_policy

    moment = moment or now()
    policy = current_policy()
    overdue = flags.overdue_clause(moment)
    due = flags.due_clause(moment, policy)
    users = _active_users(session)
    leaders = _leaders_by_unit(users)
    found: dict[int, Reminder] = {}
    for user in users:
        rows = session.execute(
            # due = 临期 or 超期; not 超期 within it is 临期 (flags.near_clause).
            select(Case.id, Case.status, Case.next_due_at, overdue.label("overdue"))
            .where(due, queue_clause(user))
        ).all()
        for case_id, status, due_at, is_overdue in rows:
            reminder = found.get(case_id)
            if reminder is None:
                reminder = found[case_id] = Reminder(
                    "case", case_id, status, OVERDUE if is_overdue else NEAR, due_at.date())
            reminder.recipients.add(user.id)
            if user.org_unit_id:
                reminder.recipients.update(leaders.get(user.org_unit_id, ()))
    return sorted(found.values(), key=lambda r: r.subject_id)


def due_order_reminders(session, moment: datetime | None = None) -> list[Reminder]:
    """督办单 whose answer is due soon or overdue, to the addressed unit's users who may answer."""
    from app.deadlines.policy import current_policy
    from app.supervision import orders
    from app.supervision.models import SupervisionOrder

    moment = moment or now()
    today = moment.date()
    boundary = current_policy().near_boundary(moment).date()
    users_by_unit: dict[int, list] = defaultdict(list)
    for user in _active_users(session):
        if user.org_unit_id:
            users_by_unit[user.org_unit_id].append(user)
    found = []
    for order in session.execute(
        select(SupervisionOrder).where(orders.answer_due_clause(boundary)).order_by(SupervisionOrder.id)
    ).scalars():
        kind = OVERDUE if order.due_on < today else NEAR
        recipients = {u.id for u in users_by_unit.get(order.unit_id, []) if orders.answers_orders(order, u)}
        found.append(Reminder("order", order.id, order.status, kind, order.due_on, recipients))
    return found


def due_sweep_reminders(session, moment: datetime | None = None) -> list[Reminder]:
    """Townships whose own 排查 report is due soon or late and not filed, to the township's
    users who file sweep reports (the permission layer's `can_file`)."""
    from app.deadlines.policy import current_policy
    from app.ledgers import risk_periods, sweeps
    from app.security.roles import roles_granted

    moment = moment or now()
    filers = set(roles_granted("sweeps", "can_file"))
    users_by_unit: dict[int, set[int]] = defaultdict(set)
    for user in _active_users(session):
        if user.org_unit_id and filers & {r.name for r in user.roles}:
            users_by_unit[user.org_unit_id].add(user.id)
    found = [
        Reminder("sweep", unit.id, period.level, DUE, period.due_at.date(), set(users_by_unit.get(unit.id, ())))
        for unit, period in sweeps.unfiled_township_reports(session, moment, current_policy().near_boundary(moment))
    ]
    # A 风险期 running or about to start: its townships are told once of the cadence it sets.
    found.extend(
        Reminder("risk", unit.id, str(risk.id), DUE, risk.starts_on, set(users_by_unit.get(unit.id, ())))
        for risk, unit in risk_periods.starting_soon(session, moment.date())
    )
    return found


def record_new(session, reminders: Iterable[Reminder]) -> list[Reminder]:
    """Record the reminders not sent before; return only those (the ones to send now).

    INSERT … ON CONFLICT DO NOTHING per key: of two workers racing, one inserts, one skips."""
    fresh = []
    for reminder in reminders:
        subject, subject_id, stage, kind, due_on = reminder.key
        inserted = session.execute(
            insert_ignoring_duplicates(session, ReminderSent).values(
                subject=subject, subject_id=subject_id, stage=stage, kind=kind, due_on=due_on,
                sent_at=now(), recipients=json.dumps(sorted(reminder.recipients)))
            .returning(ReminderSent.id)
        ).scalar()
        if inserted is not None:
            fresh.append(reminder)
    return fresh


def send_due_reminders(moment: datetime | None = None) -> str:
    """The worker's "reminders" job: find what is due, record and send what was not sent yet."""
    from app.extensions import db

    session = db.session
    moment = moment or now()
    due = (due_case_reminders(session, moment) + due_order_reminders(session, moment)
           + due_sweep_reminders(session, moment))
    session.rollback()
    with write_transactions():
        fresh = record_new(session, due)
        for reminder in fresh:
            _send(session, reminder)
        session.commit()
    return f"{len(due)} due, {len(fresh)} sent"


def _send(session, reminder: Reminder) -> None:
    """A new reminder becomes an in-app notification (and e-mail/SMS by each user's choice) to
    its recipients; `notify` checks again that each may open the record."""
    from flask_babel import gettext

    from app.cases.models import Case
    from app.ledgers import sweeps
    from app.notifications import notify
    from app.notifications.models import NotificationKind as K
    from app.org.models import OrgUnit
    from app.security.models import AppUser
    from app.supervision import orders
    from app.supervision.models import SupervisionOrder

    if not reminder.recipients:
        return
    day = reminder.due_on.isoformat()
    if reminder.subject == "sweep":
        record = session.get(OrgUnit, reminder.subject_id)
        if record is None:
            return
        period = sweeps.township_period(session, record.id, reminder.due_on)
        kind, url = K.SWEEP_DUE, sweeps.period_url(period)
        title = gettext("Sweep report due: %(unit)s, %(period)s, cut-off %(cutoff)s", unit=record.name,
                        period=period.label, cutoff=f"{period.due_at:%Y-%m-%d %H:%M}")
    elif reminder.subject == "risk":
        from app.ledgers import risk_periods
        from app.ledgers.models import RiskPeriod

        record = session.get(OrgUnit, reminder.subject_id)
        risk = session.get(RiskPeriod, int(reminder.stage))
        if record is None or risk is None:
            return
        period = sweeps.township_period(session, record.id, max(risk.starts_on, reminder.due_on))
        kind, url = K.SWEEP_DUE, sweeps.period_url(period)
        title = gettext("Risk period %(name)s, %(dates)s: %(unit)s files sweep reports %(cadence)s",
                        name=risk.name, dates=risk.dates_label, unit=record.name,
                        cadence=risk_periods.cadence_label(risk))
    elif reminder.subject == "order":
        record = session.get(SupervisionOrder, reminder.subject_id)
        if record is None:
            return
        kind, url = K.ORDER_DUE, orders.order_url(record)
        title = gettext("Supervision answer due: %(name)s, %(day)s", name=record.number, day=day)
    else:
        record = session.get(Case, reminder.subject_id)
        if record is None:
            return
        url = f"/cases/show/{record.id}"
        if reminder.kind == OVERDUE:
            kind, title = K.DEADLINE_OVERDUE, gettext("Overdue: %(name)s, due %(day)s", name=record.number, day=day)
        else:
            kind, title = K.DEADLINE_NEAR, gettext("Due soon: %(name)s, due %(day)s", name=record.number, day=day)
    users = session.execute(select(AppUser).where(AppUser.id.in_(reminder.recipients))).scalars().all()
    notify(session, kind, record=record, users=users, title=title, url=url)


def deliver_outbox() -> str:
    """The worker's "outbox" job: send what waits in the outbox (app/notifications/)."""
    from app.core.clock import now as wall_clock
    from app.core.database import write_transactions
    from app.extensions import db
    from app.notifications import deliver_outbox as deliver

    with write_transactions():
        report = deliver(db.session, wall_clock())
        db.session.commit()
    return f"sent {report.sent}, failed {report.failed}, still due {report.remaining}"
