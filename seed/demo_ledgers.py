"""The demo county's ledgers and mediation, in seed 003's proportions.

- dispute ledger: 84 disputes (about 110 people; seed 003: 105), lists 38 / 29 / 14 by level and 3
  closed out;
  some parties are petitioners of recent cases (so the close-out check has something to find),
  a few level-1 disputes are past their six months of observation, two await close-out approval;
- sweeps: the three default periods, reports for the recent periods of every village (weekly),
  township (half-monthly) and county department (monthly) — mostly zero reports, some late,
  some missing;
- eight risk assessments of the kinds seed 000 names (land transfer, relocation, siting …);
- a mediation committee per village and per township, seven specialised ones, two mediators per
  village and hamlet, and about 120 mediation records with 95% resolved.

Deterministic (the caller's random generator), loaded inside `load_demo()`'s transaction.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from app.cases.models import Case
from app.core import clock
from app.extensions import db
from app.ledgers import sweeps
from app.ledgers.models import (
    CloseOutRequest,
    CloseOutStatus,
    DisputeType,
    EntryStatus,
    LedgerEntry,
    LedgerParty,
    LevelChange,
    ListLevel,
    OrgLevel,
    ProgressNote,
    RiskAssessment,
    RiskConclusion,
    RiskKind,
    RiskLevel,
    RiskStatus,
    SweepReport,
    SweepRule,
)
from app.mediation.models import (
    CommitteeKind,
    Honoured,
    MediationCommittee,
    MediationMethod,
    MediationRecord,
    Mediator,
    Outcome,
    Referral,
)
from app.org.models import OrgKind, OrgUnit
from app.security.models import AppUser
from seed import data

LEVEL_COUNTS = {ListLevel.GENERAL: 38, ListLevel.SPECIAL: 29, ListLevel.KEY: 14}
CLOSED_COUNT = 3
SWEEP_WEEKS = 8

# (type, title pattern, measures)
DISPUTES: list[tuple[DisputeType, str, str]] = [
    (DisputeType.LAND, "{a}与{b}宅基地边界纠纷", "村委会、司法所现场查阅宅基地台账并实地丈量，组织双方协商"),
    (DisputeType.LAND, "{place}承包地界址争议", "调取二轮承包合同，组织村民代表现场指界"),
    (DisputeType.ACQUISITION, "{place}征地补偿款分配纠纷", "镇政府牵头，自然资源所核对补偿清单，公示分配方案"),
    (DisputeType.ACQUISITION, "{a}房屋拆迁安置面积争议", "属事部门复核测绘结果，解释安置政策"),
    (DisputeType.NEIGHBOURS, "{a}与{b}排水沟渠纠纷", "网格员入户调解，协调修建排水明沟"),
    (DisputeType.NEIGHBOURS, "{a}与{b}因建房采光发生纠纷", "村调委会组织调解，约定建房高度"),
    (DisputeType.FAMILY, "{a}家庭赡养纠纷", "村调委会、妇联入户做子女工作，签订赡养协议"),
    (DisputeType.FAMILY, "{a}与{b}离婚后财产分割纠纷", "引导通过诉讼途径解决，司法所提供法律援助"),
    (DisputeType.WAGES, "{place}务工人员讨要工资纠纷", "人社局劳动监察介入，督促用工单位限期支付"),
    (DisputeType.CONTRACT, "{place}土地流转租金拖欠纠纷", "镇农经站核对流转合同，督促合作社分期支付"),
    (DisputeType.CONTRACT, "{a}与{b}民间借贷纠纷", "调解员组织双方核对账目，约定还款计划"),
    (DisputeType.PROPERTY, "{place}小区物业服务纠纷", "住建局约谈物业公司，召开业主座谈会"),
    (DisputeType.MEDICAL, "{a}对卫生院诊疗结果有异议", "医疗纠纷调委会组织医患沟通，委托医疗损害鉴定"),
    (DisputeType.TRAFFIC, "{a}与{b}交通事故赔偿纠纷", "交警部门出具责任认定，交通事故调委会调解赔偿"),
    (DisputeType.ENVIRONMENT, "{place}养殖场异味扰民纠纷", "生态环境分局现场检测，责令养殖场限期整改"),
    (DisputeType.CONSUMER, "{a}预付卡退费纠纷", "市场监管局约谈经营者，协调退费"),
    (DisputeType.OTHER, "{place}村集体资产收益分配争议", "镇纪委、经管站审计村账，公开收支"),
]
PROGRESS = [
    "已入户走访当事人，了解双方诉求",
    "组织双方当事人座谈，初步达成一致意见",
    "属事部门已出具书面答复意见",
    "包保责任人再次回访，当事人情绪稳定",
    "召开联席会议研判，明确化解措施",
    "已落实部分诉求，剩余问题正在协调",
]
RESOLUTIONS = ["双方签订调解协议并已履行", "补偿款已足额发放", "当事人表示满意，息诉罢访", "经协调问题已解决"]
LEVEL_REASONS = ["矛盾有激化苗头，列入重点管理", "当事人多次表示要越级上访，需密切关注", "涉及人数增加，提级管理"]

RISKS: list[tuple[str, RiskKind, str, str, RiskLevel, RiskConclusion, RiskStatus, str]] = [
    ("城关镇红旗村土地流转项目", RiskKind.LAND_TRANSFER, "城关镇", "红旗村",
     RiskLevel.MEDIUM, RiskConclusion.PROCEED_WITH_MEASURES, RiskStatus.IMPLEMENTING,
     "流转价格是否为多数农户接受；少数农户不愿流转；合作社支付能力"),
    ("县城东扩道路建设征地", RiskKind.ACQUISITION, "城关镇", "团结村",
     RiskLevel.HIGH, RiskConclusion.PROCEED_WITH_MEASURES, RiskStatus.IMPLEMENTING,
     "补偿标准差异；地上附着物认定；失地农民社保"),
    ("河东镇老街棚户区改造", RiskKind.RELOCATION, "河东镇", "河东社区",
     RiskLevel.HIGH, RiskConclusion.POSTPONE, RiskStatus.ASSESSED,
     "安置房源不足；过渡期安置费标准；部分住户年老体弱"),
    ("石桥镇垃圾转运站选址", RiskKind.SITING, "石桥镇", "北山村",
     RiskLevel.HIGH, RiskConclusion.DO_NOT_PROCEED, RiskStatus.ASSESSED,
     "距居民区过近；群众担心异味和地下水污染"),
    ("白沙镇光伏电站项目", RiskKind.CONSTRUCTION, "白沙镇", "大营村",
     RiskLevel.LOW, RiskConclusion.PROCEED, RiskStatus.COMPLETED,
     "占用林地补偿；施工期间道路损坏"),
    ("东湖街道老旧小区加装电梯", RiskKind.CONSTRUCTION, "东湖街道", "湖滨社区",
     RiskLevel.MEDIUM, RiskConclusion.PROCEED_WITH_MEASURES, RiskStatus.IMPLEMENTING,
     "低层住户意见分歧；费用分摊方案"),
    ("县属国有林场改制", RiskKind.RESTRUCTURING, None, None,
     RiskLevel.MEDIUM, RiskConclusion.PROCEED_WITH_MEASURES, RiskStatus.ASSESSING,
     "职工安置；社保接续；历史欠账"),
    ("农村客运班线调整方案", RiskKind.POLICY, None, None,
     RiskLevel.LOW, RiskConclusion.PROCEED, RiskStatus.ASSESSED,
     "偏远村屯出行不便；票价调整"),
]
RISK_UNITS = {
    RiskKind.LAND_TRANSFER: "县农业农村局", RiskKind.ACQUISITION: "县自然资源局",
    RiskKind.RELOCATION: "县住房和城乡建设局", RiskKind.SITING: "市生态环境局青山分局",
    RiskKind.CONSTRUCTION: "县住房和城乡建设局", RiskKind.RESTRUCTURING: "县人力资源和社会保障局",
    RiskKind.POLICY: "县交通运输局",
}
SPECIALISED: list[tuple[str, CommitteeKind, str]] = [
    ("县医疗纠纷人民调解委员会", CommitteeKind.MEDICAL, "县卫生健康局"),
    ("县消费纠纷人民调解委员会", CommitteeKind.CONSUMER, "县市场监督管理局"),
    ("县安全生产纠纷人民调解委员会", CommitteeKind.WORK_SAFETY, "县司法局"),
    ("县教育纠纷人民调解委员会", CommitteeKind.EDUCATION, "县教育局"),
    ("县劳动争议人民调解委员会", CommitteeKind.LABOUR, "县人力资源和社会保障局"),
    ("县物业纠纷人民调解委员会", CommitteeKind.PROPERTY, "县住房和城乡建设局"),
    ("县道路交通事故人民调解委员会", CommitteeKind.TRAFFIC, "县公安局"),
]


def _name(rng: random.Random) -> str:
    return rng.choice(data.SURNAMES) + rng.choice(data.GIVEN)


def _id_number(rng: random.Random) -> str:
    from seed.demo import fake_id_number

    return fake_id_number(rng)


def _mobile(rng: random.Random) -> str:
    from seed.demo import fake_mobile

    return fake_mobile(rng)


def load_demo_ledgers(org: dict[str, OrgUnit], rng: random.Random, today: date | None = None) -> dict[str, Any]:
    today = today or clock.today()
    session = db.session
    session.flush()
    users = {u.username: u for u in session.execute(select(AppUser)).scalars()}
    clerk_ids = {u.org_unit_id: u.id for u in users.values() if u.org_unit_id}
    townships = [org[name] for name, _ in data.TOWNSHIPS]
    villages = {t.id: [org[v] for v in vs] for t, (_, vs) in zip(townships, data.TOWNSHIPS, strict=True)}
    hamlets = {org[v].id: [org[h] for h in hs] for v, hs in data.HAMLETS.items()}

    for level, (frequency, weekday, cutoff) in sweeps.DEFAULT_RULES.items():
        session.add(SweepRule(org_level=level, frequency=frequency, due_weekday=weekday, cutoff=cutoff))

    entries = _ledger(session, org, rng, today, townships, villages, hamlets, clerk_ids)
    session.flush()
    reports = _sweep_reports(session, rng, today, entries, clerk_ids)
    _risks(session, org, rng, today)
    committees, records = _mediation(session, org, rng, today, townships, villages, hamlets, entries)
    session.flush()
    return {"entries": len(entries), "reports": reports, "committees": committees, "records": records}


def _ledger(session, org, rng, today, townships, villages, hamlets, clerk_ids) -> list[LedgerEntry]:
    recent_petitioners = [
        p for case in session.execute(
            select(Case).where(Case.received_at >= datetime.combine(today - timedelta(days=150), time.min))
        ).scalars() for p in case.petitioners if p.id_number
    ]
    plan = [ListLevel.GENERAL] * (LEVEL_COUNTS[ListLevel.GENERAL] + CLOSED_COUNT)
    plan += [ListLevel.SPECIAL] * LEVEL_COUNTS[ListLevel.SPECIAL] + [ListLevel.KEY] * LEVEL_COUNTS[ListLevel.KEY]
    rng.shuffle(plan)
    entries: list[LedgerEntry] = []
    closed_left = CLOSED_COUNT
    for index, level in enumerate(plan):
        township = townships[0] if rng.random() < 0.35 else rng.choice(townships)
        village = rng.choice(villages[township.id])
        hamlet = rng.choice(hamlets[village.id]) if village.id in hamlets and rng.random() < 0.6 else None
        kind, pattern, measures = rng.choice(DISPUTES)
        a, b = _name(rng), _name(rng)
        two = "{b}" in pattern
        found = today - timedelta(days=rng.randint(3, 330))
        # Level 1 first: resolved ones are older, so some are past their observation period.
        if level == ListLevel.GENERAL:
            found = today - timedelta(days=rng.randint(60, 400))
        unit = township if rng.random() < 0.6 else org[_unit_for(kind)]
        entry = LedgerEntry(
            title=pattern.format(a=a, b=b, place=village.name),
            dispute_type=kind.value,
            found_on=found,
            township_id=township.id,
            village_id=village.id,
            hamlet_id=hamlet.id if hamlet else None,
            description=f"{village.name}{'、'.join([a, b] if two else [a])}反映的矛盾纠纷，经{village.name}矛盾排查员排查发现。",
            responsible_unit_id=unit.id,
            responsible_person=rng.choice(data.SURNAMES) + rng.choice(["书记", "镇长", "主任", "局长", "所长"]),
            measures=measures,
            level=level.value,
            status=EntryStatus.UNRESOLVED.value,
            created_at=datetime.combine(found, time(10)),
            updated_at=datetime.combine(found, time(10)),
            created_by_id=clerk_ids.get(township.id),
        )
        names = [a, b] if two else [a]
        for position, name in enumerate(names):
            entry.parties.append(LedgerParty(
                name=name, id_number=_id_number(rng) if rng.random() < 0.8 else None,
                phone=_mobile(rng) if rng.random() < 0.9 else None, sort_order=position,
            ))
        # Some parties have petitioned recently: their entries cannot be closed out yet.
        if recent_petitioners and index % 9 == 0:
            petitioner = rng.choice(recent_petitioners)
            entry.parties[0].name = petitioner.name
            entry.parties[0].id_number = petitioner.id_number
            entry.parties[0].phone = petitioner.phone
            entry.parties[0].petitioner = petitioner
            entry.parties[0].case = petitioner.case
            entry.title = pattern.format(a=petitioner.name, b=b, place=village.name)
        entry.people_count = len(names) + (rng.choice([0, 0, 0, 1]) if rng.random() < 0.3 else 0)
        entry.level_changes.append(LevelChange(
            from_level=None, to_level=ListLevel.SPECIAL.value, reason="排查登记", changed_at=datetime.combine(found, time(10)),
        ))
        moment = found + timedelta(days=rng.randint(2, 20))
        for _ in range(rng.randint(1, 3)):
            if moment >= today:
                break
            entry.notes.append(ProgressNote(noted_on=moment, text=rng.choice(PROGRESS),
                                            created_at=datetime.combine(moment, time(15))))
            entry.last_progress_on = moment
            moment += timedelta(days=rng.randint(5, 30))
        if level == ListLevel.KEY:
            raised = min(today, found + timedelta(days=rng.randint(1, 10)))
            entry.level_changes.append(LevelChange(
                from_level=ListLevel.SPECIAL.value, to_level=ListLevel.KEY.value,
                reason=rng.choice(LEVEL_REASONS), changed_at=datetime.combine(raised, time(16)),
            ))
        if level == ListLevel.GENERAL:
            resolved = min(today - timedelta(days=1), found + timedelta(days=rng.randint(10, 90)))
            entry.status = EntryStatus.RESOLVED.value
            entry.resolved_on = resolved
            text = rng.choice(RESOLUTIONS)
            entry.level_changes.append(LevelChange(
                from_level=ListLevel.SPECIAL.value, to_level=ListLevel.GENERAL.value,
                reason=f"矛盾已化解：{text}", changed_at=datetime.combine(resolved, time(17)),
            ))
            entry.notes.append(ProgressNote(noted_on=resolved, text=f"矛盾已化解：{text}",
                                            created_at=datetime.combine(resolved, time(17))))
            entry.last_progress_on = max(entry.last_progress_on or resolved, resolved)
            observed = resolved + timedelta(days=190) <= today
            if observed and closed_left and index % 9 != 0:
                closed_left -= 1
                closed_on = min(today, resolved + timedelta(days=rng.randint(185, 200)))
                entry.status = EntryStatus.CLOSED.value
                entry.closed_on = closed_on
                entry.closeout_requests.append(CloseOutRequest(
                    status=CloseOutStatus.APPROVED.value, reason="化解后观察期满六个月，当事人未再信访",
                    applied_at=datetime.combine(closed_on, time(9)), applying_unit_id=unit.id,
                    decided_at=datetime.combine(closed_on, time(16)), decision_note="同意销号",
                ))
                entry.notes.append(ProgressNote(noted_on=closed_on, text="销号（已审批）",
                                                created_at=datetime.combine(closed_on, time(16))))
        entries.append(entry)
        session.add(entry)
    # Two eligible level-1 disputes await the leader's approval.
    waiting = [e for e in entries if e.status == EntryStatus.RESOLVED.value
               and e.resolved_on + timedelta(days=190) <= today and e.parties[0].petitioner is None][:2]
    for entry in waiting:
        entry.closeout_requests.append(CloseOutRequest(
            status=CloseOutStatus.PENDING.value, reason="化解后观察期满六个月，当事人未再信访，申请销号",
            applied_at=datetime.combine(today - timedelta(days=1), time(9)),
            applying_unit_id=entry.responsible_unit_id,
        ))
    return entries


def _unit_for(kind: DisputeType) -> str:
    return {
        DisputeType.ACQUISITION: "县自然资源局", DisputeType.LAND: "县自然资源局",
        DisputeType.WAGES: "县人力资源和社会保障局", DisputeType.PROPERTY: "县住房和城乡建设局",
        DisputeType.MEDICAL: "县卫生健康局", DisputeType.TRAFFIC: "县公安局",
        DisputeType.ENVIRONMENT: "市生态环境局青山分局", DisputeType.CONSUMER: "县市场监督管理局",
        DisputeType.CONTRACT: "县农业农村局",
    }.get(kind, "县司法局")


def _sweep_reports(session, rng, today, entries, clerk_ids) -> int:
    rules = sweeps.rules(session)
    moment = clock.now()
    count = 0
    units = session.execute(
        select(OrgUnit).where(OrgUnit.kind.in_(list(sweeps.LEVEL_KINDS.values())), OrgUnit.active.is_(True))
        .order_by(OrgUnit.id)
    ).scalars().all()
    history = {OrgLevel.VILLAGE.value: SWEEP_WEEKS, OrgLevel.TOWNSHIP.value: 4, OrgLevel.COUNTY.value: 3}
    for unit in units:
        level = sweeps.level_of(unit)
        rule = rules[level]
        period = sweeps.period_containing(rule, today)
        periods = []
        for _ in range(history[level]):
            periods.append(period)
            period = sweeps.previous_period(rule, period)
        for period in periods:
            found = [e for e in entries if e.sweep_report_id is None and period.start <= e.found_on <= period.end
                     and _belongs(e, unit)]
            current = period.due_at > moment
            # The current period: about half have reported so far; older ones: a few never did.
            if (current and rng.random() < 0.5) or (not current and rng.random() < 0.06):
                continue
            late = not current and rng.random() < 0.08
            submitted = period.due_at + timedelta(hours=rng.randint(2, 40)) if late else min(
                moment, period.due_at - timedelta(hours=rng.randint(1, 30)))
            if submitted.date() < period.start:
                submitted = datetime.combine(period.start, time(9))
            report = SweepReport(
                org_unit_id=unit.id, org_level=level, township_id=unit.township_id, village_id=unit.village_id,
                unit_name=unit.name, period_start=period.start, period_end=period.end, due_at=period.due_at,
                is_zero=not found, entries_found=len(found), people_involved=sum(e.people_count for e in found),
                summary="本期未排查出矛盾纠纷" if not found else f"本期排查出矛盾纠纷{len(found)}件，均已录入台账",
                submitted_at=submitted, is_late=submitted > period.due_at,
                created_at=submitted, updated_at=submitted,
                created_by_id=clerk_ids.get(unit.township_id or unit.id),
            )
            session.add(report)
            session.flush()
            for entry in found:
                entry.sweep_report_id = report.id
            count += 1
    return count


def _belongs(entry: LedgerEntry, unit: OrgUnit) -> bool:
    if unit.kind == OrgKind.VILLAGE.value:
        return entry.village_id == unit.id
    if unit.kind == OrgKind.TOWNSHIP.value:
        return entry.township_id == unit.id and entry.village_id is None
    return entry.responsible_unit_id == unit.id and entry.village_id is None


def _risks(session, org, rng, today) -> None:
    for name, kind, township, village, level, conclusion, status, points in RISKS:
        assessed = today - timedelta(days=rng.randint(20, 300))
        session.add(RiskAssessment(
            name=name, kind=kind.value, responsible_unit_id=org[RISK_UNITS[kind]].id,
            township_id=org[township].id if township else None,
            village_id=org[village].id if village else None,
            description=f"{name}，实施前开展社会稳定风险评估。",
            risk_points=points, risk_level=level.value,
            conclusion=None if status == RiskStatus.ASSESSING else conclusion.value,
            measures="公开政策标准，逐户走访解释，设立临时接待点，明确包保责任人" if level != RiskLevel.LOW else "加强宣传解释",
            assessed_on=None if status == RiskStatus.ASSESSING else assessed,
            status=status.value,
        ))


UNCOVERED_HAMLET = "团结二组"


def _mediation(session, org, rng, today, townships, villages, hamlets, entries) -> tuple[int, int]:
    committees: list[MediationCommittee] = []
    by_unit: dict[int, MediationCommittee] = {}

    def committee(name: str, kind: CommitteeKind, unit: OrgUnit) -> MediationCommittee:
        item = MediationCommittee(name=name, kind=kind.value, org_unit_id=unit.id, director=_name(rng),
                                  phone=_mobile(rng), active=True)
        session.add(item)
        committees.append(item)
        by_unit.setdefault(unit.id, item)
        return item

    def mediator(unit: OrgUnit, *member_of: MediationCommittee, specialty: str | None = None) -> Mediator:
        person = Mediator(name=_name(rng), phone=_mobile(rng), org_unit_id=unit.id, specialty=specialty,
                          committees=list(member_of))
        session.add(person)
        return person

    for township in townships:
        t_committee = committee(f"{township.name}人民调解委员会", CommitteeKind.TOWNSHIP, township)
        for specialty in ("婚姻家庭", "土地权属", "劳资纠纷"):
            mediator(township, t_committee, specialty=specialty)
        for village in villages[township.id]:
            v_committee = committee(f"{village.name}人民调解委员会", CommitteeKind.VILLAGE, village)
            mediator(village, v_committee, t_committee)  # also sits on the township's committee
            mediator(village, v_committee)
            for hamlet in hamlets.get(village.id, []):
                mediator(hamlet, v_committee)
                second = mediator(hamlet, v_committee)
                # One hamlet's second mediator has left: the coverage check (排查到屯) lists it.
                second.active = hamlet.name != UNCOVERED_HAMLET
    specialised = []
    for name, kind, unit_name in SPECIALISED:
        item = committee(name, kind, org[unit_name])
        specialised.append(item)
        for _ in range(3):
            mediator(org[unit_name], item, specialty=str(kind.label))
    session.flush()

    records = 0
    # Mediations that resolved level-1 ledger entries, then others.
    resolved = [e for e in entries if e.resolved_on is not None][:30]
    for entry in resolved:
        chosen = by_unit.get(entry.village_id) or by_unit[entry.township_id]
        _record(session, rng, chosen, entry.title, entry.dispute_type, entry.parties_summary or "",
                entry.township_id, entry.village_id, entry.resolved_on - timedelta(days=rng.randint(3, 20)),
                Outcome.SUCCESS, entry.resolved_on, entry)
        records += 1
    village_committees = [c for c in committees if c.kind == CommitteeKind.VILLAGE.value]
    for _ in range(90):
        applied = today - timedelta(days=rng.randint(5, 360))
        if rng.random() < 0.25:
            chosen = rng.choice(specialised)
            township = rng.choice(townships)
            village = rng.choice(villages[township.id])
        else:
            chosen = rng.choice(village_committees)
            village = session.get(OrgUnit, chosen.org_unit_id)
            township = session.get(OrgUnit, village.township_id)
        kind, pattern, _measures = rng.choice(DISPUTES)
        a, b = _name(rng), _name(rng)
        roll = rng.random()
        if applied > today - timedelta(days=15) and roll < 0.5:
            outcome, concluded = Outcome.PENDING, None
        else:
            outcome = Outcome.FAILED if roll < 0.05 else Outcome.SUCCESS
            concluded = min(today, applied + timedelta(days=rng.randint(1, 20)))
        _record(session, rng, chosen, pattern.format(a=a, b=b, place=village.name), kind.value, f"{a}、{b}",
                township.id, village.id, applied, outcome, concluded, None)
        records += 1
    return len(committees), records


def _record(session, rng, committee, title, kind, parties, township_id, village_id, applied, outcome, concluded,
            entry) -> None:
    members = list(committee.mediators)
    record = MediationRecord(
        committee=committee, org_unit_id=committee.org_unit_id, township_id=township_id, village_id=village_id,
        title=title, dispute_type=kind, parties=parties or "—", ledger_entry=entry,
        method=rng.choice(list(MediationMethod)).value, applied_on=applied,
        mediated_on=applied + timedelta(days=1) if concluded else None,
        concluded_on=concluded, outcome=outcome.value,
        referral=rng.choice([Referral.LITIGATION, Referral.ARBITRATION]).value if outcome == Outcome.FAILED else None,
        agreement="双方自愿达成调解协议，约定履行期限和方式。" if outcome == Outcome.SUCCESS else None,
        honoured=(Honoured.HONOURED if rng.random() < 0.9 else Honoured.PENDING).value
        if outcome == Outcome.SUCCESS else None,
        mediators=rng.sample(members, min(2, len(members))) if members else [],
        created_at=datetime.combine(applied, time(11)), updated_at=datetime.combine(applied, time(11)),
    )
    session.add(record)
