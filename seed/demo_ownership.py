"""The demo county's 首办责任人, 当场办结 and 点名交办, loaded by the workflow's own steps.

- 城关镇 has two 承办人: every case received at the office is held by whoever signed for it
  (陈志强, through the history's `receive`); the town's leader has given a few of them to 林晓芳
  (`name_handler`), so 我的信访件 and the workload view have something to show for both.
- Three matters answered at the 城关镇 window (seed 003 "当场解决、当日解决"): a consumer question
  closed at once (the administrator lets 消费维权 close without a leader), a pension question
  the town's leader approved, and one still waiting for that one-click approval.
- One 批示 of 周德明 names 杨振华 the responsible leader (点名交办): only he signs its reply.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.cases import workflow
from app.cases.models import Case, CaseStatus, Category, Channel, Petitioner, Subject
from app.extensions import db
from app.org.models import OrgUnit
from app.portal.issuing import announce_registration
from app.security.models import AppUser

WINDOW = [  # subject, title, content, name, phone, reply, hours ago, approved
    ("消费维权", "咨询预付卡退费途径", "在镇上健身房办的预付卡，门店关门后如何退费。", "马玉兰", "13945101234",
     "已当场告知可向县市场监管局投诉及诉讼途径，并提供投诉电话12315。", 30, None),
    ("劳动社保", "咨询城乡居民养老保险补缴", "年满六十周岁前能否补缴城乡居民养老保险。", "高长顺", "13845104321",
     "已当场解释补缴政策及办理地点（镇社保所），信访人表示清楚。", 26, "approved"),
    ("劳动社保", "咨询灵活就业人员医保缴费", "灵活就业人员医保每年什么时候缴费、在哪里缴。", "何淑芬", "13645105678",
     "已当场告知缴费时间和线上缴费渠道。", 3, None),
]


def _user(login: str) -> AppUser:
    return db.session.execute(select(AppUser).where(AppUser.username == login)).unique().scalar_one()


def load_demo_ownership(now: datetime) -> None:
    clerk, leader, county_leader = _user("clerk"), _user("leader"), _user("county_leader")
    town = db.session.execute(select(OrgUnit).where(OrgUnit.name == "城关镇")).scalar_one()
    _reassign(town, leader, _user("handler"), _user("handler_cg"), now)
    _window(town, clerk, leader, now)
    _named_leader(town, county_leader, leader, now)


def _reassign(town: OrgUnit, leader: AppUser, chen: AppUser, lin: AppUser, now: datetime) -> None:
    held = db.session.execute(
        select(Case).where(Case.responsible_unit_id == town.id, Case.handler_id == chen.id,
                           Case.status.in_([CaseStatus.HANDLING.value, CaseStatus.IN_REVIEW.value]))
        .order_by(Case.id)
    ).scalars().all()
    for case in held[::2]:
        if case.last_step_at and case.last_step_at > now - timedelta(hours=2):
            continue
        workflow.apply_step(case, "name_handler", leader, now=now - timedelta(hours=1),
                            handler=lin, note="按分工调整首办责任人")


def _window(town: OrgUnit, clerk: AppUser, leader: AppUser, now: datetime) -> None:
    consumer = db.session.execute(select(Subject).where(Subject.name == "消费维权")).scalar_one()
    consumer.on_the_spot_allowed = True
    for subject_name, title, content, name, phone, reply, hours, approved in WINDOW:
        at = (now - timedelta(hours=hours)).replace(microsecond=0)
        subject = db.session.execute(select(Subject).where(Subject.name == subject_name)).scalar_one()
        case = Case(channel=Channel.VISIT.value, received_at=at, township_id=town.id,
                    category=Category.CLAIM.value, subject=subject, title=title, content=content, people_count=1)
        case.petitioners.append(Petitioner(name=name, phone=phone))
        workflow.register(case, clerk, now=at)
        db.session.add(case)
        db.session.flush()
        announce_registration(db.session, case, now=at)
        workflow.apply_step(case, "answer_at_window", clerk, now=at + timedelta(minutes=20),
                            reply_text=reply, satisfaction="satisfied")
        if approved:
            workflow.apply_step(case, "approve_at_window", leader, now=at + timedelta(hours=2))


def _named_leader(town: OrgUnit, county_leader: AppUser, leader: AppUser, now: datetime) -> None:
    case = db.session.execute(
        select(Case).where(Case.township_id == town.id, Case.status == CaseStatus.PROPOSED.value,
                           Case.last_step_at < now - timedelta(hours=2))
        .order_by(Case.id).limit(1)
    ).scalar_one_or_none()
    if case is not None:
        workflow.apply_step(case, "instruct", county_leader, now=now - timedelta(hours=1),
                            text="请杨振华同志牵头办理，按期署名答复。", leader=leader)
