"""The demo county's practices (seed 003): agents on a few cases, consultation meetings and expert
opinions on the hardest, contingency plans for the collective visits, and the look-back
(初信初访倒查) run over the last six weeks' first petitions by the real rule — the older flags
already verified by their township."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from app.cases.models import Case, Category
from app.extensions import db
from app.org.models import OrgUnit
from app.practices.alerts import flag_missed
from app.practices.models import (
    AgentRelation,
    CaseAgent,
    ConsultationMeeting,
    ContingencyPlan,
    ExpertKind,
    ExpertOpinion,
    MissStatus,
)

AGENTS = [
    ("张建华", AgentRelation.RELATIVE, "13845120011", "信访人之子，代为递交材料"),
    ("黑龙江正方律师事务所 李律师", AgentRelation.LAWYER, "0451-82345678", "受信访人委托"),
    ("王德顺", AgentRelation.CADRE, "13945126677", "红旗村代办员，代老人反映"),
    ("陈小梅", AgentRelation.LEGAL_AID, "13704519090", "县法律援助中心指派"),
]
MEETINGS = [
    ("村委会议室", "镇信访办、村两委成员、涉事农户代表12人", "多数农户同意按评估价补偿，少数要求另行安置",
     "镇政府一周内出具补偿方案，村里张榜公示"),
    ("社区服务中心", "社区、物业公司、业主代表9人", "业主要求公开维修基金使用明细", "物业公司十日内公示账目，社区跟踪"),
]
OPINIONS = [
    ("县法律顾问团 刘律师", ExpertKind.LAWYER, "诉求涉及土地承包经营权确认，属人民法院受理范围，建议引导诉讼，同时对生活困难部分给予救助。"),
    ("县农业农村局 高级农艺师 赵某", ExpertKind.EXPERT, "经现场查看，农资质量问题与减产存在因果关系，建议由经销商按实际减产量赔偿。"),
    ("县联办专家组", ExpertKind.PANEL, "合理诉求在政策范围内尽快解决；超出政策部分集体研判后明确答复信访人。"),
]
PLANS = [
    ("1. 镇主要领导到场接待，分组听取诉求；2. 派出所维护现场秩序，不激化矛盾；3. 人社所当日核实欠薪名单", "李晓东"),
    ("1. 县信访局牵头，住建局、属地镇派员接待；2. 选派5名代表座谈；3. 三个工作日内拿出处理方案", "周德明"),
]
LOOK_BACK = timedelta(days=42)


def load_demo_practices(org: dict[str, OrgUnit], rng: random.Random, now: datetime) -> None:
    towns = [org["城关镇"].id, org["河东镇"].id]
    open_claims = db.session.execute(
        select(Case).where(Case.township_id.in_(towns), Case.category == Category.CLAIM.value,
                           Case.received_at <= now).order_by(Case.received_at.desc()).limit(40)
    ).scalars().all()
    for case, (name, relation, phone, note) in zip(open_claims[1::9], AGENTS, strict=False):
        db.session.add(CaseAgent(case_id=case.id, name=name, relation=relation.value, phone=phone, note=note))
    for case, (place, who, heard, follow) in zip(open_claims[3::11], MEETINGS, strict=False):
        db.session.add(ConsultationMeeting(case_id=case.id, held_on=(case.received_at + timedelta(days=6)).date(),
                                           place=place, participants=who, opinions=heard, follow_up=follow))
    for case, (expert, kind, text) in zip(open_claims[2::7], OPINIONS, strict=False):
        db.session.add(ExpertOpinion(case_id=case.id, expert=expert, expert_kind=kind.value,
                                     given_on=min((case.received_at + timedelta(days=10)).date(), now.date()),
                                     opinion=text))
    collective = db.session.execute(
        select(Case).where(Case.is_collective.is_(True), Case.received_at <= now)
        .order_by(Case.received_at.desc()).limit(len(PLANS))
    ).scalars().all()
    for case, (measures, person) in zip(collective, PLANS, strict=False):
        db.session.add(ContingencyPlan(case_id=case.id, drawn_up_on=case.received_at.date(), measures=measures,
                                       responsible_person=person))
    recent = db.session.execute(
        select(Case).where(Case.received_at >= now - LOOK_BACK, Case.received_at <= now)
        .order_by(Case.received_at)
    ).scalars().all()
    for case in recent:
        miss = flag_missed(db.session, case, case.received_at + timedelta(hours=2), tell=False)
        if miss is not None and now - case.received_at > timedelta(days=14):
            if rng.random() < 0.6:
                miss.status = MissStatus.EXPLAINED.value
                miss.note = "经核实，该事项系排查之后新发生，排查时尚无矛盾苗头"
    db.session.flush()
