"""临期/超期 reminders: which cases are due one (flags' definition), who gets it (the holders —
the unit handling the case — and their leaders, nobody of another township), and never twice."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select, update

from app.cases.models import Case, Category
from app.security.models import AppUser
from app.worker.models import ReminderSent
from app.worker.reminders import send_due_reminders
from tests.support import county_now


def user_id(db_session, username: str) -> int:
    return db_session.execute(select(AppUser.id).where(AppUser.username == username)).scalar_one()


def handled_by(db_session, username: str, count: int) -> list[int]:
    """Cases being handled (承办) by the unit of `username` (not 检举控告)."""
    unit = db_session.execute(select(AppUser.org_unit_id).where(AppUser.username == username)).scalar_one()
    ids = db_session.execute(
        select(Case.id).where(Case.status == "handling", Case.responsible_unit_id == unit,
                              Case.category != Category.ACCUSATION.value)
        .order_by(Case.id).limit(count)).scalars().all()
    assert len(ids) == count, "the demo county has cases handled by the unit"
    return ids


def sent(db_session, case_id: int) -> list[ReminderSent]:
    return db_session.execute(select(ReminderSent).where(
        ReminderSent.subject == "case", ReminderSent.subject_id == case_id)).scalars().all()


def case_reminders(db_session) -> int:
    db_session.rollback()
    return db_session.execute(select(func.count()).select_from(ReminderSent).where(
        ReminderSent.subject == "case")).scalar()


def run(app, db_session) -> int:
    """How many case reminders one run of the job sent (it also reminds 督办单 and 排查 reports)."""
    before = case_reminders(db_session)
    with app.app_context():
        send_due_reminders()
    return case_reminders(db_session) - before


def test_overdue_and_near_cases_remind_their_holders_and_leaders_once(app, db_session):
    overdue, near = handled_by(db_session, "handler", 2)
    moment = county_now()
    # No other open case is due: only these three are in question.
    db_session.execute(update(Case).where(Case.next_due_at.is_not(None)).values(
        next_due_at=moment + timedelta(days=200)))
    db_session.execute(update(Case).where(Case.id == overdue).values(next_due_at=moment - timedelta(days=1)))
    db_session.execute(update(Case).where(Case.id == near).values(next_due_at=moment + timedelta(hours=2)))

    assert run(app, db_session) == 2
    [late_note], [near_note] = sent(db_session, overdue), sent(db_session, near)
    assert (late_note.kind, late_note.stage, late_note.due_on) == ("overdue", "handling", (moment - timedelta(days=1)).date())
    assert (near_note.kind, near_note.due_on) == ("near", (moment + timedelta(hours=2)).date())
    assert case_reminders(db_session) == 2
    recipients = set(json.loads(late_note.recipients))
    assert {user_id(db_session, "handler"), user_id(db_session, "leader")} <= recipients
    others = {user_id(db_session, name) for name in ("handler_hd", "leader_hd", "clerk2", "handler_rsj")}
    assert not recipients & others
    # The handler's bell: one 超期 notification for the overdue case, none for the other township.
    from app.notifications.models import Notification

    def bell(name: str) -> list[tuple[str, int]]:
        return [tuple(r) for r in db_session.execute(
            select(Notification.kind, Notification.record_id).where(Notification.user_id == user_id(db_session, name),
                                                                    Notification.kind.like("deadline_%")))]
    assert ("deadline_overdue", overdue) in bell("handler") and ("deadline_near", near) in bell("handler")
    assert bell("handler_hd") == [] and bell("clerk2") == []

    # Running again (or a second worker) sends nothing twice.
    before = db_session.execute(select(func.count()).select_from(ReminderSent)).scalar()
    assert run(app, db_session) == 0
    assert db_session.execute(select(func.count()).select_from(ReminderSent)).scalar() == before
    assert bell("handler").count(("deadline_overdue", overdue)) == 1

    # A new deadline (an extension granted): reminded again when it in turn comes near.
    db_session.execute(update(Case).where(Case.id == overdue).values(next_due_at=moment + timedelta(hours=3)))
    assert run(app, db_session) == 1
    assert sorted(n.kind for n in sent(db_session, overdue)) == ["near", "overdue"]
