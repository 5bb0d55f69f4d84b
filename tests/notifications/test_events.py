"""The notifications of the other areas (issue 18): a 督办单 to a unit and its answer due, a
联席会议 task, a 排查 report due, a 销号 application awaiting approval, an import finished.

Each goes to the people the rule names — and to nobody else: not another township, not a role
that does not act on it, never the unit a 检举控告 reports on — and links to the record."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.notifications.models import Notification
from app.security.models import AppUser
from app.worker.models import ReminderSent
from tests.support import county_now, county_today, form_errors, page_text

# Every demo role, county-level and township ones, and users of other townships and units.
EVERYONE = ("admin", "county_clerk", "county_leader", "county_supervisor", "county_manager", "xz_admin",
            "clerk", "handler", "leader", "supervisor", "manager", "clerk2", "handler_hd", "leader_hd",
            "handler_rsj", "handler_jw")


def told(db_session, kind: str, record_id: int, record_type: str) -> list[str]:
    """Who was told of the record (one name per notification: a name twice is a duplicate)."""
    db_session.rollback()
    return sorted(db_session.execute(
        select(AppUser.username).join(Notification, Notification.user_id == AppUser.id)
        .where(Notification.kind == kind, Notification.record_id == record_id,
               Notification.record_type == record_type)
    ).scalars())


def opens(client, db_session, username: str, kind: str, record_id: int) -> str:
    """The user follows their notification: where it leads, and that the page opens (200)."""
    db_session.rollback()
    note_id = db_session.execute(
        select(Notification.id).join(AppUser, AppUser.id == Notification.user_id)
        .where(AppUser.username == username, Notification.kind == kind, Notification.record_id == record_id)
    ).scalar_one()
    response = client.get(f"/notifications/open/{note_id}")
    assert response.status_code == 302
    target = response.headers["Location"]
    assert client.get(target).status_code == 200, target
    return target


def run_reminders(app, moment=None) -> str:
    from app.worker.reminders import send_due_reminders

    with app.app_context():
        return send_due_reminders(moment)


# --- 督办单 ----------------------------------------------------------------------------------------


def test_an_order_tells_the_units_answerers_and_its_answer_due_is_reminded_once(app, client_as, db_session):
    from tests.supervision.support import issue_form, latest_orders, make_case

    supervisor = client_as("supervisor")
    case = make_case(db_session, title="督办通知测试", due_in_days=-3)  # 城关镇 handles it
    response = supervisor.post("/supervision/orders/issue", data=issue_form(case.number))
    assert response.status_code == 302, form_errors(response)
    order = latest_orders(db_session)[0]
    # Those who answer orders for 城关镇 (its two 承办人, 领导); not the issuer, not the clerk or manager.
    assert told(db_session, "order_received", order.id, "SupervisionOrder") == ["handler", "handler_cg", "leader"]
    target = opens(client_as("handler"), db_session, "handler", "order_received", order.id)
    assert target.endswith(f"/supervision/orders/show/{order.id}")
    note = db_session.execute(select(Notification.title).where(
        Notification.kind == "order_received", Notification.record_id == order.id)).scalars().first()
    assert order.number in note and order.due_on.isoformat() in note

    # The answer comes due (the order's due day is past): reminded once, however often the worker runs.
    moment = county_now().replace(hour=12) + timedelta(days=(order.due_on - county_today()).days + 1)
    run_reminders(app, moment)
    run_reminders(app, moment)
    assert told(db_session, "order_due", order.id, "SupervisionOrder") == ["handler", "handler_cg", "leader"]
    assert db_session.execute(select(ReminderSent.kind).where(
        ReminderSent.subject == "order", ReminderSent.subject_id == order.id)).scalars().all() == ["overdue"]

    # Answered: nothing more is due.
    assert client_as("handler").post(f"/supervision/orders/answer/{order.id}",
                                     data={"text": "已落实整改"}).status_code == 302
    run_reminders(app, moment + timedelta(days=1))
    assert told(db_session, "order_due", order.id, "SupervisionOrder") == ["handler", "handler_cg", "leader"]


def test_an_order_on_an_accusation_never_reaches_the_unit_reported_on(client_as, db_session):
    from tests.supervision.support import issue_form, latest_orders, make_case, org

    rsj = org(db_session, "县人力资源和社会保障局")
    case = make_case(db_session, unit="县纪委监委", title="举报人社局干部督办测试", category="accusation",
                     reported_unit_id=rsj.id)
    response = client_as("county_supervisor").post("/supervision/orders/issue", data=issue_form(case.number))
    assert response.status_code == 302, form_errors(response)
    order = latest_orders(db_session)[0]
    assert told(db_session, "order_received", order.id, "SupervisionOrder") == ["handler_jw"]
    # The title names the order, not the case.
    titles = db_session.execute(select(Notification.title).where(
        Notification.kind == "order_received", Notification.record_id == order.id)).scalars().all()
    assert all(case.number not in t for t in titles)
    assert "督办测试" not in page_text(client_as("handler_rsj").get("/notifications/"))

    # Addressed by hand to the unit it reports on: refused, and nobody there is told anything.
    rsj_users = db_session.execute(select(AppUser.id).where(AppUser.org_unit_id == rsj.id)).scalars().all()

    def rsj_told() -> list[int]:
        return db_session.execute(select(Notification.id).where(
            Notification.user_id.in_(rsj_users), Notification.kind == "order_received")).scalars().all()

    before = rsj_told()  # (the demo's own orders to 县人社局 may have told them of others)
    response = client_as("county_supervisor").post("/supervision/orders/issue",
                                                   data=issue_form(case.number, unit=str(rsj.id)))
    assert response.status_code == 422
    assert any("不得向该单位下达" in e for e in form_errors(response)), form_errors(response)
    assert latest_orders(db_session)[0].id == order.id
    db_session.rollback()
    assert rsj_told() == before


# --- 联席会议 -------------------------------------------------------------------------------------


def test_a_meeting_task_tells_the_units_users_who_report_it_done(client_as, db_session):
    from tests.supervision.support import org
    from tests.supervision.test_meetings import _record

    supervisor = client_as("supervisor")
    meeting = _record(supervisor, db_session, title="联席会议通知测试")
    due = (county_today() + timedelta(days=7)).isoformat()
    response = supervisor.post(f"/supervision/meetings/task/{meeting.id}", data={
        "unit": str(org(db_session, "县人力资源和社会保障局").id), "description": "清理欠薪", "due_on": due})
    assert response.status_code == 302, form_errors(response)
    assert told(db_session, "meeting_task", meeting.id, "JointMeeting") == ["handler_rsj"]
    target = opens(client_as("handler_rsj"), db_session, "handler_rsj", "meeting_task", meeting.id)
    assert target.endswith(f"/supervision/meetings/show/{meeting.id}")

    response = supervisor.post(f"/supervision/meetings/task/{meeting.id}", data={
        "unit": str(org(db_session, "城关镇").id), "description": "整改超期件", "due_on": due})
    assert response.status_code == 302, form_errors(response)
    # 城关镇's handlers and leader (who report tasks done); the supervisor who gave it is not told.
    assert told(db_session, "meeting_task", meeting.id, "JointMeeting") == ["handler", "handler_cg", "handler_rsj", "leader"]


# --- 销号 -----------------------------------------------------------------------------------------


def test_a_closeout_application_awaits_the_leaders_of_the_entrys_place(client_as, db_session):
    from tests.ledgers.test_closeout import apply, resolved_entry

    entry = resolved_entry(db_session)  # 城关镇, its responsible unit 城关镇
    response = apply(client_as("handler"), entry.id)
    assert response.status_code == 302, form_errors(response)
    assert told(db_session, "closeout_awaited", entry.id, "LedgerEntry") == ["leader"]
    target = opens(client_as("leader"), db_session, "leader", "closeout_awaited", entry.id)
    assert target.endswith(f"/ledgers/entries/show/{entry.id}")


def test_a_closeout_of_a_departments_entry_also_awaits_that_departments_leaders(app, client_as, db_session):
    from tests.ledgers.support import make_user
    from tests.ledgers.test_closeout import apply, resolved_entry
    from tests.supervision.support import org

    make_user(app, "leader_rsj_test", "领导", "县人力资源和社会保障局")
    rsj = org(db_session, "县人力资源和社会保障局")
    entry = resolved_entry(db_session, responsible_unit_id=rsj.id)
    response = apply(client_as("handler_rsj"), entry.id)
    assert response.status_code == 302, form_errors(response)
    assert told(db_session, "closeout_awaited", entry.id, "LedgerEntry") == ["leader", "leader_rsj_test"]


# --- 排查报告 --------------------------------------------------------------------------------------


def test_an_unfiled_township_sweep_report_reminds_its_clerks_once_per_period(app, client_as, db_session):
    from app.ledgers import sweeps
    from app.ledgers.models import OrgLevel, SweepReport
    from tests.supervision.support import org

    town, hd = org(db_session, "城关镇"), org(db_session, "河东镇")
    rule = sweeps.rules(db_session)[OrgLevel.TOWNSHIP.value]
    period = sweeps.period_containing(rule, county_today())
    db_session.execute(SweepReport.__table__.delete().where(
        SweepReport.org_unit_id.in_([town.id, hd.id]), SweepReport.period_start == period.start))
    db_session.commit()

    # Near the cut-off, then past it: one reminder for the period, not one each time.
    run_reminders(app, period.due_at - timedelta(minutes=30))
    run_reminders(app, period.due_at + timedelta(hours=2))
    assert told(db_session, "sweep_due", town.id, "OrgUnit").count("clerk") == 1
    assert "clerk2" not in told(db_session, "sweep_due", town.id, "OrgUnit")
    assert told(db_session, "sweep_due", hd.id, "OrgUnit").count("clerk2") == 1
    for name in ("handler", "leader", "supervisor", "manager", "county_clerk", "county_leader", "admin"):
        assert name not in told(db_session, "sweep_due", town.id, "OrgUnit"), name
    rows = db_session.execute(select(ReminderSent).where(
        ReminderSent.subject == "sweep", ReminderSent.subject_id == town.id,
        ReminderSent.due_on == period.due_at.date())).scalars().all()
    assert len(rows) == 1
    target = opens(client_as("clerk"), db_session, "clerk", "sweep_due", town.id)
    assert f"period={period.start.isoformat()}" in target and "level=township" in target


def test_a_filed_sweep_report_is_not_reminded(app, client_as, db_session):
    from app.ledgers import sweeps
    from app.ledgers.models import OrgLevel, SweepReport
    from tests.supervision.support import org

    town = org(db_session, "城关镇")
    rule = sweeps.rules(db_session)[OrgLevel.TOWNSHIP.value]
    period = sweeps.period_containing(rule, county_today())
    db_session.execute(SweepReport.__table__.delete().where(
        SweepReport.org_unit_id == town.id, SweepReport.period_start.in_(
            [period.start, sweeps.previous_period(rule, period).start])))
    db_session.commit()
    response = client_as("clerk").post("/sweeps/zero", data={
        "unit": str(town.id), "period": period.start.isoformat()})
    assert response.status_code == 302, form_errors(response)
    run_reminders(app, period.due_at + timedelta(hours=2))
    db_session.rollback()
    due_days = db_session.execute(select(ReminderSent.due_on).where(
        ReminderSent.subject == "sweep", ReminderSent.subject_id == town.id)).scalars().all()
    # Only the previous period (removed above, so unfiled) is reminded; the filed one is not.
    assert due_days == [sweeps.previous_period(rule, period).due_at.date()]


# --- imports --------------------------------------------------------------------------------------


def test_a_finished_import_tells_the_uploader_with_the_counts(client_as, db_session):
    from app.core.imports import run_pending_imports
    from tests.core.test_imports import URL, row
    from tests.ledgers.support import upload, workbook

    clerk = client_as("clerk")
    response = upload(clerk, URL, workbook(clerk, URL, [row(title="导入通知测试一"), row(title="导入通知测试二")]))
    assert response.status_code == 302, page_text(response)
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert told(db_session, "import_finished", job_id, "ImportJob") == []  # queued, not finished
    run_pending_imports(clerk.application, "test-worker")
    assert told(db_session, "import_finished", job_id, "ImportJob") == ["clerk"]
    title = db_session.execute(select(Notification.title).where(
        Notification.kind == "import_finished", Notification.record_id == job_id)).scalar_one()
    assert "导入 2 条" in title and "错误 0 条" in title
    target = opens(clerk, db_session, "clerk", "import_finished", job_id)
    assert target.endswith(f"{URL}/job/{job_id}")
    # A worker running again tells nobody twice.
    run_pending_imports(clerk.application, "test-worker")
    assert told(db_session, "import_finished", job_id, "ImportJob") == ["clerk"]

    bad = upload(clerk, URL, workbook(clerk, URL, [row(title="")]))
    bad_id = int(bad.headers["Location"].rsplit("/", 1)[1])
    run_pending_imports(clerk.application, "test-worker")
    assert told(db_session, "import_finished", bad_id, "ImportJob") == ["clerk"]
    title = db_session.execute(select(Notification.title).where(
        Notification.kind == "import_finished", Notification.record_id == bad_id)).scalar_one()
    assert "未导入" in title and "导入 0 条" in title and "错误 1 条" in title


def test_an_import_whose_worker_died_too_often_tells_the_uploader_it_failed(client_as, db_session):
    from app.core.imports import MAX_ATTEMPTS, run_pending_imports
    from tests.worker.test_imports_in_worker import _worker_died, queued_upload

    clerk = client_as("clerk")
    job_id, _ = queued_upload(clerk, db_session, "工人多次中断通知")
    _worker_died(db_session, job_id, attempts=MAX_ATTEMPTS)
    run_pending_imports(clerk.application, "worker-b")
    run_pending_imports(clerk.application, "worker-c")
    assert told(db_session, "import_finished", job_id, "ImportJob") == ["clerk"]
    title = db_session.execute(select(Notification.title).where(
        Notification.kind == "import_finished", Notification.record_id == job_id)).scalar_one()
    assert "未导入" in title


def test_each_users_choice_of_channel_applies_to_the_new_kinds(client_as, db_session):
    """The leader asked for SMS of 督办单 to the unit, the handler for nothing more: one SMS, to the
    leader's phone, none to the handler."""
    from app.notifications.models import NotificationPreference, OutboxMessage
    from tests.supervision.support import issue_form, latest_orders, make_case, user

    leader, handler = user(db_session, "leader"), user(db_session, "handler")
    leader.mobile = "13900002222"
    db_session.add(NotificationPreference(user_id=leader.id, kind="order_received", email=False, sms=True))
    db_session.add(NotificationPreference(user_id=handler.id, kind="meeting_task", email=True, sms=True))
    db_session.commit()
    case = make_case(db_session, title="通知渠道测试", due_in_days=-3)
    response = client_as("supervisor").post("/supervision/orders/issue", data=issue_form(case.number))
    assert response.status_code == 302, form_errors(response)
    order = latest_orders(db_session)[0]
    db_session.rollback()
    messages = db_session.execute(
        select(OutboxMessage.channel, OutboxMessage.recipient, Notification.user_id)
        .join(Notification, Notification.id == OutboxMessage.notification_id)
        .where(Notification.record_id == order.id, Notification.kind == "order_received")).all()
    assert [tuple(m) for m in messages] == [("sms", "13900002222", leader.id)]
