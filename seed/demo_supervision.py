"""The demo county's responsible leaders and supervision work.

- leaders: two county-level (周德明 — the `county_leader` login — and a deputy county head) and
  one per township (the township's leader login: `leader` for 城关镇, `leader_hd` …);
- holdings (领导包案): the county leader holds key overdue cases and a level-3 dispute, each
  township leader two or three of their township's cases (some since closed, so the score has
  something to count), with duties ticked off and dated notes;
- the reception schedule for the next four weeks — the county leader every Wednesday at the
  petition bureau (专家门诊: land, labour), 城关镇's leader on Saturday mornings (a weekend) —
  and some 30 past receptions and visits (下访) with batches, persons and the cases registered;
- supervision orders in every state, issued and answered through the real rules: awaiting an
  answer (some late), answered and awaiting review, accepted, and an escalated chain
  (催办 → 督办 → 约谈); the 城关镇 supervisor's own, and the county's;
- one county joint meeting (联席会议) with follow-up tasks for 城关镇 and 县人社局 (one done);
- seed 001's accountability: two offices criticised (通报批评), one person held to account.

The 城关镇 supervisor (`supervisor`) is left plenty of overdue cases with no order yet.
Deterministic (the caller's random generator), inside `load_demo()`'s transaction.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases.models import OPEN_STATUSES, Case, CaseStatus, Channel
from app.core import clock
from app.extensions import db
from app.leaders import rules as leader_rules
from app.leaders.models import Holding, Leader, LeaderRank, Reception, ReceptionKind, ReceptionSlot
from app.ledgers.models import LedgerEntry, ListLevel
from app.org.models import OrgUnit
from app.security.models import AppUser
from app.supervision import orders as order_rules
from app.supervision.accountability import summarize as summarize_record
from app.supervision.meetings import summarize as summarize_meeting
from app.supervision.models import (
    AccountabilityKind,
    AccountabilityRecord,
    JointMeeting,
    MeetingTask,
    OrderKind,
    SupervisionOrder,
)
from seed import data

# (login or None, name, rank, post, org unit)
COUNTY_LEADERS = [
    ("county_leader", "周德明", LeaderRank.COUNTY, "县委副书记", data.COUNTY[0]),
    (None, "钱立华", LeaderRank.COUNTY, "副县长", data.COUNTY[0]),
]
TOWNSHIP_POSTS = {"城关镇": "镇长", "新华街道": "街道办事处主任", "东湖街道": "街道办事处主任"}

OPEN = sorted(s.value for s in OPEN_STATUSES)


def load_demo_supervision(org: dict[str, OrgUnit], rng: random.Random, now: datetime | None = None) -> dict[str, Any]:
    now = now or clock.now()
    session = db.session
    session.flush()
    users = {u.username: u for u in session.execute(select(AppUser)).unique().scalars()}
    leaders = _leaders(session, org, users)
    _redo_rounds(session, org, users, now)
    holdings = _holdings(session, org, rng, users, leaders, now)
    slots, receptions = _receptions(session, org, rng, leaders, now)
    issued = _orders(session, org, users, now)
    _meeting(session, org, users, now)
    _accountability(session, org, users, issued, now)
    session.flush()
    return {"leaders": len(leaders), "holdings": holdings, "slots": slots, "receptions": receptions,
            "orders": issued}


# --- a case sent back again and again (flagged for supervision) ------------------------------------


def _redo_rounds(session: Session, org: dict[str, OrgUnit], users: dict[str, AppUser], now: datetime) -> None:
    """One 城关镇 case whose findings the leader returned four times: more than 3 → flagged.
    Driven through the workflow's own steps, like every demo history."""
    from app.cases import workflow

    town = org["城关镇"]
    case = session.execute(
        select(Case).where(Case.township_id == town.id, Case.responsible_unit_id == town.id,
                           Case.status == CaseStatus.IN_REVIEW.value).order_by(Case.received_at)
    ).scalars().first()
    if case is None:
        return
    start = max(case.last_step_at or case.received_at, now - timedelta(days=20))
    tick = (now - start) / 10
    at = start
    reasons = ["调查不深入，未核实补偿款实际发放情况，请重新调查。", "处理意见依据不足，请补充政策依据。",
               "答复草稿未回应信访人全部诉求，请完善。", "与信访人沟通记录缺失，请补充后再报。"]
    for reason in reasons:
        at += tick
        workflow.apply_step(case, "return_for_redo", users["leader"], now=at, reason=reason)
        at += tick
        workflow.apply_step(case, "submit_findings", users["handler"], now=at,
                            findings="已按领导意见重新调查核实，补充了相关材料。",
                            reply_draft="经调查核实，您反映的问题属实，现答复如下……")
    session.flush()


# --- leaders and holdings -------------------------------------------------------------------------


def _leaders(session: Session, org: dict[str, OrgUnit], users: dict[str, AppUser]) -> dict[str, Leader]:
    found: dict[str, Leader] = {}
    for order, (login, name, rank, post, unit) in enumerate(COUNTY_LEADERS, start=1):
        leader = Leader(name=name, rank=rank.value, post=post, org_unit_id=org[unit].id,
                        user_id=users[login].id if login else None, sort_order=order, active=True)
        session.add(leader)
        found[login or name] = leader
    for order, (township, _villages) in enumerate(data.TOWNSHIPS, start=10):
        user = next(u for u in users.values() if u.org_unit_id == org[township].id and "领导" in u.role_names)
        leader = Leader(name=f"{user.last_name}{user.first_name}", rank=LeaderRank.SECTION.value,
                        post=TOWNSHIP_POSTS.get(township, "乡镇长" if township.endswith("乡") else "镇长"),
                        org_unit_id=org[township].id, user_id=user.id, sort_order=order, active=True)
        session.add(leader)
        found[user.username] = leader
    session.flush()
    return found


def _cases(session: Session, *where: Any, limit: int = 50) -> list[Case]:
    return session.execute(select(Case).where(*where).order_by(Case.received_at).limit(limit)).scalars().all()


def _hold(session: Session, leader: Leader, actor: AppUser, target: Any, taken_on: date, goal: str) -> Holding:
    holding = Holding(leader=leader, taken_on=taken_on, goal=goal)
    if isinstance(target, Case):
        holding.case = target
    else:
        holding.ledger_entry = target
    session.add(holding)
    problems = leader_rules.holding_problems(session, holding, actor, True)
    if problems:  # the seed obeys the rules like any user
        raise RuntimeError(f"demo holding refused: {[p.message for p in problems]}")
    leader_rules.start_holding(session, holding)
    session.flush()
    return holding


NOTES = {
    "包情况掌握": "约见信访人，了解诉求和家庭情况，建立工作台账。",
    "包案件化解": "召集属事部门研究化解方案，明确责任人和时限。",
    "包息访息诉": "安排专人联系信访人，做好政策解释和思想疏导。",
    "包接访处访": "在接访日亲自接待信访人，当面答复。",
}


def _tick(session: Session, holding: Holding, actor: AppUser, count: int, now: datetime) -> None:
    day = holding.taken_on
    for duty in holding.duties[:count]:
        day = min(day + timedelta(days=3), now.date())
        leader_rules.tick_duty(session, holding, duty.id, day, NOTES.get(duty.name, "已落实。"), actor)


def _holdings(session: Session, org: dict[str, OrgUnit], rng: random.Random, users: dict[str, AppUser],
              leaders: dict[str, Leader], now: datetime) -> int:
    count = 0
    county_leader, county_user = leaders["county_leader"], users["county_leader"]
    # The county leader: the oldest overdue open cases anywhere, and a level-3 dispute.
    overdue = _cases(session, Case.status.in_(OPEN), Case.next_due_at < now - timedelta(days=5), limit=3)
    for case in overdue:
        taken = min(max(case.received_at.date() + timedelta(days=20), (now - timedelta(days=60)).date()), now.date())
        holding = _hold(session, county_leader, county_user, case, taken,
                        "县级领导包案：督促属事单位限期化解，每两周听取一次进展汇报。")
        _tick(session, holding, county_user, rng.randint(1, 3), now)
        count += 1
    entry = session.execute(
        select(LedgerEntry).where(LedgerEntry.level == ListLevel.KEY.value, LedgerEntry.status == "unresolved")
        .order_by(LedgerEntry.found_on)
    ).scalars().first()
    if entry is not None:
        taken = min(max(entry.found_on + timedelta(days=3), (now - timedelta(days=40)).date()), now.date())
        holding = _hold(session, county_leader, county_user, entry, taken, "三级重点纠纷，县级领导包保，防止矛盾激化。")
        _tick(session, holding, county_user, 2, now)
        count += 1
    # Each township leader: two open cases of the township and, where there is one, a case taken
    # on while open that has since been closed (the score's "resolved").
    for township, _ in data.TOWNSHIPS:
        user = next(u for u in users.values() if u.org_unit_id == org[township].id and "领导" in u.role_names)
        leader = leaders[user.username]
        held = set(session.execute(select(Holding.case_id).where(Holding.case_id.is_not(None))).scalars())
        open_cases = [c for c in _cases(session, Case.township_id == org[township].id, Case.status.in_(OPEN),
                                        Case.received_at < now - timedelta(days=20), limit=10) if c.id not in held]
        closed = _cases(session, Case.township_id == org[township].id, Case.status == CaseStatus.CLOSED.value,
                        Case.closed_at >= now - timedelta(days=120), limit=5)
        for case in [*open_cases[:2], *closed[:1]]:
            taken = case.received_at.date() + timedelta(days=rng.randint(3, 10))
            if case.closed_at is not None:
                taken = min(taken, case.closed_at.date())
            taken = min(taken, now.date())
            if case.status == CaseStatus.CLOSED.value:
                # Held while it was open: record it as the leader would have (the rules refuse
                # taking a finished case today).
                holding = Holding(leader=leader, case=case, taken_on=taken, goal="乡镇领导包案，一案一策。")
                session.add(holding)
                leader_rules.start_holding(session, holding)
                for position, duty in enumerate(holding.duties):
                    duty.done_on = min(taken + timedelta(days=2 * (position + 1)), case.closed_at.date())
                    duty.done_by_id = user.id
                holding.status = "resolved"
                holding.ended_on = case.closed_at.date()
                holding.end_note = "案件已办结，信访人表示满意。"
            else:
                holding = _hold(session, leader, user, case, taken, "乡镇领导包案，一案一策，限期化解。")
                _tick(session, holding, user, rng.randint(0, 3), now)
            count += 1
    session.flush()
    return count


# --- receptions ---------------------------------------------------------------------------------------


def _receptions(session: Session, org: dict[str, OrgUnit], rng: random.Random, leaders: dict[str, Leader],
                now: datetime) -> tuple[int, int]:
    today = now.date()
    county, deputy, town = leaders["county_leader"], leaders["钱立华"], leaders["leader"]
    chengguan = org["城关镇"]
    slots = 0
    for week in range(4):
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=week)
        plan = [
            (county, monday + timedelta(days=2), "09:00", "11:30", "县信访局接待大厅", "征地拆迁、劳动社保", None),
            (deputy, monday + timedelta(days=3), "14:30", "17:00", "县信访局接待大厅", "城乡建设、物业房产", None),
            # 城关镇's leader receives on Saturday mornings: petitioners who work on weekdays.
            (town, monday + timedelta(days=5), "08:30", "11:30", "城关镇信访办接待室", "农村农业、民政救助", chengguan),
        ]
        for leader, day, start, end, place, subjects, township in plan:
            if day < today:
                continue
            session.add(ReceptionSlot(
                leader_id=leader.id, day=day, start_time=start, end_time=end, place=place, subjects=subjects,
                township_id=township.id if township else None, org_unit_id=leader.org_unit_id, published=True,
            ))
            slots += 1
    # Past receptions: on the weeks' reception days, with the visits registered that day.
    records = 0
    for week in range(1, 13):
        day = today - timedelta(days=today.weekday()) - timedelta(weeks=week) + timedelta(days=2)
        for leader, kind, township, place in (
            (county, ReceptionKind.RECEPTION, None, "县信访局接待大厅"),
            (town, ReceptionKind.RECEPTION, chengguan, "城关镇信访办接待室"),
        ):
            registered = _cases(
                session, Case.channel == Channel.VISIT.value,
                Case.received_at >= datetime.combine(day, time.min),
                Case.received_at < datetime.combine(day + timedelta(days=1), time.min),
                *(() if township is None else (Case.township_id == township.id,)), limit=4,
            )
            batches = max(len(registered), rng.randint(1, 4))
            reception = Reception(
                kind=kind.value, leader_id=leader.id, leader=leader, held_on=day, place=place,
                township_id=township.id if township else None, batches=batches,
                persons=batches + rng.randint(0, 6), summary="当场答复政策咨询，其余事项登记交办属事单位。",
            )
            reception.cases = registered
            leader_rules.fill_reception(reception)
            session.add(reception)
            records += 1
        if week % 3 == 0:  # a visit to a village every three weeks (下访)
            village = rng.choice([org[v] for v in data.TOWNSHIPS[0][1]])
            reception = Reception(
                kind=ReceptionKind.VISIT.value, leader_id=county.id, leader=county, held_on=day + timedelta(days=1),
                place=f"{village.name}村委会", township_id=chengguan.id, village_id=village.id,
                batches=rng.randint(1, 3), persons=0, summary="带案下访，现场协调解决群众反映的问题。",
            )
            reception.persons = reception.batches + rng.randint(1, 8)
            leader_rules.fill_reception(reception)
            session.add(reception)
            records += 1
    session.flush()
    return slots, records


# --- supervision orders ----------------------------------------------------------------------------------


def _orders(session: Session, org: dict[str, OrgUnit], users: dict[str, AppUser], now: datetime) -> list[SupervisionOrder]:
    """Orders through the real rules, at plausible past moments."""
    county_sup, town_sup = users["county_supervisor"], users["supervisor"]
    handlers = {u.org_unit_id: u for u in users.values() if "承办人" in u.role_names}
    chengguan = org["城关镇"]
    late = [c for c in _cases(session, Case.status.in_(OPEN), Case.next_due_at < now - timedelta(days=20),
                              Case.responsible_unit_id.is_not(None), limit=200)
            if c.responsible_unit_id in handlers]
    town_late = [c for c in late if c.township_id == chengguan.id]
    other_late = [c for c in late if c.township_id != chengguan.id]
    issued: list[SupervisionOrder] = []

    def issue(actor: AppUser, kind: OrderKind, cases: list[Case], days_ago: int, requirement: str,
              answer_in: int = 5) -> SupervisionOrder:
        at = now - timedelta(days=days_ago, hours=2)
        order = order_rules.issue_orders(
            session, actor, kind=kind.value, requirement=requirement, due_on=(at + timedelta(days=answer_in)).date(),
            cases=cases, unit=cases[0].responsible_unit_id, now=at,
        )[0]
        issued.append(order)
        return order

    def answer(order: SupervisionOrder, days_after: int, text: str) -> None:
        at = order.issued_at + timedelta(days=days_after)
        order_rules.answer_order(session, order, handlers[order.unit_id], text, now=at)

    # 城关镇's supervisor: one answered and accepted, one answered awaiting review, one still
    # awaiting its answer (late) — the rest of 城关镇's overdue cases are left to act on.
    town_pool = list(town_late[:3])
    if len(town_pool) >= 3:
        done = issue(town_sup, OrderKind.URGE, [town_pool[0]], 30, "请于5日内书面报告办理进展，说明超期原因。")
        answer(done, 3, "已约见信访人，正在协调补偿款发放，预计本月底前办结。")
        order_rules.accept_answer(session, done, town_sup, "答复属实，请按承诺时限办结。",
                                  now=done.issued_at + timedelta(days=5))
        waiting = issue(town_sup, OrderKind.SUPERVISE, [town_pool[1]], 12, "案件已超期，请主要负责人亲自过问，限期办结并书面答复。")
        answer(waiting, 4, "单位主要领导已召开专题会研究，明确由分管领导牵头，10日内答复信访人。")
        issue(town_sup, OrderKind.URGE, [town_pool[2]], 10, "请尽快受理办理，并报告办理情况。")
    # The county's supervisor: an escalated chain (催办 → 督办 → 约谈) on a department's case,
    # a listed supervision (挂牌督办) awaiting its answer, one accepted.
    pool = list(other_late)
    if len(pool) >= 3:
        first = issue(county_sup, OrderKind.URGE, [pool[0]], 45, "请于5日内报告办理进展。")
        answer(first, 4, "正在调查核实，近期答复。")
        second = order_rules.escalate_order(
            session, first, county_sup, requirement="答复未说明具体措施和时限，现予督办：请制定化解方案，10日内书面答复。",
            due_on=(now - timedelta(days=30)).date(), now=now - timedelta(days=36),
        )
        issued.append(second)
        third = order_rules.escalate_order(
            session, second, county_sup, requirement="督办期满仍未答复，约谈单位主要负责人。",
            due_on=(now + timedelta(days=3)).date(), now=now - timedelta(days=8),
        )
        issued.append(third)
        issue(county_sup, OrderKind.LISTED, [pool[1]], 6, "挂牌督办：群众反映强烈，请限期化解并公开办理结果。", 10)
        ok = issue(county_sup, OrderKind.SUPERVISE, [pool[2]], 25, "请说明超期原因并限期办结。")
        answer(ok, 5, "已于上周办结并答复信访人，信访人表示满意。")
        order_rules.accept_answer(session, ok, county_sup, now=ok.issued_at + timedelta(days=7))
    session.flush()
    return issued


# --- joint meeting and accountability -----------------------------------------------------------------


def _meeting(session: Session, org: dict[str, OrgUnit], users: dict[str, AppUser], now: datetime) -> None:
    held = (now - timedelta(days=20)).date()
    cases = _cases(session, Case.status.in_(OPEN), Case.next_due_at < now, limit=3)
    meeting = JointMeeting(
        title=f"{held.month}月份信访工作联席会议", held_on=held, convener="县委副书记 周德明", township_id=None,
        decisions="一、对超期未办结的信访件实行挂牌督办；\n二、人社局牵头开展欠薪问题专项治理；\n"
                  "三、城关镇对重点信访人落实包案领导和稳控责任。",
    )
    meeting.units = [org[name] for name in ("县信访局", "县人力资源和社会保障局", "县自然资源局", "城关镇")]
    meeting.cases = cases
    summarize_meeting(meeting)
    session.add(meeting)
    session.flush()
    meeting.tasks.extend([
        MeetingTask(unit_id=org["县人力资源和社会保障局"].id, description="牵头开展欠薪问题专项治理，月底前报送进展。",
                    due_on=held + timedelta(days=30), done=False),
        MeetingTask(unit_id=org["城关镇"].id, description="对会议研究的三件超期信访件逐件落实包案领导，一周内报告。",
                    due_on=held + timedelta(days=7), done=False),
        MeetingTask(unit_id=org["县自然资源局"].id, description="复核征地补偿标准执行情况。",
                    due_on=held + timedelta(days=14), done=True, done_at=datetime.combine(held + timedelta(days=12), time(16)),
                    done_by_id=users["handler_zrzy"].id, done_note="已完成复核，形成书面报告报县信访局。"),
    ])


def _accountability(session: Session, org: dict[str, OrgUnit], users: dict[str, AppUser],
                    issued: list[SupervisionOrder], now: datetime) -> None:
    """Seed 001: two offices criticised, one person held to account."""
    talk = next((o for o in issued if o.kind == OrderKind.TALK.value), None)
    records = [
        AccountabilityRecord(
            kind=AccountabilityKind.CRITICISM.value, unit_id=org["城关镇信访办"].id, township_id=org["城关镇"].id,
            reason="信访事项受理登记不及时，多件信访件超过法定期限未受理。", decided_by="县委县政府督查室",
            decided_on=(now - timedelta(days=40)).date(), document_number="青督通〔2026〕2号",
        ),
        AccountabilityRecord(
            kind=AccountabilityKind.CRITICISM.value, unit_id=org["县住房和城乡建设局"].id, township_id=None,
            reason="交办信访件办理超期，督办后仍未按时书面答复。", decided_by="县委县政府督查室",
            decided_on=(now - timedelta(days=40)).date(), document_number="青督通〔2026〕2号",
        ),
        AccountabilityRecord(
            kind=AccountabilityKind.ACCOUNTABILITY.value, unit_id=talk.unit_id if talk else None,
            person_name="刘某某", person_post="分管副局长", township_id=None,
            reason="对督办事项敷衍应付，约谈后仍未落实整改，造成信访人越级上访。", decided_by="县纪委监委",
            decided_on=(now - timedelta(days=5)).date(), document_number="青纪〔2026〕7号",
        ),
    ]
    overdue = (Case.status.in_(OPEN), Case.next_due_at < now - timedelta(days=15))
    records[0].cases = _cases(session, *overdue, Case.township_id == org["城关镇"].id, limit=2)
    records[1].cases = _cases(session, *overdue, Case.responsible_unit_id == org["县住房和城乡建设局"].id, limit=2)
    if talk is not None:
        records[2].orders = order_rules.escalation_chain(talk)
        records[2].cases = [t.case for t in talk.targets if t.case is not None]
    for record in records:
        summarize_record(record)
        record.created_by_id = users["county_supervisor"].id
        session.add(record)
