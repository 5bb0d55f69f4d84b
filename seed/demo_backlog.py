"""The demo county's 积案 and 上级交办 cases, meeting types and what visits solved (seeds 001, 003, 004).

- 积案: two of 城关镇's oldest open cases (held by no county leader: the 四联四包 page lists them)
  and one since closed (the report's "resolved"); marked by the county supervisor through the
  real rule, so each has its history event; the county supervisor proposes that 周德明 hold the
  first (四联四包: a proposal waiting on the page, and his notification);
- 上级交办: an open case referred by 市信访局 with its 交办文号 and a deadline three weeks on, and
  a closed one the province referred, closed before its deadline;
- meetings: besides the month's 联席会议 (demo_supervision), a 专题会 on wage arrears and a
  常委会 that heard the petition work report;
- 下访: the problems each visit solved (one to three, never more than its batches).

Deterministic: picks by date and number, no random draws (the demo's random stream is unchanged).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.cases import backlog
from app.cases.models import OPEN_STATUSES, Case, CaseStatus
from app.extensions import db
from app.leaders import coverage
from app.leaders.models import Holding, Leader, Reception, ReceptionKind
from app.org.models import OrgUnit
from app.security.models import AppUser
from app.supervision.meetings import summarize as summarize_meeting
from app.supervision.models import JointMeeting, MeetingKind

OPEN = sorted(s.value for s in OPEN_STATUSES)


def load_demo_backlog(org: dict[str, OrgUnit], now: datetime) -> None:
    session = db.session
    session.flush()
    actor = session.execute(select(AppUser).where(AppUser.username == "county_supervisor")).unique().scalar_one()
    held = select(Holding.case_id).where(Holding.case_id.is_not(None))
    town = org["城关镇"].id

    def pick(*where, limit: int) -> list[Case]:
        return list(session.execute(
            select(Case).where(Case.category != "accusation", Case.id.not_in(held), *where)
            .order_by(Case.received_at, Case.id).limit(limit)
        ).scalars())

    backlog_cases = pick(Case.township_id == town, Case.status.in_(OPEN), limit=2)
    for case in backlog_cases:
        backlog.set_marks(session, case, backlog.Marks(True, False, note="久拖未决，列为信访积案。"), actor)
    # 四联四包: the county supervisor proposes that 周德明 hold the first 积案 (the oldest open case
    # when the county has none open); he is told in the app.
    leader = session.execute(select(Leader).where(Leader.name == "周德明")).scalar_one_or_none()
    proposed = (backlog_cases or pick(Case.status.in_(OPEN), limit=1))[:1]
    note = "久拖未决，建议县级领导包案化解。"
    if leader is not None and proposed and not coverage.proposal_problems(session, proposed[0], leader, note):
        coverage.propose(session, proposed[0], leader, note)
    for case in pick(Case.status == CaseStatus.CLOSED.value, limit=1):
        backlog.set_marks(session, case, backlog.Marks(True, False, note="积案，已化解。"), actor)
    for case in pick(Case.township_id != town, Case.status.in_(OPEN), limit=1):
        backlog.set_marks(session, case, backlog.Marks(
            False, True, "市信访局", "市信交〔2026〕27号", (now + timedelta(days=21)).date(), "上级交办，限期办结。"), actor)
    for case in pick(Case.status == CaseStatus.CLOSED.value, Case.closed_at.is_not(None), limit=2)[1:]:
        due = max(case.closed_at.date() + timedelta(days=5), case.received_at.date())
        backlog.set_marks(session, case, backlog.Marks(False, True, "省信访局", "省信转〔2026〕8号", due), actor)

    for days, kind, title, convener, decisions in (
        (35, MeetingKind.SPECIAL, "欠薪问题信访专题会", "副县长 钱立华",
         "一、人社局对欠薪线索逐件建立台账；\n二、住建局督促在建项目落实工资专户。"),
        (50, MeetingKind.STANDING, "县委常委会听取信访工作汇报", "县委书记",
         "一、超期未办结件和信访积案纳入“四联四包”，县级领导每人至少包1件；\n二、每两月通报一次。"),
    ):
        meeting = JointMeeting(title=title, kind=kind.value, held_on=(now - timedelta(days=days)).date(),
                               convener=convener, township_id=None, decisions=decisions)
        meeting.units = [org["县信访局"], org["县人力资源和社会保障局"]]
        summarize_meeting(meeting)
        session.add(meeting)

    visits = session.execute(
        select(Reception).where(Reception.kind == ReceptionKind.VISIT.value).order_by(Reception.held_on)
    ).scalars()
    for position, visit in enumerate(visits):
        visit.problems_solved = min(visit.batches or 0, 1 + position % 3)
    session.flush()
