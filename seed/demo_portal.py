"""Demo letters sent through the public portal (网上信访), each at its own stage.

Registered by the portal's own rules (`app.portal.submission.submit_petition`) and moved on by
the workflow, by the people who would act — so they sit in the right work queues:

| letter | stage |
|---|---|
| 县长信箱: parking in the county town | answered, rated 满意, published |
| 乡镇信箱 城关镇: stairwell lights | answered, waiting for the rating |
| 村信箱: standing water on the village road | being handled by 城关镇 |
| 部门信箱 县人社局: unpaid wages | new, in the county clerk's queue |

Their query codes are drawn at random like any petitioner's (`submit_petition`): a
code printed in this file would open the demo letters — names, phones, contents — on every
installation that kept the demo data. `flask xf init` prints them once, with the phones' last
four digits, for the demo visitor to try /portal/query.

Otherwise deterministic; loaded inside `load_demo()`'s transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.cases import workflow
from app.cases.models import Case, Category, Mailbox, Subject
from app.core.clock import now as county_now
from app.extensions import db
from app.org.models import OrgUnit
from app.portal import progress, publishing
from app.portal.codes import phone_tail
from app.portal.submission import PetitionInput, submit_petition
from app.security.models import AppUser
from seed import data


def _user(login: str) -> AppUser:
    return db.session.execute(select(AppUser).where(AppUser.username == login)).unique().scalar_one()


def _unit(name: str) -> OrgUnit:
    return db.session.execute(select(OrgUnit).where(OrgUnit.name == name).limit(1)).scalar_one()


def _subject(name: str) -> int | None:
    return db.session.execute(select(Subject.id).where(Subject.name == name)).scalar()


# The codes of the last load, as the receipt shows them, with the phone's last four digits.
CODES: dict[str, tuple[str, str]] = {}


def _letter(key: str, when: datetime, **fields: Any) -> Case:
    receipt = submit_petition(PetitionInput(**fields), now=when)  # a code drawn like any other
    CODES[key] = (receipt.formatted_code, phone_tail(fields.get("phone")))
    return receipt.case


class _Clock:
    """Steps some working hours apart, starting after the letter arrived (offices work 9–17)."""

    def __init__(self, start: datetime) -> None:
        self.at = start

    def next(self, hours: float) -> datetime:
        at = self.at + timedelta(hours=hours)
        if at.hour >= 17:
            at = (at + timedelta(days=1)).replace(hour=9, minute=at.minute)
        elif at.hour < 9:
            at = at.replace(hour=9)
        self.at = at
        return at


def _handle(case: Case, clock: _Clock, clerk: AppUser, leader: AppUser, unit: OrgUnit, handler: AppUser,
            stop: str, reply: str = "", findings: str = "") -> None:
    """Drive the case through the workflow up to `stop` (handling / replied)."""
    step = workflow.apply_step
    step(case, "accept", clerk, now=clock.next(3))
    step(case, "propose", clerk, now=clock.next(1), unit=unit,
         proposal=data.PROPOSALS[0].format(unit=unit.name, place=case.township.name, title=case.title))
    step(case, "instruct", leader, now=clock.next(20),
         text=data.INSTRUCTIONS[4].format(unit=unit.name, place=case.township.name, title=case.title))
    step(case, "assign", clerk, now=clock.next(2), unit=unit, rule="fast_track",
         note=data.ASSIGN_NOTES[0])
    step(case, "receive", handler, now=clock.next(18))
    if stop == "handling":
        return
    step(case, "submit_findings", handler, now=clock.next(70), findings=findings, reply_draft=reply)
    step(case, "approve", leader, now=clock.next(20))
    step(case, "sign_reply", leader, now=clock.next(2), reply_text=reply)


def load_demo_portal(now: datetime | None = None) -> dict[str, Case]:
    now = (now or county_now()).replace(microsecond=0)
    townships = {name: _unit(name) for name, _ in data.TOWNSHIPS[:1]}
    chengguan = townships[data.TOWNSHIPS[0][0]]
    village = _unit(data.TOWNSHIPS[0][1][0])
    county_clerk, county_leader = _user("county_clerk"), _user("county_leader")
    clerk, leader, handler = _user("clerk"), _user("leader"), _user("handler")
    zjj, rsj = _unit("县住房和城乡建设局"), _unit("县人力资源和社会保障局")
    letters: dict[str, Case] = {}

    # 县长信箱: answered by the 住建局, rated 满意 online, published on the public page.
    when = now - timedelta(days=21, hours=5)
    parking = _letter(
        "published", when, mailbox=Mailbox.COUNTY_HEAD.value, township_id=chengguan.id,
        category=Category.SUGGESTION.value, subject_id=_subject("城乡建设"),
        title="建议在县城老城区增设公共停车位",
        content=(
            "县长您好：我是城关镇居民赵建军，电话13900002026。老城区解放路一带停车难，车辆占道"
            "停放，早晚高峰经常堵车。建议利用解放路北侧闲置空地建设公共停车场，并规范路边停车。"
        ),
        name="赵建军", phone="13900002026",
    )
    clock = _Clock(when)
    _handle(parking, clock, county_clerk, county_leader, zjj, _user("handler_zjj"), "replied",
            findings="经实地踏勘，解放路北侧空地为国有储备用地，可临时建设停车场。",
            reply=(
                "赵建军同志：您好！您反映的老城区停车难问题已收悉。经县住建局会同城关镇实地踏勘，"
                "解放路北侧空地将于本年度内建成临时公共停车场，约120个车位；同时在解放路施划"
                "路边停车泊位并加强管理。感谢您对县城建设的关心和支持。"
            ))
    progress.rate(parking, "satisfied", "答复及时，问题说得很清楚，谢谢。", now=clock.next(30))
    publishing.publish(parking, publishing.draft(parking), now=clock.next(4))
    letters["published"] = parking

    # 乡镇信箱 (城关镇): answered by the township, the petitioner has not rated it yet.
    when = now - timedelta(days=12, hours=2)
    lights = _letter(
        "replied", when, mailbox=Mailbox.TOWNSHIP.value, township_id=chengguan.id,
        village_id=village.id, category=Category.CLAIM.value, subject_id=_subject("物业房产"),
        title="小区楼道灯长期不亮",
        content="我住的小区3号楼楼道灯坏了两个多月，晚上上下楼很不安全，联系物业一直没人修。",
        name="孙桂芝", phone="13845673151",
    )
    clock = _Clock(when)
    _handle(lights, clock, clerk, leader, chengguan, handler, "replied",
            findings="经核实，物业公司维修人员不足导致拖延，已督促整改。",
            reply="您反映的楼道灯问题，镇里已督促物业公司于本周更换全部损坏灯具，并建立报修台账。")
    letters["replied"] = lights

    # 村信箱: accepted and being handled by the township.
    when = now - timedelta(days=6, hours=8)
    water = _letter(
        "handling", when, mailbox=Mailbox.VILLAGE.value, township_id=chengguan.id,
        village_id=village.id, category=Category.CLAIM.value, subject_id=_subject("交通运输"),
        title="村道低洼处雨后积水严重",
        content="村东头道路低洼，每次下雨积水没过脚踝，老人孩子出行困难，希望尽快修排水沟。",
        name="钱文斌", phone="15904517788",
    )
    _handle(water, _Clock(when), clerk, leader, chengguan, handler, "handling")
    letters["handling"] = water

    # 部门信箱 (县人社局): just arrived; waits for the county petition office.
    when = now - timedelta(hours=20)
    wages = _letter(
        "new", when, mailbox=Mailbox.DEPARTMENT.value, department_id=rsj.id,
        township_id=chengguan.id, category=Category.CLAIM.value, subject_id=_subject("劳动社保"),
        title="反映某建筑工地拖欠农民工工资",
        content="我在县城某小区工地干了八个月，工资至今未结清，多次找包工头无果，请求帮助追讨。",
        name="李福来", phone="18645126620",
    )
    letters["new"] = wages
    db.session.flush()
    return letters
