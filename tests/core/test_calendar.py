"""Deadline arithmetic on a frozen clock: working days with Chinese holidays and 调休, calendar
days, pauses, the 30-day extension, and the 临期/超期 thresholds."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.core.calendar import (
    DayKind,
    Term,
    Urgency,
    WorkCalendar,
    days_left,
    deadline,
    library_knows,
    near_boundary,
    paused_days,
    urgency,
)

CAL = WorkCalendar()


def d(text: str) -> date:
    return date.fromisoformat(text)


# --- 2025 National Day (Oct 1–8) with the adjusted working days Sep 28 (Sun) and Oct 11 (Sat) ---


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2025-09-27", False),  # Saturday
        ("2025-09-28", True),  # Sunday, adjusted working day
        ("2025-09-30", True),
        ("2025-10-01", False),
        ("2025-10-06", False),  # Mid-Autumn inside the holiday
        ("2025-10-08", False),
        ("2025-10-09", True),
        ("2025-10-11", True),  # Saturday, adjusted working day
        ("2025-10-12", False),
    ],
)
def test_national_day_2025_working_days(day, working):
    assert CAL.is_workday(d(day)) is working


def test_five_working_days_across_national_day():
    # Assigned Friday 26 Sep: 28 (Sun, worked), 29, 30, then the holiday, then 9 and 10 Oct.
    assert CAL.add_working_days(d("2025-09-26"), 5) == d("2025-10-10")
    # From 30 Sep: 9, 10, 11 (Sat, worked) → three working days end on Saturday 11 Oct.
    assert CAL.add_working_days(d("2025-09-30"), 3) == d("2025-10-11")
    assert CAL.add_working_days(d("2025-09-30"), 4) == d("2025-10-13")


def test_working_days_counted_in_a_pause_across_the_holiday():
    # Paused 29 Sep, resumed 13 Oct: 29, 30 Sep, 9, 10, 11 Oct are working days.
    assert CAL.working_days_between(d("2025-09-29"), d("2025-10-13")) == 5


def test_send_back_window_is_a_deadline_at_the_end_of_the_day():
    due = deadline(datetime(2025, 9, 26, 10, 30), 5, DayKind.WORKING, CAL)
    assert due == datetime(2025, 10, 10, 23, 59, 59)


# --- Spring Festival 2026: Feb 15–23 off, Feb 14 (Sat) and Feb 28 (Sat) worked ------------------


def test_spring_festival_2026():
    assert CAL.is_workday(d("2026-02-14"))  # Saturday, adjusted
    assert not CAL.is_workday(d("2026-02-16"))
    assert not CAL.is_workday(d("2026-02-23"))
    assert CAL.is_workday(d("2026-02-24"))
    assert CAL.is_workday(d("2026-02-28"))  # Saturday, adjusted
    # Friday 13 Feb + 3 working days: 14 (Sat, worked), 24, 25.
    assert CAL.add_working_days(d("2026-02-13"), 3) == d("2026-02-25")
    # Complex case's plan (3 working days) from Thursday 26 Feb: 27, 28 (Sat, worked), 2 Mar.
    assert deadline(datetime(2026, 2, 26, 9), 3, "working", CAL) == datetime(2026, 3, 2, 23, 59, 59)


# --- calendar-day rules ----------------------------------------------------------------------


def test_calendar_days_count_weekends_and_holidays():
    # 15 days from Tuesday 3 Mar 2026 → Wednesday 18 Mar.
    assert deadline(datetime(2026, 3, 3, 16), 15, DayKind.CALENDAR, CAL) == datetime(2026, 3, 18, 23, 59, 59)
    # 60 days from 2 Jan 2026 → 3 Mar 2026 (a Tuesday, a working day).
    assert Term.of(d("2026-01-02"), 60, DayKind.CALENDAR).last_day(CAL) == d("2026-03-03")


def test_calendar_period_ending_on_a_rest_day_ends_on_the_next_working_day():
    # 60 days from 3 Aug 2025 would end on 2 Oct (National Day): it ends on 9 Oct instead.
    assert Term.of(d("2025-08-03"), 60, DayKind.CALENDAR).last_day(CAL) == d("2025-10-09")
    # Ending on an ordinary Sunday moves to Monday; on an adjusted working Sunday it stays.
    assert Term.of(d("2026-03-07"), 1, DayKind.CALENDAR).last_day(CAL) == d("2026-03-09")
    assert Term.of(d("2025-09-18"), 10, DayKind.CALENDAR).last_day(CAL) == d("2025-09-28")


# --- pauses and the extension -------------------------------------------------------------------


def test_pause_days_are_not_counted():
    due = datetime(2026, 5, 20, 23, 59, 59)
    days = paused_days(datetime(2026, 5, 4, 9), datetime(2026, 5, 11, 15), DayKind.CALENDAR, CAL)
    assert days == 7
    assert Term.ending(due).lengthened(days, DayKind.CALENDAR).due(CAL) == datetime(2026, 5, 27, 23, 59, 59)
    # A pause that starts and ends the same day costs nothing.
    assert paused_days(datetime(2026, 5, 4, 9), datetime(2026, 5, 4, 17), DayKind.CALENDAR, CAL) == 0


def test_working_day_pause_shifts_by_working_days():
    # Due Friday 26 Sep 2025 (working-day rule), paused 29 Sep → 13 Oct: 5 working days.
    days = paused_days(datetime(2025, 9, 29, 9), datetime(2025, 10, 13, 9), DayKind.WORKING, CAL)
    assert days == 5
    assert Term.ending(datetime(2025, 9, 26, 23, 59, 59)).lengthened(days, DayKind.WORKING).last_day(CAL) == d("2025-10-10")


def test_thirty_day_extension():
    due = datetime(2026, 3, 3, 23, 59, 59)
    assert Term.ending(due).lengthened(30, DayKind.CALENDAR).due(CAL) == datetime(2026, 4, 2, 23, 59, 59)
    # Ending on a rest day (Qingming) rolls to the next working day.
    assert Term.ending(datetime(2026, 3, 9, 23, 59, 59)).lengthened(27, DayKind.CALENDAR).last_day(CAL) == d("2026-04-07")


# --- 临期 / 超期 on a frozen clock --------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected", "left"),
    [
        (datetime(2026, 3, 10, 9), Urgency.ON_TIME, 8),
        (datetime(2026, 3, 14, 9), Urgency.ON_TIME, 4),
        (datetime(2026, 3, 15, 0, 0), Urgency.NEAR, 3),
        (datetime(2026, 3, 18, 23, 59, 59), Urgency.NEAR, 0),
        (datetime(2026, 3, 19, 0, 0, 0), Urgency.OVERDUE, -1),
        (datetime(2026, 4, 18, 8), Urgency.OVERDUE, -31),
    ],
)
def test_near_and_overdue(now, expected, left):
    due = datetime(2026, 3, 18, 23, 59, 59)
    assert urgency(due, now, near_boundary(now, 3, DayKind.CALENDAR, WorkCalendar())) == expected
    assert days_left(due, now) == left


def test_paused_clock_shows_paused_unless_a_running_deadline_is_due():
    now = datetime(2026, 4, 1, 9)
    boundary = near_boundary(now, 3, DayKind.CALENDAR, WorkCalendar())
    # No running deadline (the paused clock's is not counted): 暂停计时.
    assert urgency(None, now, boundary, paused=True) == Urgency.PAUSED
    assert urgency(None, now, boundary) == Urgency.NONE
    # A deadline that had already passed when the pause began stays overdue.
    assert urgency(datetime(2026, 3, 18, 23, 59, 59), now, boundary, paused=True) == Urgency.OVERDUE


def test_near_boundary_matches_urgency():
    now = datetime(2026, 3, 15, 10)
    boundary = near_boundary(now, 3, DayKind.CALENDAR, WorkCalendar())
    assert boundary == datetime(2026, 3, 19)
    inside, outside = datetime(2026, 3, 18, 23, 59, 59), datetime(2026, 3, 19, 23, 59, 59)
    assert inside < boundary and urgency(inside, now, boundary) == Urgency.NEAR
    assert outside >= boundary and urgency(outside, now, boundary) == Urgency.ON_TIME


# --- years the library does not know ------------------------------------------------------------


def test_unknown_year_falls_back_to_weekends_and_overrides():
    year = 2099
    assert not library_knows(year)
    plain = WorkCalendar()
    assert plain.is_workday(d("2099-01-01"))  # a Thursday: no holiday known
    assert not plain.is_workday(d("2099-01-03"))  # a Saturday
    admin = WorkCalendar({d("2099-01-01"): False, d("2099-01-03"): True})
    assert not admin.is_workday(d("2099-01-01"))
    assert admin.is_workday(d("2099-01-03"))
    # Entering days is not enough: the year is known once the administrator confirms its list.
    assert plain.unknown_years(range(2098, 2100)) == [2098, 2099]
    assert admin.unknown_years(range(2098, 2100)) == [2098, 2099]
    confirmed = WorkCalendar(admin.overrides, frozenset({2099}))
    assert confirmed.unknown_years(range(2098, 2100)) == [2098]


def test_override_wins_over_the_library():
    local = WorkCalendar({d("2026-03-10"): False})  # a local day off
    assert CAL.is_workday(d("2026-03-10"))
    assert not local.is_workday(d("2026-03-10"))
    assert local.add_working_days(d("2026-03-09"), 1) == d("2026-03-11")


def test_a_lengthened_period_rolls_once_at_its_end():
    # 60 days from 5 Aug 2025 end on 4 Oct (National Day) → 9 Oct; 30 more days lengthen the
    # period to 90 days (3 Nov), they are not counted from 9 Oct (which would give 10 Nov).
    term = Term.of(d("2025-08-05"), 60, DayKind.CALENDAR)
    assert term.last_day(CAL) == d("2025-10-09")
    assert term.lengthened(30, DayKind.CALENDAR).last_day(CAL) == d("2025-11-03")
    assert term.lengthened(5, DayKind.CALENDAR).last_day(CAL) == d("2025-10-09")
    # Mixed kinds keep their order: 60 calendar days, then 5 working days after 4 Oct.
    assert term.lengthened(5, DayKind.WORKING).last_day(CAL) == d("2025-10-14")  # Sat 11 Oct is worked
    assert Term.from_json(term.lengthened(5, DayKind.WORKING).as_json()) == term.lengthened(5, DayKind.WORKING)
