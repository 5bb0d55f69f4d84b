"""风险期: the sweep cadence switch (seed 001: a daily report by 16:00 in a sensitive period), the
reminders to the townships it covers, and the periods proposed from history (seed 003)."""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.ledgers.models import RiskPeriod, SweepReport
from tests.ledgers.support import org
from tests.reports.support import add_cases
from tests.support import county_now, county_today, page_text

CUTOFF_MESSAGE = "请按“时:分”填写，例如 16:00"


def add_risk(db_session, name: str, first: date, last: date, townships: list[str], **fields) -> RiskPeriod:
    db_session.rollback()
    risk = RiskPeriod(name=name, starts_on=first, ends_on=last, frequency=fields.pop("frequency", "daily"),
                      cutoff=fields.pop("cutoff", "16:00"), due_weekday="4", **fields)
    risk.townships = [org(db_session, t) for t in townships]
    db_session.add(risk)
    db_session.commit()
    return risk


def test_a_daily_risk_period_makes_daily_periods_due_at_the_cutoff(app, db_session):
    """Inside the period: one day, due that day 16:00 (county time, whatever the server's TZ);
    the half-monthly period around it is cut short; another township keeps its rule."""
    from app.extensions import db
    from app.ledgers import sweeps

    first = date(2030, 1, 20)
    add_risk(db_session, "春节前农民工工资", first, date(2030, 2, 5), ["城关镇"])
    town, other = org(db_session, "城关镇"), org(db_session, "河东镇")
    with app.test_request_context():
        day = sweeps.township_period(db.session, town.id, date(2030, 1, 23))
        before = sweeps.township_period(db.session, town.id, date(2030, 1, 18))
        after = sweeps.township_period(db.session, town.id, date(2030, 2, 9))
        regular = sweeps.township_period(db.session, other.id, date(2030, 1, 23))
        between = sweeps.township_periods_between(db.session, town.id, date(2030, 1, 16), date(2030, 2, 28))
    assert (day.start, day.end, day.due_at) == (date(2030, 1, 23), date(2030, 1, 23), datetime(2030, 1, 23, 16, 0))
    # 16–31 January half-monthly, cut at the day before the 风险期, due on its new last day.
    assert (before.start, before.end, before.due_at) == (date(2030, 1, 16), date(2030, 1, 19),
                                                         datetime(2030, 1, 19, 16, 0))
    # 1–15 February starts again the day after; still due on the 15th.
    assert (after.start, after.end, after.due_at) == (date(2030, 2, 6), date(2030, 2, 15),
                                                      datetime(2030, 2, 15, 16, 0))
    assert (regular.start, regular.end, regular.due_at) == (date(2030, 1, 16), date(2030, 1, 31),
                                                            datetime(2030, 1, 31, 16, 0))
    days = [first + timedelta(days=i) for i in range(17)]  # 20 Jan – 5 Feb, one report each
    assert [p.start for p in between] == [date(2030, 1, 16), *days, date(2030, 2, 6), date(2030, 2, 16)]


def test_the_township_files_its_daily_zero_report_and_is_reminded(app, client_as, db_session):
    from app.notifications.models import Notification
    from app.security.models import AppUser
    from app.worker.reminders import send_due_reminders

    today = county_today()
    risk = add_risk(db_session, "冬季供暖期", today - timedelta(days=1), today + timedelta(days=10), ["城关镇"])
    town = org(db_session, "城关镇")
    clerk = client_as("clerk")
    page = clerk.get("/sweeps/?level=township")
    assert page.status_code == 200
    text = page_text(page)
    assert f"{today:%Y-%m-%d} ~ {today:%Y-%m-%d}" in text
    assert "冬季供暖期" in text
    # Another township's clerk sees its own half-monthly period, and no 风险期.
    other = page_text(client_as("clerk2").get("/sweeps/?level=township"))
    assert "冬季供暖期" not in other
    half_start = today.replace(day=1 if today.day <= 15 else 16)
    assert f"{half_start:%Y-%m-%d} ~" in other

    response = clerk.post("/sweeps/zero", data={"unit": town.id, "period": today.isoformat()})
    assert response.status_code == 302
    db_session.rollback()
    report = db_session.execute(select(SweepReport).where(
        SweepReport.org_unit_id == town.id, SweepReport.period_start == today)).scalar_one()
    due = datetime(today.year, today.month, today.day, 16, 0)
    assert (report.period_end, report.due_at, report.is_zero) == (today, due, True)
    assert report.is_late == (report.submitted_at > due)
    assert abs((report.submitted_at - county_now()).total_seconds()) < 120

    # The worker tells 城关镇's sweep filers of the 风险期 (once), through the SWEEP_DUE kind.
    with app.app_context():
        send_due_reminders()
        send_due_reminders()
    db_session.rollback()
    clerk_id = db_session.execute(select(AppUser.id).where(AppUser.username == "clerk")).scalar_one()
    clerk2_id = db_session.execute(select(AppUser.id).where(AppUser.username == "clerk2")).scalar_one()
    told = db_session.execute(select(Notification.user_id, Notification.title).where(
        Notification.kind == "sweep_due", Notification.title.like(f"%{risk.name}%"))).all()
    assert [u for u, _ in told].count(clerk_id) == 1
    assert clerk2_id not in {u for u, _ in told}


def test_the_administrator_keeps_risk_periods_and_bad_input_is_named(client_as, db_session):
    admin = client_as("admin")
    town = org(db_session, "城关镇")
    bad = admin.post("/sweeps/risk-periods/add", data={
        "name": "春耕生产", "starts_on": "2030-04-30", "ends_on": "2030-04-01", "frequency": "daily",
        "due_weekday": "4", "cutoff": "25:00"})
    assert bad.status_code == 200
    text = page_text(bad)
    assert "结束日期不能早于开始日期" in text
    assert "请选择涉及的乡镇，或勾选全部乡镇" in text
    assert CUTOFF_MESSAGE in text
    db_session.rollback()
    assert db_session.execute(select(RiskPeriod).where(RiskPeriod.name == "春耕生产")).first() is None
    good = admin.post("/sweeps/risk-periods/add", data={
        "name": "春耕生产", "starts_on": "2030-04-01", "ends_on": "2030-04-30", "frequency": "daily",
        "due_weekday": "4", "cutoff": "16:00", "townships": [str(town.id)]})
    assert good.status_code == 302
    db_session.rollback()
    saved = db_session.execute(select(RiskPeriod).where(RiskPeriod.name == "春耕生产")).scalar_one()
    assert [t.name for t in saved.townships] == ["城关镇"]
    for user in ("clerk", "county_leader", "county_manager", "clerk2"):
        assert client_as(user).get("/sweeps/risk-periods/list/").status_code == 403
        assert client_as(user).get("/sweeps/risk-proposals/").status_code == 403


def _oracle(rows, today: date):
    """Proposals computed straight from (township, subject, received_at) rows."""
    first_case = min(r[2] for r in rows)
    last = today.replace(day=1) - timedelta(days=1)
    first = max(date(today.year - 3, today.month, 1), first_case.date().replace(day=1))
    months = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    per: dict[tuple, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    for township, subject, received in rows:
        if subject is not None and (received.year, received.month) in months:
            per[(township, subject)][(received.year, received.month)] += 1
    found = {}
    for key, counts in per.items():
        average = sum(counts.values()) / len(months)
        for month in range(1, 13):
            years = [(y, counts.get((y, m), 0)) for y, m in months if m == month]
            if years:
                mean = sum(n for _, n in years) / len(years)
                if mean >= 2 and mean >= 2 * average:
                    found[(key[0], key[1], month)] = (years, round(mean, 6), round(average, 6))
    return found


def test_proposals_from_history_match_the_raw_rows_and_adopt(app, client_as, db_session):
    from app.cases.models import UNCOUNTED_STATUSES, Case, Subject
    from app.extensions import db
    from app.ledgers import risk_periods

    today = county_today()
    town = org(db_session, "城关镇")
    labour = db_session.execute(select(Subject).where(Subject.name == "劳动社保")).scalar_one()
    # Wages before the Spring Festival: January of the last two years, 6 and 4 cases.
    spikes = [datetime(today.year - 2, 1, 8 + i, 10, 0) for i in range(6)] + \
             [datetime(today.year - 1, 1, 9 + i, 10, 0) for i in range(4)]
    add_cases(db_session, [{"received_at": r, "township_id": town.id, "subject_id": labour.id} for r in spikes])
    rows = db_session.execute(select(Case.township_id, Case.subject_id, Case.received_at).where(
        Case.status.not_in([s.value for s in UNCOUNTED_STATUSES]))).all()
    expected = _oracle(rows, today)
    with app.test_request_context():
        found = risk_periods.proposals(db.session, today)
    got = {(p.township_id, p.subject_id, p.month): (p.counts, round(p.month_mean, 6), round(p.monthly_average, 6))
           for p in found}
    assert got == expected
    key = (town.id, labour.id, 1)
    assert key in got
    assert dict(got[key][0])[today.year - 2] == 6 and dict(got[key][0])[today.year - 1] == 4

    admin = client_as("admin")
    page = admin.get("/sweeps/risk-proposals/")
    assert page.status_code == 200
    response = admin.post("/sweeps/risk-proposals/adopt", data={"key": f"{town.id}-{labour.id}-1"})
    assert response.status_code == 302
    db_session.rollback()
    adopted = db_session.execute(select(RiskPeriod).where(RiskPeriod.subject_id == labour.id,
                                                          RiskPeriod.origin == "proposed")).scalar_one()
    year = today.year if today.month == 1 else today.year + 1
    assert (adopted.starts_on, adopted.ends_on) == (date(year, 1, 1), date(year, 1, calendar.monthrange(year, 1)[1]))
    assert (adopted.frequency, adopted.cutoff, [t.id for t in adopted.townships]) == ("daily", "16:00", [town.id])
    assert "6" in adopted.basis and "4" in adopted.basis
    # Adopting twice is refused; still one.
    admin.post("/sweeps/risk-proposals/adopt", data={"key": f"{town.id}-{labour.id}-1"})
    db_session.rollback()
    assert len(db_session.execute(select(RiskPeriod.id).where(RiskPeriod.origin == "proposed",
                                                              RiskPeriod.subject_id == labour.id)).all()) == 1


def test_the_county_sees_each_township_in_its_own_period(client_as):
    """The demo's 冬季供暖期 covers 石桥镇 and 白沙镇 (seed/demo_risk.py): on the county's page their
    rows carry today's daily period; the other townships keep the half-monthly one."""
    import re

    today = county_today()
    page = client_as("county_manager").get("/sweeps/?level=township")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    rows = dict(re.findall(r'<tr class="xf-sweep-\w+" data-unit="([^"]+)">(.*?)</tr>', html, re.S))
    daily = f"{today:%Y-%m-%d} ~ {today:%Y-%m-%d}"
    assert {name for name, row in rows.items() if daily in row} == {"石桥镇", "白沙镇"}
    assert "冬季供暖期供热质量排查" in page_text(page)
