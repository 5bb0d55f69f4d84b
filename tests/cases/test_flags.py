"""超期 / 临期 / 暂停计时 from the rules, as every role that sees the case sees them.

The rules (DOMAIN.md "Deadlines"): a pause stops the case's clock, but time already overdue
stays overdue; the unit's receipt (条例 Art. 23: within 15 days of the assignment) and a
complex case's plan (seed 003: 3 working days) are watched like the reply; a case is 临期
within the administrator's threshold, in calendar or working days (default 3 calendar days).
Expected dates are computed here from `chinese_calendar` directly, not by the app's calendar.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, time, timedelta

import chinese_calendar
import pytest
from sqlalchemy import select

from app.cases import workflow
from app.cases.models import Case, Petitioner
from app.cases.numbering import next_case_number
from app.core.calendar import DayKind, Urgency
from app.deadlines.models import DeadlineRule, RuleCode
from app.deadlines.policy import Rule, load_policy
from app.org.models import OrgUnit
from app.security.models import AppUser
from tests.support import county_now, form_errors, page_text

# Who sees a 城关镇 case, and who watches deadlines (the 超期督办 list and the 督查督办 report).
CASE_READERS = ("admin", "county_clerk", "county_leader", "county_supervisor", "county_manager",
                "xz_admin", "clerk", "handler", "leader", "supervisor", "manager")
WATCHERS = ("admin", "county_leader", "county_supervisor", "county_manager", "leader", "supervisor", "manager")


# --- the calendar, straight from the library ------------------------------------------------------


def is_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the library does not know, no override entered: Mon–Fri
        return day.weekday() < 5


def end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59))


def calendar_days_after(start: datetime, days: int) -> datetime:
    """A calendar-day period's last day; one ending on a rest day ends on the next working day."""
    day = start.date() + timedelta(days=days)
    while not is_workday(day):
        day += timedelta(days=1)
    return end_of(day)


def nth_working_day(start: date, n: int) -> date:
    day, found = start, 0
    while found < n:
        day += timedelta(days=1)
        found += is_workday(day)
    return day


# --- building cases on given days through the rules module ---------------------------------------------


class County:
    """Cases of 城关镇 moved step by step at given (past) moments, committed for the pages to read."""

    def __init__(self, session) -> None:
        self.session = session
        self.policy = load_policy(session)
        self.clerk, self.leader, self.handler = (self.user(n) for n in ("clerk", "leader", "handler"))
        self.town = session.execute(select(OrgUnit).where(OrgUnit.name == "城关镇")).scalar_one()

    def user(self, login: str) -> AppUser:
        return self.session.execute(select(AppUser).where(AppUser.username == login)).unique().scalar_one()

    def do(self, case: Case, code: str, actor: AppUser, at: datetime, **inputs) -> None:
        workflow.apply_step(case, code, actor, now=at, policy=self.policy, **inputs)
        self.session.commit()

    def assigned(self, title: str, assigned_at: datetime, rule: str = "handle", receive: bool = True,
                 complex_case: bool = False, deadline: date | None = None) -> Case:
        received = assigned_at - timedelta(days=3)
        case = Case(channel="visit", received_at=received, township_id=self.town.id, category="claim",
                    title=title, content="内容", people_count=1, created_at=received, updated_at=received,
                    number=next_case_number(self.session, received.year))
        case.petitioners.append(Petitioner(name="测试人", phone="13800000000"))
        workflow.register(case, self.clerk, now=received, policy=self.policy)
        self.session.add(case)
        self.session.flush()
        accepted = received + timedelta(hours=1)
        self.do(case, "accept", self.clerk, accepted)
        self.do(case, "propose", self.clerk, accepted + timedelta(minutes=10), proposal="交城关镇")
        self.do(case, "instruct", self.leader, accepted + timedelta(minutes=20), text="请办理")
        self.do(case, "assign", self.clerk, assigned_at, unit=self.town, rule=rule, deadline=deadline)
        if receive:
            self.do(case, "receive", self.handler, assigned_at + timedelta(minutes=30), complex=complex_case)
        return case

    def refresh(self, case: Case) -> Case:
        self.session.expire_all()
        return self.session.get(Case, case.id)


@pytest.fixture
def county(db_session) -> County:
    return County(db_session)


# --- reading the pages ------------------------------------------------------------------------------


def deadline_panel(client, case: Case) -> str:
    """The case page's badges (超期 / 临期 / 暂停计时 beside the title) and its deadline panel."""
    response = client.get(f"/cases/show/{case.id}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    badges = body.split('class="xf-case-badges"', 1)[1].split("</div>", 1)[0]
    panel = body.split('id="deadline"', 1)[1].split("</table>", 1)[0]
    return page_text_of(f"<div {badges}</div> {panel}")


def page_text_of(html: str) -> str:
    class Fake:
        def get_data(self, as_text=True):  # noqa: ARG002
            return html

    return page_text(Fake())


def queue(client) -> tuple[dict[str, str], int, int]:
    """The home page's 待办: {case number: its row's text}, and the 临期 and 超期 counts."""
    body = client.get("/").get_data(as_text=True)
    table = body.split('id="queue"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in table.split("<tr")[1:]:
        found = re.search(r"XF\d{4}-\d{6}", row)
        if found:
            rows[found.group(0)] = page_text_of("<tr" + row)

    def badge(name: str) -> int:
        found = re.search(rf'id="queue-{name}">[^<\d]*(\d+)', body)
        return int(found.group(1)) if found else 0

    return rows, badge("near"), badge("overdue")


def report_row(client, number: str) -> str | None:
    """The 督查督办 report's row of a case (its 超期/临期 column), or None when not listed."""
    response = client.get("/reports/supervision/")
    assert response.status_code == 200
    for row in response.get_data(as_text=True).split("<tr")[1:]:
        if number in row:
            return page_text_of("<tr" + row)
    return None


def watch_list(client, number: str, kind: str = "") -> str:
    response = client.get(f"/supervision/overdue/list/?q_number={number}&q_watch={kind}")
    assert response.status_code == 200
    return page_text(response)


# --- 1. a pause does not take back overdue time --------------------------------------------------------


def test_paused_case_already_overdue_stays_overdue_for_every_role(county, client_as):
    now = county_now()
    handler = client_as("handler")
    _rows, near_before, overdue_before = queue(handler)

    # Fast track: 10 calendar days from the assignment; paused two days ago, long after that.
    late = county.assigned("暂停前已超期", now - timedelta(days=30), rule="fast_track")
    due = calendar_days_after(now - timedelta(days=30), 10)
    assert late.due_at == due and due < now - timedelta(days=3)
    county.do(late, "pause", county.handler, now - timedelta(days=2), reason_kind="hearing", reason="听证")
    # 60 days from acceptance, paused yesterday with weeks to go.
    calm = county.assigned("暂停时未超期", now - timedelta(days=5))
    county.do(calm, "pause", county.handler, now - timedelta(days=1), reason_kind="material", reason="等材料")
    assert calm.due_at > now

    late = county.refresh(late)
    assert late.next_due_at == due  # what every 超期 list reads
    assert workflow.case_urgency(late, now, county.policy) == Urgency.OVERDUE
    assert workflow.case_urgency(county.refresh(calm), now, county.policy) == Urgency.PAUSED

    for login in CASE_READERS:
        client = handler if login == "handler" else client_as(login)
        late_panel, calm_panel = deadline_panel(client, late), deadline_panel(client, calm)
        assert "超期" in late_panel and "天" in late_panel, (login, late_panel)
        assert "暂停计时" in calm_panel and "超期" not in calm_panel, (login, calm_panel)

    rows, near, overdue = queue(handler)
    assert (near, overdue) == (near_before, overdue_before + 1)
    assert "超期" in rows[late.number] and "暂停计时" in rows[calm.number]

    for login in WATCHERS:
        client = client_as(login)
        assert late.number in watch_list(client, late.number, "overdue"), login
        assert calm.number not in watch_list(client, calm.number), login
        row = report_row(client, late.number)
        assert row is not None and "超期" in row, (login, row)
        assert report_row(client, calm.number) is None, login

    # Resumed: the pause is not counted, but the case was overdue before it and still is.
    county.do(late, "resume", county.handler, now - timedelta(hours=1))
    late = county.refresh(late)
    assert late.next_due_at is not None and late.next_due_at < now
    assert "超期" in deadline_panel(handler, late)


def test_pause_on_a_frozen_clock(county):
    """The rule at exact moments: paused before the deadline → 暂停计时 however long it lasts;
    paused after it → 超期 from the deadline on."""
    # Accepted 2 Sep 2025: 60 days end 1 Nov (Saturday) → Monday 3 Nov.
    due = calendar_days_after(datetime(2025, 9, 2, 9), 60)
    before = county.assigned("停于期限前", datetime(2025, 9, 5, 9))
    after = county.assigned("停于期限后", datetime(2025, 9, 5, 9))
    assert before.due_at == after.due_at == due
    county.do(before, "pause", county.handler, datetime(2025, 10, 20, 9), reason_kind="hearing", reason="听证")
    county.do(after, "pause", county.handler, due + timedelta(days=2), reason_kind="hearing", reason="听证")
    later = due + timedelta(days=20)
    assert county.refresh(before).next_due_at is None
    assert workflow.case_urgency(before, later, county.policy) == Urgency.PAUSED
    assert county.refresh(after).next_due_at == due
    assert workflow.case_urgency(after, later, county.policy) == Urgency.OVERDUE


# --- 2. the receipt and the plan are watched ------------------------------------------------------------


def test_receipt_deadline_counts_until_the_unit_confirms(county, client_as):
    now = county_now()
    handler = client_as("handler")
    _rows, near_before, overdue_before = queue(handler)
    assigned = now - timedelta(days=25)
    case = county.assigned("交办后未签收", assigned, receive=False)
    receipt_due = calendar_days_after(assigned, 15)  # Art. 23
    assert workflow.current_assignment(case).receipt_due_at == receipt_due
    assert receipt_due < now < case.due_at  # the reply is weeks away; the receipt is late
    assert county.refresh(case).next_due_at == receipt_due

    panel = deadline_panel(handler, case)
    assert "签收期限" in panel and "超期" in panel, panel
    rows, near, overdue = queue(handler)
    assert (near, overdue) == (near_before, overdue_before + 1)
    assert "超期" in rows[case.number]
    for login in WATCHERS:
        client = client_as(login)
        assert case.number in watch_list(client, case.number, "overdue"), login
        row = report_row(client, case.number)
        assert row is not None and "超期" in row, (login, row)

    # Confirmed (late): what remains is the reply deadline, weeks away.
    county.do(case, "receive", county.handler, now - timedelta(minutes=5))
    case = county.refresh(case)
    assert case.next_due_at == case.due_at
    assert case.number not in watch_list(client_as("supervisor"), case.number)
    assert "超期" not in deadline_panel(handler, case)


def test_receipt_deadline_near_and_overdue_on_a_frozen_clock(county):
    assigned = datetime(2025, 9, 26, 10)
    case = county.assigned("签收期限", assigned, receive=False)
    receipt_due = calendar_days_after(assigned, 15)
    assert case.next_due_at == receipt_due < case.due_at
    three_days_before = datetime.combine(receipt_due.date() - timedelta(days=3), time(8))
    assert workflow.case_urgency(case, three_days_before - timedelta(days=1), county.policy) == Urgency.ON_TIME
    assert workflow.case_urgency(case, three_days_before, county.policy) == Urgency.NEAR
    assert workflow.case_urgency(case, receipt_due + timedelta(seconds=1), county.policy) == Urgency.OVERDUE


def test_complex_case_plan_deadline_until_a_plan_is_given(county, client_as):
    now = county_now()
    assigned = now - timedelta(days=20)
    case = county.assigned("复杂件未报方案", assigned, complex_case=True)
    plan_due = end_of(nth_working_day((assigned + timedelta(minutes=30)).date(), 3))  # seed 003
    assert workflow.current_assignment(case).plan_due_at == plan_due < now < case.due_at
    assert county.refresh(case).next_due_at == plan_due

    handler = client_as("handler")
    panel = deadline_panel(handler, case)
    assert "化解方案期限" in panel and "超期" in panel, panel
    assert "已报送化解方案" not in page_text(handler.get(f"/cases/show/{case.id}"))
    assert "超期" in queue(handler)[0][case.number]
    for login in WATCHERS:
        client = client_as(login)
        assert case.number in watch_list(client, case.number, "overdue"), login
        assert "超期" in (report_row(client, case.number) or ""), login

    # The handler reports the plan through the case page: the plan deadline is met.
    version = re.search(r'name="version" value="(\d+)"', handler.get(f"/cases/show/{case.id}").get_data(as_text=True))
    response = handler.post(f"/cases/step/{case.id}/report_progress",
                            data={"version": version.group(1), "text": "化解方案：先行调解，再出具意见"})
    assert response.status_code == 302, form_errors(response)
    case = county.refresh(case)
    assert case.next_due_at == case.due_at > now
    assert "已报送化解方案" in page_text(handler.get(f"/cases/show/{case.id}"))
    assert case.number not in watch_list(client_as("county_supervisor"), case.number)
    assert report_row(client_as("county_manager"), case.number) is None


# --- 3. the 临期 threshold in calendar or working days ------------------------------------------------


def test_the_order_issue_page_badges_receipt_plan_and_paused_cases(county, client_as):
    """The 督办单 issue page (the cases picked on the 超期督办 list) shows each case's badge by the
    same rules: a receipt or a plan overdue is 超期; paused with time left is 暂停计时; paused
    after the deadline had passed stays 超期."""
    now = county_now()
    receipt = county.assigned("督办页·未签收", now - timedelta(days=25), receive=False)
    assert calendar_days_after(now - timedelta(days=25), 15) < now  # Art. 23: 15 days to confirm
    plan = county.assigned("督办页·未报方案", now - timedelta(days=20), complex_case=True)
    assert end_of(nth_working_day((now - timedelta(days=20) + timedelta(minutes=30)).date(), 3)) < now  # seed 003
    late = county.assigned("督办页·暂停前已超期", now - timedelta(days=30), rule="fast_track")
    assert calendar_days_after(now - timedelta(days=30), 10) < now - timedelta(days=2)
    county.do(late, "pause", county.handler, now - timedelta(days=2), reason_kind="hearing", reason="听证")
    calm = county.assigned("督办页·暂停时未超期", now - timedelta(days=5))
    county.do(calm, "pause", county.handler, now - timedelta(days=1), reason_kind="material", reason="等材料")
    watched = (receipt, plan, late)
    expected = {receipt.number: "超期", plan.number: "超期", late.number: "超期", calm.number: "暂停计时"}

    def badges(page) -> dict[str, str]:
        body = page.get_data(as_text=True).split('id="issue-cases"', 1)[1].split("</table>", 1)[0]
        found = {}
        for row in body.split("<tr>")[2:]:
            number = re.search(r"XF\d{4}-\d{6}", row).group(0)
            badge = re.search(r'<span class="badge[^"]*">([^<]*)</span>', row)
            found[number] = badge.group(1) if badge else ""
        return found

    for login in ("supervisor", "county_supervisor", "admin"):
        client = client_as(login)
        # Picked on the 超期督办 list (where the paused case with time left is not listed) …
        page = client.post("/supervision/overdue/action_post", data={
            "action": "issue_order", "rowid": [str(c.id) for c in watched]})
        assert page.status_code == 200, login
        assert badges(page) == {c.number: expected[c.number] for c in watched}, login
        # … or typed in by number, all four (the form comes back for its missing requirement).
        numbers = " ".join(c.number for c in (*watched, calm))
        page = client.post("/supervision/orders/issue", data={
            "kind": "supervise", "unit": "", "case_numbers": numbers, "entry_numbers": "", "requirement": "",
            "due_on": (now + timedelta(days=5)).date().isoformat()})
        assert page.status_code == 422, login
        assert badges(page) == expected, login


def test_warning_threshold_in_working_days_across_national_day(county):
    """3 working days from 30 Sep 2025: 9, 10 and 11 Oct (a worked Saturday) — not 1–3 Oct."""
    warning = Rule(RuleCode.WARNING, 3, DayKind.WORKING)
    policy = dataclasses.replace(county.policy, rules={**county.policy.rules, RuleCode.WARNING: warning})
    now = datetime(2025, 9, 30, 10)
    last = nth_working_day(now.date(), 3)
    assert last == date(2025, 10, 11)
    assert policy.near_boundary(now) == datetime.combine(last + timedelta(days=1), time.min)
    assert policy.urgency(end_of(last), now) == Urgency.NEAR
    assert policy.urgency(end_of(last + timedelta(days=2)), now) == Urgency.ON_TIME  # 13 Oct
    # The default, 3 calendar days: 3 Oct is the last 临期 day.
    assert county.policy.urgency(end_of(date(2025, 10, 3)), now) == Urgency.NEAR
    assert county.policy.urgency(end_of(date(2025, 10, 4)), now) == Urgency.ON_TIME


def _set_warning(admin, session, days: int, kind: str) -> None:
    session.expire_all()
    rule = session.execute(select(DeadlineRule).where(DeadlineRule.code == "warning")).scalar_one()
    body = admin.get(f"/deadline-rules/edit/{rule.id}").get_data(as_text=True)
    assert "工作日" in body and "临期" in body
    version = re.search(r'name="row_version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="row_version"', body)
    response = admin.post(f"/deadline-rules/edit/{rule.id}", data={
        "days": str(days), "day_kind": kind, "basis": rule.basis or "",
        "row_version": version.group(1) or version.group(2)})
    assert response.status_code == 302, form_errors(response)


def test_administrator_counts_the_warning_in_working_days(county, client_as):
    now = county_now()
    fifth, sixth = nth_working_day(now.date(), 5), nth_working_day(now.date(), 6)
    assert (fifth - now.date()).days > 3  # not 临期 by the default 3 calendar days
    handler = client_as("handler")
    _rows, near_before, overdue_before = queue(handler)
    soon = county.assigned("第五个工作日到期", now - timedelta(hours=2), deadline=fifth)
    later = county.assigned("第六个工作日到期", now - timedelta(hours=2), deadline=sixth)
    assert (soon.next_due_at, later.next_due_at) == (end_of(fifth), end_of(sixth))
    assert queue(handler)[1:] == (near_before, overdue_before)
    assert "临期" not in deadline_panel(handler, soon)

    admin = client_as("admin")
    _set_warning(admin, county.session, 5, DayKind.WORKING.value)
    listing = page_text(admin.get("/deadline-rules/list/"))
    assert re.search(r"临期提醒[^。]*?5\s*工作日", listing), listing

    rows, near, overdue = queue(handler)
    assert overdue == overdue_before
    assert "临期" in rows[soon.number] and "临期" not in rows[later.number]
    # Every queued case due from today to the fifth working day is 临期 now, and only those.
    assert len(rows) < 50
    window = [text for text in rows.values()
              if re.match(r"\d{4}-\d{2}-\d{2}", text) and now.date() <= date.fromisoformat(text[:10]) <= fifth]
    assert near == len(window) and all("临期" in text for text in window)
    for login in CASE_READERS:
        client = handler if login == "handler" else client_as(login)
        assert "临期" in deadline_panel(client, soon), login
        assert "临期" not in deadline_panel(client, later), login
        listed = page_text(client.get(f"/cases/list/?q_due=near&q_number={soon.number}"))
        assert soon.number in listed, login
        assert later.number not in page_text(client.get(f"/cases/list/?q_due=near&q_number={later.number}")), login
    for login in WATCHERS:
        client = client_as(login)
        assert soon.number in watch_list(client, soon.number, "near"), login
        assert later.number not in watch_list(client, later.number), login
        assert "临期" in (report_row(client, soon.number) or ""), login
        assert report_row(client, later.number) is None, login


# --- open cases written under the old rule ---------------------------------------------------------


def test_upgrade_brings_open_cases_to_the_rule(county):
    import importlib.util
    from pathlib import Path

    import app.migrations

    path = Path(app.migrations.__path__[0]) / "versions" / "9c1f4b7e2a60_flags_receipt_plan_and_paused_overdue.py"
    spec = importlib.util.spec_from_file_location("flags_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)

    late = county.assigned("暂停前已超期（旧数据）", datetime(2025, 9, 5, 9), rule="fast_track")
    reply_due = calendar_days_after(datetime(2025, 9, 5, 9), 10)
    county.do(late, "pause", county.handler, reply_due + timedelta(days=2), reason_kind="hearing", reason="听证")
    unreceived = county.assigned("未签收（旧数据）", datetime(2025, 9, 26, 10), receive=False)
    owed = county.assigned("方案未报（旧数据）", datetime(2025, 9, 5, 9), complex_case=True)
    given = county.assigned("方案已报（旧数据）", datetime(2025, 9, 5, 9), complex_case=True)
    county.do(given, "report_progress", county.handler, datetime(2025, 9, 8, 9), text="化解方案")
    old_rule = {late.id: None, unreceived.id: unreceived.due_at, owed.id: owed.due_at, given.id: given.due_at}
    for case_id, value in old_rule.items():
        county.session.execute(Case.__table__.update().where(Case.id == case_id).values(next_due_at=value))
    county.session.commit()

    migration.recompute(county.session.connection())
    county.session.commit()
    county.session.expire_all()
    due = {c.id: county.session.get(Case, c.id).next_due_at for c in (late, unreceived, owed, given)}
    assert due == {
        late.id: reply_due,
        unreceived.id: calendar_days_after(datetime(2025, 9, 26, 10), 15),
        owed.id: end_of(nth_working_day(date(2025, 9, 5), 3)),
        given.id: given.due_at,
    }
