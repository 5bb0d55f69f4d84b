"""Deadlines the 条例 sets, checked against the calendar itself: expected dates are computed
here straight from `chinese_calendar` (a period of N days from X ends on X + N; a last day that
is a rest day rolls to the next working day, once), never read from the app's own arithmetic."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest

from app.cases import workflow
from app.core.calendar import Urgency
from app.core.errors import DomainError
from tests.cases.test_workflow_rules import Story, org, session  # noqa: F401  (the fixture)
from tests.cases.workflow_support import fresh, refused, step
from tests.support import county_now


def rolled(day: date) -> date:
    while not chinese_calendar.is_workday(day):
        day += timedelta(days=1)
    return day


def end_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59)


def period(start: date, days: int) -> datetime:
    """The end of a period of `days` calendar days from `start`, rolled once."""
    return end_of(rolled(start + timedelta(days=days)))


def test_extension_lengthens_the_sixty_days_then_rolls_once(session):  # noqa: F811
    story = Story(session, datetime(2025, 8, 4, 9))
    story.to_handling(datetime(2025, 8, 5, 9), datetime(2025, 8, 6, 9))
    # Day 60 is 4 Oct, National Day: the reply is due on the first working day after it.
    assert story.case.due_at == period(date(2025, 8, 5), 60) == datetime(2025, 10, 9, 23, 59, 59)
    story.do("request_extension", story.handler, datetime(2025, 9, 20, 9), days=30, reason="需鉴定")
    story.do("decide_extension", story.leader, datetime(2025, 9, 22, 9), decision="approve")
    # 60 + 30 = 90 days from acceptance: 3 Nov, a Monday — not 30 days after 9 Oct (10 Nov).
    assert story.case.due_at == period(date(2025, 8, 5), 90) == datetime(2025, 11, 3, 23, 59, 59)


def test_a_weekend_day_sixty_adds_nothing_to_the_extension(session):  # noqa: F811
    story = Story(session, datetime(2025, 7, 28, 9))
    story.to_handling(datetime(2025, 7, 29, 9), datetime(2025, 7, 30, 9))
    assert story.case.due_at == period(date(2025, 7, 29), 60)  # Sat 27 Sep rolls to the 28th
    story.do("request_extension", story.handler, datetime(2025, 9, 1, 9), days=30, reason="需鉴定")
    story.do("decide_extension", story.leader, datetime(2025, 9, 2, 9), decision="approve")
    assert story.case.due_at == period(date(2025, 7, 29), 90) == datetime(2025, 10, 27, 23, 59, 59)


def test_a_pause_lengthens_the_period_not_the_rolled_date(session):  # noqa: F811
    story = Story(session, datetime(2025, 8, 4, 9))
    story.to_handling(datetime(2025, 8, 5, 9), datetime(2025, 8, 6, 9))
    story.do("pause", story.handler, datetime(2025, 9, 1, 10), reason_kind="hearing", reason="听证")
    story.do("resume", story.handler, datetime(2025, 9, 6, 10))
    assert story.case.paused_days == 5
    # 65 days end on 9 Oct, a working day: the pause is absorbed by the holiday roll.
    assert story.case.due_at == period(date(2025, 8, 5), 65) == datetime(2025, 10, 9, 23, 59, 59)
    assert story.case.next_due_at == story.case.due_at


def test_extension_and_pauses_survive_a_transfer(session):  # noqa: F811
    story = Story(session, datetime(2025, 8, 4, 9))
    story.to_handling(datetime(2025, 8, 5, 9), datetime(2025, 8, 6, 9))
    story.do("pause", story.handler, datetime(2025, 8, 7, 10), reason_kind="material", reason="补材料")
    story.do("resume", story.handler, datetime(2025, 8, 10, 10))  # 3 days
    story.do("request_extension", story.handler, datetime(2025, 8, 11, 9), days=20, reason="需鉴定")
    story.do("decide_extension", story.leader, datetime(2025, 8, 11, 15), decision="approve")
    expected = period(date(2025, 8, 5), 60 + 3 + 20)
    assert story.case.due_at == expected
    story.do("send_back", story.handler, datetime(2025, 8, 12, 9), reason="不属本单位")
    other = org(session, "县人力资源和社会保障局")
    story.do("assign", story.clerk, datetime(2025, 8, 12, 15), unit=other)
    # The new assignment's period is still 60 days from acceptance, plus what was granted.
    assert story.case.due_at == expected


def test_a_pause_during_review_lengthens_the_thirty_days(session):  # noqa: F811
    story = Story(session, datetime(2025, 6, 2, 9))
    story.to_handling(datetime(2025, 6, 3, 9), datetime(2025, 6, 4, 9))
    story.do("submit_findings", story.handler, datetime(2025, 7, 1, 9), findings="f", reply_draft="r")
    story.do("approve", story.leader, datetime(2025, 7, 2, 9))
    story.do("sign_reply", story.leader, datetime(2025, 7, 10, 9), reply_text="答复")
    story.do("request_recheck", story.clerk, datetime(2025, 7, 24, 9), reason="不服")
    review = workflow.open_review(story.case)
    asked = date(2025, 7, 24)
    assert review.due_at == period(asked, 30)  # Sat 23 Aug rolls to Mon 25 Aug
    story.do("pause", story.leader, datetime(2025, 8, 1, 9), reason_kind="hearing", reason="听证")
    story.do("resume", story.leader, datetime(2025, 8, 6, 9))  # 5 days not counted
    # 35 days end on Thu 28 Aug (counted from the rolled 25 Aug they would end on 1 Sep).
    assert review.due_at == period(asked, 35) == datetime(2025, 8, 28, 23, 59, 59)
    assert story.case.next_due_at == review.due_at


# --- Art. 34: an extension is decided within the period ------------------------------------------


def test_no_extension_is_requested_or_approved_after_the_deadline(session):  # noqa: F811
    story = Story(session, datetime(2025, 8, 4, 9))
    story.to_handling(datetime(2025, 8, 5, 9), datetime(2025, 8, 6, 9))
    due = story.case.due_at  # 9 Oct 2025
    with pytest.raises(DomainError, match="第三十四条"):
        story.do("request_extension", story.handler, due + timedelta(seconds=1), days=30, reason="需鉴定")
    assert not story.case.extension_pending
    # Asked in time, but not decided in time: it may be rejected, never approved.
    story.do("request_extension", story.handler, datetime(2025, 10, 9, 17), days=30, reason="需鉴定")
    with pytest.raises(DomainError, match="第三十四条"):
        story.do("decide_extension", story.leader, datetime(2025, 10, 10, 9), decision="approve")
    assert story.case.due_at == due and not story.case.extended
    assert workflow.case_urgency(story.case, datetime(2025, 10, 10, 9), story.policy) == Urgency.OVERDUE
    story.do("decide_extension", story.leader, datetime(2025, 10, 10, 9), decision="reject", note="已超期")
    assert story.case.due_at == due and not story.case.extension_pending


def test_a_paused_clock_is_not_overdue_for_the_extension(session):  # noqa: F811
    story = Story(session, datetime(2025, 8, 4, 9))
    story.to_handling(datetime(2025, 8, 5, 9), datetime(2025, 8, 6, 9))
    story.do("pause", story.handler, datetime(2025, 10, 1, 9), reason_kind="hearing", reason="听证")
    # Still paused after the old date: the time left when the clock stopped is still there.
    story.do("request_extension", story.handler, datetime(2025, 10, 20, 9), days=10, reason="需鉴定")
    story.do("decide_extension", story.leader, datetime(2025, 10, 20, 10), decision="approve")
    assert story.case.extended


def test_overdue_case_offers_no_extension_over_http(client_as, db_session):
    handler = client_as("handler")
    received = county_now() - timedelta(days=100)
    story = Story(db_session, received)  # its history written at the moments it happened
    story.to_handling(received + timedelta(days=1), received + timedelta(days=2))
    case_id, due = story.case.id, story.case.due_at
    db_session.commit()
    assert due < county_now()
    page = handler.get(f"/cases/show/{case_id}").get_data(as_text=True)
    assert f'action="/cases/step/{case_id}/request_extension"' not in page
    assert f'action="/cases/step/{case_id}/report_progress"' in page
    text = refused(step(handler, case_id, "request_extension", days="30", reason="需鉴定"), "第三十四条")
    assert due.strftime("%Y-%m-%d") in text
    case = fresh(db_session, case_id)
    assert case.due_at == due and not case.extension_pending and not case.extended


# --- Art. 35: 30 days from the written reply the petitioner holds ------------------------------------


def test_review_window_runs_from_the_latest_written_reply(session):  # noqa: F811
    story = Story(session, datetime(2025, 6, 2, 9))
    story.to_handling(datetime(2025, 6, 3, 9), datetime(2025, 6, 4, 9))
    story.do("submit_findings", story.handler, datetime(2025, 7, 1, 9), findings="f", reply_draft="r")
    story.do("approve", story.leader, datetime(2025, 7, 2, 9))
    story.do("sign_reply", story.leader, datetime(2025, 7, 10, 9), reply_text="第一次答复")
    story.do("follow_up", story.clerk, datetime(2025, 7, 15, 9), satisfaction="unsatisfied",
             method="phone", note="不满意")
    story.do("submit_findings", story.handler, datetime(2025, 7, 20, 9), findings="f2", reply_draft="r2")
    story.do("approve", story.leader, datetime(2025, 7, 21, 9))
    story.do("sign_reply", story.leader, datetime(2025, 8, 20, 9), reply_text="第二次答复")
    last_day = period(date(2025, 8, 20), 30)  # Fri 19 Sep
    assert period(date(2025, 7, 10), 30) < datetime(2025, 9, 1)  # the first reply's window is long shut
    with pytest.raises(DomainError, match="30日内"):
        story.do("request_recheck", story.clerk, last_day + timedelta(seconds=1), reason="不服")
    story.do("request_recheck", story.clerk, last_day - timedelta(hours=8), reason="不服")
    assert workflow.open_review(story.case) is not None
