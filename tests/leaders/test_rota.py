"""轮流接访 (seeds 003/004): a rota of leaders, one a working day in turn; the slots it publishes,
gaps (working days without a leader) and clashes (a leader twice at once). Working days come
straight from chinese_calendar."""

from __future__ import annotations

import re
from datetime import date, timedelta

import chinese_calendar
from sqlalchemy import delete, select

import app.models  # noqa: F401 — every mapper configured (transient leaders below)
from app.core.calendar import WorkCalendar
from app.leaders import rota as rules
from app.leaders.models import Leader, ReceptionRota, ReceptionSlot
from tests.support import county_today


def test_the_rule_over_national_day_numbers_only_working_days():
    """Around 国庆 2026: 1–7 October off, Sunday 27 September and Saturday 10 October worked."""
    a, b, c = (Leader(name=n, active=True) for n in ("甲", "乙", "丙"))
    rota = ReceptionRota(name="轮值", starts_on=date(2026, 9, 21), ends_on=None, working_days_only=True,
                         weekdays="0,1,2,3,4", leaders=[a, b, c])
    first, last = date(2026, 9, 28), date(2026, 10, 16)
    got = [(d, leader.name) for d, leader in rules.assignments(rota, first, last, WorkCalendar())]
    workdays = [rota.starts_on + timedelta(days=i) for i in range((last - rota.starts_on).days + 1)]
    workdays = [d for d in workdays if chinese_calendar.is_workday(d)]
    expected = [(d, ("甲", "乙", "丙")[n % 3]) for n, d in enumerate(workdays) if d >= first]
    assert got == expected
    assert date(2026, 10, 10) in {d for d, _ in got}  # the adjusted Saturday
    assert not {date(2026, 10, d) for d in range(1, 8)} & {d for d, _ in got}
    # On chosen weekdays instead: every Saturday and Sunday, holidays included.
    weekend = ReceptionRota(name="周末", starts_on=date(2026, 9, 26), working_days_only=False, weekdays="5,6",
                            leaders=[a, b])
    days = [d for d, _ in rules.assignments(weekend, date(2026, 9, 26), date(2026, 10, 11), WorkCalendar())]
    assert days == [date(2026, 9, 26), date(2026, 9, 27), date(2026, 10, 3), date(2026, 10, 4),
                    date(2026, 10, 10), date(2026, 10, 11)]


def _row(page: str, day: date) -> str:
    match = re.search(rf'<tr data-day="{day.isoformat()}".*?</tr>', page, re.S)
    assert match is not None
    return match.group(0)


def test_admin_sets_a_rota_publishes_it_and_sees_gaps_and_clashes(client_as, db_session):
    today = county_today()
    leaders = db_session.execute(select(Leader).where(Leader.rank == "county").order_by(
        Leader.sort_order, Leader.id)).scalars().all()
    db_session.execute(delete(ReceptionSlot).where(ReceptionSlot.rota_id.is_not(None)))
    db_session.execute(delete(ReceptionRota))
    db_session.commit()
    admin = client_as("admin")
    bad = admin.post("/leaders/rotas/add", data={
        "name": "大厅轮值", "place": "县信访局接待大厅", "start_time": "17:00", "end_time": "08:00",
        "starts_on": today.isoformat(), "working_days_only": "y"})
    assert bad.status_code == 200
    assert db_session.execute(select(ReceptionRota)).first() is None
    response = admin.post("/leaders/rotas/add", data={
        "name": "大厅轮值", "place": "县信访局接待大厅", "start_time": "08:00", "end_time": "17:00",
        "starts_on": today.isoformat(), "working_days_only": "y", "active": "y",
        "leaders": [str(x.id) for x in leaders]})
    assert response.status_code == 302
    rota = db_session.execute(select(ReceptionRota)).scalar_one()
    assert admin.post(f"/leaders/rota/generate/{rota.id}").status_code == 302
    db_session.rollback()
    slots = db_session.execute(select(ReceptionSlot).where(ReceptionSlot.rota_id == rota.id)
                               .order_by(ReceptionSlot.day)).scalars().all()
    horizon = [today + timedelta(days=i) for i in range(rules.HORIZON_DAYS)]
    known = [d for d in horizon if d.year <= 2026]  # chinese_calendar's years
    workdays = [d for d in known if chinese_calendar.is_workday(d)]
    names = [x.name for x in leaders]
    assert [(s.day, s.leader.name) for s in slots if s.day in known] == [
        (d, names[n % len(names)]) for n, d in enumerate(workdays)]
    assert all(s.published and (s.start_time, s.end_time) == ("08:00", "17:00") for s in slots)
    # Publishing again writes nothing new.
    admin.post(f"/leaders/rota/generate/{rota.id}")
    db_session.rollback()
    assert len(db_session.execute(select(ReceptionSlot.id).where(ReceptionSlot.rota_id == rota.id)).all()) == len(slots)

    # A gap: the first slot withdrawn; a clash: its neighbour's leader also booked 09:00–10:00 elsewhere.
    gone, busy = slots[0], slots[1]
    db_session.add(ReceptionSlot(leader_id=busy.leader_id, day=busy.day, start_time="09:00", end_time="10:00",
                                 place="城关镇信访办", org_unit_id=busy.org_unit_id, published=True))
    db_session.execute(delete(ReceptionSlot).where(ReceptionSlot.id == gone.id))
    db_session.commit()
    page = admin.get("/leaders/rota/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "xf-gap" in _row(text, gone.day)
    assert "xf-clash" in _row(text, busy.day)
    assert "xf-gap" not in _row(text, busy.day)
    for user in ("clerk", "county_leader", "county_supervisor", "county_manager", "handler_rsj", "clerk2"):
        assert client_as(user).get("/leaders/rota/").status_code == 403
        assert client_as(user).post(f"/leaders/rota/generate/{rota.id}").status_code == 403
