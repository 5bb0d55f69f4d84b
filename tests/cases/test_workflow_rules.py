"""The rules module called directly on a frozen clock: deadlines of real steps across the 2025
National Day and Spring Festival 2026, pauses, the extension, 临期/超期, windows and order."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.cases import workflow
from app.cases.models import Case, CaseStatus, Petitioner
from app.core.calendar import Urgency
from app.core.errors import DomainError
from app.deadlines.policy import load_policy
from app.org.models import OrgUnit
from app.security.models import AppUser


@pytest.fixture
def session(app):
    from app.core.database import write_transactions
    from app.extensions import db

    with app.app_context(), write_transactions():
        yield db.session
        db.session.rollback()


def user(session, login: str) -> AppUser:
    return session.execute(select(AppUser).where(AppUser.username == login)).unique().scalar_one()


def org(session, name: str) -> OrgUnit:
    return session.execute(select(OrgUnit).where(OrgUnit.name == name)).scalar_one()


class Story:
    """A case in 城关镇 moved step by step at given moments."""

    def __init__(self, session, received: datetime) -> None:
        self.session = session
        self.policy = load_policy(session)
        self.clerk, self.leader, self.handler = (user(session, n) for n in ("clerk", "leader", "handler"))
        self.town = org(session, "城关镇")
        self.case = Case(
            channel="visit", received_at=received, township_id=self.town.id, category="claim",
            title="规则测试", content="内容", people_count=1, created_at=received, updated_at=received,
        )
        self.case.petitioners.append(Petitioner(name="测试人", phone="13800000000"))
        workflow.register(self.case, self.clerk, now=received, policy=self.policy)
        session.add(self.case)
        session.flush()

    def do(self, code: str, actor: AppUser, at: datetime, **inputs):
        return workflow.apply_step(self.case, code, actor, now=at, policy=self.policy, **inputs)

    def to_handling(self, accepted: datetime, assigned: datetime, rule: str = "handle") -> None:
        self.do("accept", self.clerk, accepted)
        self.do("propose", self.clerk, accepted + timedelta(hours=1), proposal="交城关镇")
        self.do("instruct", self.leader, accepted + timedelta(hours=2), text="请办理")
        self.do("assign", self.clerk, assigned, unit=self.town, rule=rule)
        self.do("receive", self.handler, assigned + timedelta(hours=1))


def test_acceptance_deadline_rolls_past_national_day(session):
    # Received 17 Sep 2025: 15 days end on 2 Oct (holiday) → 9 Oct, end of day.
    story = Story(session, datetime(2025, 9, 17, 10))
    assert story.case.accept_due_at == datetime(2025, 10, 9, 23, 59, 59)
    assert story.case.next_due_at == story.case.accept_due_at


def test_send_back_window_counts_working_days_across_national_day(session):
    story = Story(session, datetime(2025, 9, 22, 9))
    story.to_handling(datetime(2025, 9, 23, 9), datetime(2025, 9, 26, 10))
    assignment = workflow.current_assignment(story.case)
    # 28 Sep (Sun, worked), 29, 30, 9 Oct, 10 Oct.
    assert assignment.send_back_until == datetime(2025, 10, 10, 23, 59, 59)
    with pytest.raises(DomainError, match="5个工作日"):
        story.do("send_back", story.handler, datetime(2025, 10, 11, 9), reason="不属本单位")
    story.do("send_back", story.handler, datetime(2025, 10, 10, 17), reason="不属本单位")
    assert story.case.status == CaseStatus.RETURNED.value


def test_reply_deadline_is_sixty_days_from_acceptance(session):
    story = Story(session, datetime(2026, 1, 5, 9))
    story.to_handling(datetime(2026, 1, 6, 9), datetime(2026, 1, 8, 9))
    # 6 Jan + 60 days = 7 Mar 2026 (Saturday) → Monday 9 Mar.
    assert story.case.due_at == datetime(2026, 3, 9, 23, 59, 59)


def test_fast_track_deadline_across_spring_festival(session):
    story = Story(session, datetime(2026, 2, 3, 9))
    story.to_handling(datetime(2026, 2, 4, 9), datetime(2026, 2, 9, 9), rule="fast_track")
    # 9 Feb + 10 days = 19 Feb (Spring Festival holiday) → first working day 24 Feb.
    assert story.case.due_at == datetime(2026, 2, 24, 23, 59, 59)


def test_complex_plan_due_in_three_working_days_over_spring_festival(session):
    story = Story(session, datetime(2026, 2, 9, 9))
    story.do("accept", story.clerk, datetime(2026, 2, 10, 9))
    story.do("propose", story.clerk, datetime(2026, 2, 10, 10), proposal="交城关镇")
    story.do("instruct", story.leader, datetime(2026, 2, 10, 11), text="请办理")
    story.do("assign", story.clerk, datetime(2026, 2, 11, 9), unit=story.town)
    story.do("receive", story.handler, datetime(2026, 2, 12, 9), complex=True)
    # 13 Feb (Fri), 14 Feb (Sat, worked), then the holiday until 23 Feb, 24 Feb.
    assert workflow.current_assignment(story.case).plan_due_at == datetime(2026, 2, 24, 23, 59, 59)


def test_pause_is_not_counted(session):
    story = Story(session, datetime(2025, 9, 1, 9))
    story.to_handling(datetime(2025, 9, 2, 9), datetime(2025, 9, 3, 9))
    due = story.case.due_at  # 2 Sep + 60 = 1 Nov (Saturday) → 3 Nov
    assert due == datetime(2025, 11, 3, 23, 59, 59)
    story.do("pause", story.handler, datetime(2025, 9, 29, 15), reason_kind="hearing", reason="听证")
    assert story.case.next_due_at is None
    assert workflow.case_urgency(story.case, datetime(2025, 12, 1), story.policy) == Urgency.PAUSED
    with pytest.raises(DomainError, match="已暂停计时"):
        story.do("pause", story.handler, datetime(2025, 9, 30, 9), reason_kind="hearing", reason="again")
    story.do("resume", story.handler, datetime(2025, 10, 13, 10))
    # 14 calendar days paused (29 Sep – 13 Oct): 3 Nov + 14 = 17 Nov.
    assert story.case.paused_days == 14
    assert story.case.due_at == datetime(2025, 11, 17, 23, 59, 59)
    assert story.case.next_due_at == story.case.due_at


def test_extension_of_at_most_thirty_days_once(session):
    story = Story(session, datetime(2026, 1, 5, 9))
    story.to_handling(datetime(2026, 1, 6, 9), datetime(2026, 1, 8, 9))
    assert story.case.due_at == datetime(2026, 3, 9, 23, 59, 59)
    with pytest.raises(DomainError, match="30"):
        story.do("request_extension", story.handler, datetime(2026, 3, 1, 9), days=31, reason="复杂")
    story.do("request_extension", story.handler, datetime(2026, 3, 1, 9), days=30, reason="需鉴定")
    with pytest.raises(DomainError, match="您的角色"):
        story.do("decide_extension", story.handler, datetime(2026, 3, 2, 9), decision="approve")
    story.do("decide_extension", story.leader, datetime(2026, 3, 2, 9), decision="approve")
    # The 60 days (ending Sat 7 Mar, rolled to 9 Mar) become 90: 6 Apr 2026 (Qingming) → 7 Apr.
    assert story.case.due_at == datetime(2026, 4, 7, 23, 59, 59)
    assert story.case.extended and story.case.extension_days == 30
    with pytest.raises(DomainError, match="已延期一次"):
        story.do("request_extension", story.handler, datetime(2026, 3, 3, 9), days=5, reason="再延")


def test_near_and_overdue_on_a_frozen_clock(session):
    story = Story(session, datetime(2026, 1, 5, 9))
    story.to_handling(datetime(2026, 1, 6, 9), datetime(2026, 1, 8, 9))  # due 9 Mar
    case, policy = story.case, story.policy
    assert workflow.case_urgency(case, datetime(2026, 3, 5, 12), policy) == Urgency.ON_TIME
    assert workflow.case_urgency(case, datetime(2026, 3, 6, 0, 1), policy) == Urgency.NEAR
    assert workflow.case_urgency(case, datetime(2026, 3, 9, 23, 0), policy) == Urgency.NEAR
    assert workflow.case_urgency(case, datetime(2026, 3, 10, 0, 0), policy) == Urgency.OVERDUE


def test_dates_out_of_order_are_refused(session):
    story = Story(session, datetime(2026, 1, 5, 9))
    story.to_handling(datetime(2026, 1, 6, 9), datetime(2026, 1, 8, 9))
    story.do("submit_findings", story.handler, datetime(2026, 1, 20, 9), findings="f", reply_draft="r")
    story.do("approve", story.leader, datetime(2026, 1, 21, 9))
    with pytest.raises(DomainError, match="按时间顺序"):
        # A reply dated before the assignment.
        story.do("sign_reply", story.leader, datetime(2026, 1, 22, 9), reply_text="答复",
                 occurred_at=datetime(2026, 1, 7, 9))
    with pytest.raises(DomainError, match="早于信访件收到时间"):
        story.do("sign_reply", story.leader, datetime(2026, 1, 22, 9), reply_text="答复",
                 occurred_at=datetime(2026, 1, 1, 9))
    with pytest.raises(DomainError, match="晚于当前时间"):
        story.do("sign_reply", story.leader, datetime(2026, 1, 22, 9), reply_text="答复",
                 occurred_at=datetime(2026, 1, 25, 9))
    assert story.case.status == CaseStatus.APPROVED.value
    story.do("sign_reply", story.leader, datetime(2026, 1, 22, 9), reply_text="答复",
             occurred_at="2026-01-21 16:30")
    assert story.case.replied_at == datetime(2026, 1, 21, 16, 30)


def test_review_must_be_asked_within_thirty_days_of_the_answer(session):
    story = Story(session, datetime(2026, 1, 5, 9))
    story.to_handling(datetime(2026, 1, 6, 9), datetime(2026, 1, 8, 9))
    story.do("submit_findings", story.handler, datetime(2026, 1, 20, 9), findings="f", reply_draft="r")
    story.do("approve", story.leader, datetime(2026, 1, 21, 9))
    story.do("sign_reply", story.leader, datetime(2026, 1, 22, 9), reply_text="答复")
    # 22 Jan + 30 days = 21 Feb (Spring Festival rest) → 24 Feb is the last day.
    with pytest.raises(DomainError, match="30日内"):
        story.do("request_recheck", story.clerk, datetime(2026, 2, 25, 9), reason="不服")
    story.do("request_recheck", story.clerk, datetime(2026, 2, 24, 9), reason="不服")
    review = workflow.open_review(story.case)
    assert review.due_at == datetime(2026, 3, 26, 23, 59, 59)
    assert story.case.next_due_at == review.due_at


def test_closing_without_a_reply_is_refused(session):
    story = Story(session, datetime(2026, 1, 5, 9))
    story.to_handling(datetime(2026, 1, 6, 9), datetime(2026, 1, 8, 9))
    with pytest.raises(DomainError, match="答复信访人后方可结案"):
        story.do("close", story.clerk, datetime(2026, 1, 9, 9))


def test_unknown_step_and_wrong_role(session):
    story = Story(session, datetime(2026, 1, 5, 9))
    with pytest.raises(DomainError, match="未知"):
        story.do("teleport", story.clerk, datetime(2026, 1, 6, 9))
    with pytest.raises(DomainError, match="您的角色"):
        story.do("accept", story.leader, datetime(2026, 1, 6, 9))


def test_the_rules_table_is_complete_and_consistent():
    """Every status can be left (except the final ones), every step names real statuses."""
    from app.security.roles import RoleName

    final = {CaseStatus.CLOSED, CaseStatus.NOT_ACCEPTED, CaseStatus.MERGED, CaseStatus.VOIDED}
    leaving = {s for step in workflow.STEPS.values() for s in step.from_states
               if step.to_state is not None or step.code in ("instruct", "follow_up", "decide_review")}
    assert set(CaseStatus) - final - {CaseStatus.REVIEWING} <= leaving | {CaseStatus.REVIEWING}
    for step in workflow.STEPS.values():
        # The 系统管理员 takes one step: voiding a registration made by mistake.
        admin = {RoleName.ADMIN} if step.code == "void" else set()
        assert step.roles <= {RoleName.CLERK, RoleName.HANDLER, RoleName.LEADER} | admin, step.code
        assert not step.roles & {RoleName.SUPERVISOR, RoleName.MANAGER}
        assert step.label and step.from_states, step.code
    assert workflow.queue_states(RoleName.HANDLER) == {"assigned", "handling"}
    assert {"registered", "accepted", "instructed", "returned", "replied"} == workflow.queue_states(RoleName.CLERK)
    assert {"proposed", "in_review", "approved", "reviewing"} <= workflow.queue_states(RoleName.LEADER)
