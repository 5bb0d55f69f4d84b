"""Years the holiday library does not know (chinese-calendar stops at its last year): a deadline
there counts weekends only and is 待核 until the administrator enters and confirms the year's
holidays; administrators are warned from 1 November of the year before; entering a holiday
recomputes the running deadlines of open cases, with a history event. Expected dates are counted
here from `chinese_calendar` (known years) and the weekday (the unknown year)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from sqlalchemy import select

from app.cases import workflow
from app.cases.workflow_models import CaseEvent
from app.core.calendar import WorkCalendar, years_to_enter
from tests.cases.test_workflow_rules import Story
from tests.cases.workflow_support import fresh
from tests.support import county_today, form_errors, page_text

LAST = max(chinese_calendar.holidays).year  # the last year the library knows
YEAR = LAST + 1
NEW_YEAR = date(YEAR, 1, 1)


def is_workday(day: date, days_off: frozenset[date] = frozenset()) -> bool:
    if day.year <= LAST:
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5 and day not in days_off


def rolled(day: date, days_off: frozenset[date] = frozenset()) -> date:
    while not is_workday(day, days_off):
        day += timedelta(days=1)
    return day


def working_days_after(start: date, count: int, days_off: frozenset[date] = frozenset()) -> date:
    day = start
    while count:
        day += timedelta(days=1)
        count -= is_workday(day, days_off)
    return day


def end_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59)


def test_the_administrator_is_warned_from_the_first_of_november():
    plain = WorkCalendar()
    assert years_to_enter(date(LAST, 10, 31), plain) == []
    assert years_to_enter(date(LAST, 11, 1), plain) == [YEAR]
    assert years_to_enter(date(YEAR, 3, 1), plain) == [YEAR]  # and all through the year itself
    assert years_to_enter(date(LAST, 12, 1), WorkCalendar({}, frozenset({YEAR}))) == []


@pytest.mark.parametrize("login", ["admin", "xz_admin", "clerk", "clerk2", "handler", "leader", "supervisor",
                                   "manager", "handler_rsj", "county_clerk", "county_leader",
                                   "county_supervisor", "county_manager"])
def test_home_page_warning_only_for_administrators(client_as, login):
    today = county_today()
    due = [y for y in ([today.year, today.year + 1] if today >= date(today.year, 11, 1) else [today.year])
           if y > LAST]
    body = client_as(login).get("/").get_data(as_text=True)
    shown = [int(y) for y in re.findall(r'id="holidays-missing-(\d+)"', body)]
    assert shown == (due if login == "admin" else [])
    if shown:
        assert f"{shown[0]}年的法定节假日安排尚未录入" in page_text(client_as(login).get("/"))


def test_new_years_day_entered_later_moves_the_deadlines_and_says_so(admin_client, client_as, db_session):
    handler = client_as("handler")
    # The case: accepted 60 days before New Year's Day of the unknown year.
    accepted = NEW_YEAR - timedelta(days=60)
    reply = Story(db_session, datetime.combine(accepted - timedelta(days=1), datetime.min.time()) + timedelta(hours=9))
    reply.to_handling(datetime.combine(accepted, datetime.min.time()) + timedelta(hours=9),
                      datetime.combine(accepted, datetime.min.time()) + timedelta(days=1, hours=9))
    # A working-day deadline across New Year: the send-back window of an assignment made three
    # working days before it.
    assigned = date(LAST, 12, 29)
    window = Story(db_session, datetime(LAST, 12, 1, 9))
    window.to_handling(datetime(LAST, 12, 2, 9), datetime.combine(assigned, datetime.min.time()) + timedelta(hours=10))
    db_session.commit()
    reply_id, window_id = reply.case.id, window.case.id

    assert reply.case.due_at == end_of(rolled(NEW_YEAR))  # weekends only: New Year's Day counts
    send_back = workflow.current_assignment(window.case).send_back_until
    assert send_back == end_of(working_days_after(assigned, 5))
    # 待核 on the case page of every role that sees the case, county-level ones included.
    for login in ("handler", "clerk", "leader", "admin", "county_clerk", "county_leader", "county_supervisor",
                  "county_manager"):
        page = page_text((handler if login == "handler" else client_as(login)).get(f"/cases/show/{reply_id}"))
        assert "待核" in page and f"{YEAR}年的法定节假日尚未录入确认" in page, login

    listing = page_text(admin_client.get("/holidays/list/"))
    assert "受影响的未办结信访件的期限将立即按新的节假日安排重新计算" in listing
    response = admin_client.post("/holidays/add", data={"day": NEW_YEAR.isoformat(), "name": "元旦"})
    assert response.status_code == 302, form_errors(response)
    assert "重新计算" in page_text(admin_client.get("/holidays/list/"))

    off = frozenset({NEW_YEAR})
    case = fresh(db_session, reply_id)
    assert case.due_at == end_of(rolled(NEW_YEAR, off)) != end_of(rolled(NEW_YEAR))
    assert case.next_due_at == case.due_at
    window_case = fresh(db_session, window_id)
    assert workflow.current_assignment(window_case, db_session).send_back_until == end_of(
        working_days_after(assigned, 5, off))
    for case_id in (reply_id, window_id):
        events = db_session.execute(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.step == "recompute_deadlines")
        ).scalars().all()
        assert len(events) == 1 and "元旦" in events[0].text and events[0].actor_name
    page = page_text(handler.get(f"/cases/show/{reply_id}"))
    assert "按新录入的节假日重算期限" in page
    assert "待核" in page  # entered, not yet confirmed complete

    # Only the administrator confirms the year; then the date is no longer 待核.
    assert client_as("clerk").post(f"/holidays/confirm/{YEAR}").status_code == 403
    assert admin_client.post(f"/holidays/confirm/{YEAR}").status_code == 302
    page = page_text(handler.get(f"/cases/show/{reply_id}"))
    assert "待核" not in page
    assert f'id="holidays-missing-{YEAR}"' not in admin_client.get("/").get_data(as_text=True)

    # The administrator later changes the confirmed holiday, then deletes it: the running
    # deadlines follow each time, and each case whose deadline moved says so in its history.
    from app.deadlines.models import HolidayOverride

    holiday = db_session.execute(select(HolidayOverride).where(HolidayOverride.day == NEW_YEAR)).scalar_one()
    moved = NEW_YEAR + timedelta(days=3)  # the Monday after, of the unknown year
    edit = admin_client.get(f"/holidays/edit/{holiday.id}").get_data(as_text=True)
    version = re.search(r'name="row_version"[^>]*value="(\d+)"', edit)
    response = admin_client.post(f"/holidays/edit/{holiday.id}", data={
        "day": moved.isoformat(), "name": "元旦补休", **({"row_version": version.group(1)} if version else {})})
    assert response.status_code == 302, form_errors(response)
    expected_after_edit = {reply_id: end_of(rolled(NEW_YEAR, frozenset({moved}))),
                           window_id: end_of(working_days_after(assigned, 5, frozenset({moved})))}
    assert fresh(db_session, reply_id).due_at == expected_after_edit[reply_id]
    assert workflow.current_assignment(fresh(db_session, window_id), db_session).send_back_until == (
        expected_after_edit[window_id])
    assert admin_client.post(f"/holidays/delete/{holiday.id}").status_code == 302
    expected_after_delete = {reply_id: end_of(rolled(NEW_YEAR)), window_id: end_of(working_days_after(assigned, 5))}
    before = {reply_id: end_of(rolled(NEW_YEAR, off)), window_id: end_of(working_days_after(assigned, 5, off))}
    # Each change moves one of the two deadlines at least (counted here, not by the app).
    assert expected_after_edit != before and expected_after_delete != expected_after_edit
    case = fresh(db_session, reply_id)
    assert case.due_at == case.next_due_at == expected_after_delete[reply_id]
    window_case = fresh(db_session, window_id)
    assert workflow.current_assignment(window_case, db_session).send_back_until == expected_after_delete[window_id]
    for case_id in (reply_id, window_id):
        changes = 1 + (expected_after_edit[case_id] != before[case_id]) + (
            expected_after_delete[case_id] != expected_after_edit[case_id])
        events = db_session.execute(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.step == "recompute_deadlines")
            .order_by(CaseEvent.id)
        ).scalars().all()
        assert len(events) == changes, (case_id, [e.text for e in events])
    page = page_text(handler.get(f"/cases/show/{reply_id}"))
    assert "待核" not in page  # the year stays confirmed: its deadlines are no longer marked
