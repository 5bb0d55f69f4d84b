"""The demo county's 24小时值班: a month of roster for the county, 城关镇 and 河东镇, and a duty log.

Shifts run 08:00–20:00 and 20:00–08:00 from 15 days ago to 15 days ahead. One night of 河东镇's
roster three days from now is left empty on purpose: the roster page shows it as a gap. A few
calls are logged; one of 城关镇's led to a petition case registered by phone.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from app.cases.models import Case, Category, Channel
from app.duty.models import DutyLogEntry, DutyShift
from app.extensions import db
from app.org.models import OrgUnit

UNITS = {  # unit → (duty phone, people taking turns)
    "青山县": ("0451-86612345", ["周德明", "徐学军", "田秀梅", "王建国"]),
    "城关镇": ("0451-86623456", ["张丽娟", "杨振华", "李晓东", "陈志强"]),
    "河东镇": ("0451-86634567", ["刘海燕", "马庆丰", "郭永胜"]),
}
GAP_UNIT, GAP_DAY = "河东镇", 3  # no one on duty that night (20:00–08:00)
CALLS = [
    ("城关镇", "王大山", "13904511234", "反映红旗村排水沟堵塞，雨后积水进院", "已通知红旗村村委会次日清理，电话回告来电人"),
    ("城关镇", "赵桂芝", "13804517788", "反映东关社区供暖不热，家中室温不足十五度", "已联系热力公司，答复三日内上门检修"),
    ("城关镇", "孙立军", "13604519876", "反映在建工地拖欠农民工工资三个月", "建议来电人到镇信访办登记，已登记为信访件"),
    ("河东镇", "钱秀英", "13704513344", "反映沿河村河堤有裂缝，担心汛期安全", "已报告镇应急办，安排次日查看"),
    ("河东镇", "周海", None, "夜间来电询问低保申请办理流程", "已告知办理地点和所需材料"),
    ("青山县", "吴春生", "15004512468", "反映县城某小区物业擅自涨价", "已转县住建局，告知来电人可到县信访局登记"),
]


def load_demo_duty(org: dict[str, OrgUnit], rng: random.Random, now: datetime) -> None:
    today = datetime(now.year, now.month, now.day)
    shifts: dict[str, list[DutyShift]] = {}
    rows = []
    for name, (phone, people) in UNITS.items():
        unit = org[name]
        for day in range(-15, 16):
            start = today + timedelta(days=day)
            for hour, person in ((8, people[(2 * day) % len(people)]), (20, people[(2 * day + 1) % len(people)])):
                if name == GAP_UNIT and day == GAP_DAY and hour == 20:
                    continue
                shift = DutyShift(org_unit_id=unit.id, person_name=person, phone=phone,
                                  starts_at=start + timedelta(hours=hour), ends_at=start + timedelta(hours=hour + 12))
                rows.append(shift)
                shifts.setdefault(name, []).append(shift)
    db.session.add_all(rows)
    db.session.flush()
    # The third call of 城关镇 became a case registered by phone (a claim, not an accusation).
    case = db.session.execute(
        select(Case).where(Case.township_id == org["城关镇"].id, Case.channel == Channel.PHONE.value,
                           Case.category != Category.ACCUSATION.value, Case.received_at <= now)
        .order_by(Case.received_at.desc()).limit(1)
    ).scalars().first()
    for index, (name, caller, phone, summary, done) in enumerate(CALLS):
        received = (case.received_at if case is not None and index == 2
                    else now - timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 20)))
        received = received.replace(second=0, microsecond=0)
        on_duty = next((s for s in shifts[name] if s.starts_at <= received < s.ends_at), None)
        db.session.add(DutyLogEntry(
            org_unit_id=org[name].id, shift_id=on_duty.id if on_duty else None, received_at=received, caller=caller,
            phone=phone, summary=summary, action_taken=done, case_id=case.id if case is not None and index == 2 else None,
        ))
    db.session.flush()
