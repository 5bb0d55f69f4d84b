"""The roster's gaps (rules.gaps), computed by hand: every hour of the window a shift must cover."""

from __future__ import annotations

from datetime import date, datetime

from app.duty.rules import Gap, gaps, roster_window


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute)


def test_day_and_night_shifts_cover_the_day():
    shifts = [(at(7, 8), at(7, 20)), (at(7, 20), at(8, 8)), (at(6, 20), at(7, 8))]
    assert gaps(shifts, at(7, 0), at(8, 0)) == []


def test_a_missing_night_is_a_gap():
    shifts = [(at(7, 8), at(7, 20)), (at(8, 8), at(8, 20))]
    assert gaps(shifts, at(7, 8), at(8, 20)) == [Gap(at(7, 20), at(8, 8))]
    assert gaps(shifts, at(7, 8), at(8, 20))[0].hours == 12


def test_overlapping_shifts_are_fine_and_leave_no_gap():
    shifts = [(at(7, 8), at(7, 21)), (at(7, 20), at(8, 9)), (at(7, 22), at(7, 23))]
    assert gaps(shifts, at(7, 8), at(8, 8)) == []


def test_gaps_at_both_ends_and_between():
    shifts = [(at(7, 10), at(7, 12)), (at(7, 14), at(7, 16))]
    assert gaps(shifts, at(7, 8), at(7, 18)) == [
        Gap(at(7, 8), at(7, 10)), Gap(at(7, 12), at(7, 14)), Gap(at(7, 16), at(7, 18)),
    ]


def test_no_shift_at_all_is_one_gap_of_the_whole_window():
    assert gaps([], at(7, 0), at(21, 0)) == [Gap(at(7, 0), at(21, 0))]
    assert gaps([], at(7, 0), at(21, 0))[0].hours == 14 * 24


def test_shifts_outside_the_window_do_not_count():
    shifts = [(at(1, 8), at(1, 20)), (at(30, 8), at(30, 20))]
    assert gaps(shifts, at(7, 0), at(8, 0)) == [Gap(at(7, 0), at(8, 0))]
    # A shift reaching into the window covers only its part inside.
    assert gaps([(at(6, 20), at(7, 8))], at(7, 0), at(7, 12)) == [Gap(at(7, 8), at(7, 12))]


def test_touching_shifts_leave_no_gap_and_a_minute_apart_leave_one():
    assert gaps([(at(7, 0), at(7, 12)), (at(7, 12), at(8, 0))], at(7, 0), at(8, 0)) == []
    assert gaps([(at(7, 0), at(7, 12)), (at(7, 12, 1), at(8, 0))], at(7, 0), at(8, 0)) == [
        Gap(at(7, 12), at(7, 12, 1))
    ]


def test_the_published_window_is_14_days_from_midnight():
    assert roster_window(date(2026, 12, 7)) == (at(7, 0), at(21, 0))
