"""Leaders: records, holdings (领导包案) with duties and notes, the reception schedule and
records — their rules and their scoping, through real HTTP."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta

from sqlalchemy import select

from app.leaders.models import Holding, Leader, Reception, ReceptionSlot
from app.leaders.rules import PublicSlot, may_act_for, upcoming_slots
from tests.supervision.support import make_case, org, user
from tests.support import county_today, form_errors, page_text

TODAY = county_today()


def own_leader(db_session, username: str = "leader") -> Leader:
    db_session.rollback()
    return db_session.execute(select(Leader).where(Leader.user_id == user(db_session, username).id)).scalar_one()


def holding_form(leader: Leader, case_number: str = "", entry_number: str = "", **overrides):
    data = {"leader": str(leader.id), "case_number": case_number, "entry_number": entry_number,
            "taken_on": TODAY.isoformat(), "goal": "一案一策，限期化解。"}
    data.update(overrides)
    return data


def _latest_holding(db_session) -> Holding:
    db_session.rollback()
    return db_session.execute(select(Holding).order_by(Holding.id.desc())).scalars().first()


# --- leader records -----------------------------------------------------------------------------------


def test_township_admin_keeps_the_townships_leader_records(xz_admin_client, client_as, db_session):
    town = org(db_session, "城关镇")
    response = xz_admin_client.post("/leaders/leaders/add", data={
        "name": "林副镇长", "rank": "section", "post": "副镇长", "org_unit": str(town.id), "user": "__None",
        "sort_order": "20", "active": "y"})
    assert response.status_code == 302, form_errors(response)
    db_session.rollback()
    leader = db_session.execute(select(Leader).where(Leader.name == "林副镇长")).scalar_one()
    assert leader.org_unit_id == town.id
    # Another township's unit is not offered, and refused when posted.
    refused = xz_admin_client.post("/leaders/leaders/add", data={
        "name": "外镇领导", "rank": "section", "post": "镇长", "org_unit": str(org(db_session, "河东镇").id),
        "user": "__None", "sort_order": "1", "active": "y"})
    assert form_errors(refused)
    # A county-level rank in a township is refused by the rule.
    wrong = xz_admin_client.post("/leaders/leaders/add", data={
        "name": "错级领导", "rank": "county", "post": "县长", "org_unit": str(town.id), "user": "__None",
        "sort_order": "1", "active": "y"})
    assert any("县级" in e for e in form_errors(wrong)), form_errors(wrong)
    # 河东镇 does not see 城关镇's leaders; readers cannot edit.
    assert client_as("leader_hd").get(f"/leaders/leaders/show/{leader.id}").status_code == 404
    assert "林副镇长" not in page_text(client_as("leader_hd").get("/leaders/leaders/list/"))
    assert client_as("manager").get(f"/leaders/leaders/edit/{leader.id}").status_code == 403


# --- holdings ------------------------------------------------------------------------------------------


def test_leader_takes_a_case_ticks_duties_notes_and_ends(leader_client, db_session):
    leader = own_leader(db_session)
    case = make_case(db_session, title="反映征地补偿款未足额发放", due_in_days=-2)
    form = leader_client.get("/leaders/holdings/add")
    assert f'value="{leader.id}" selected' in form.get_data(as_text=True) or leader.name in page_text(form)
    response = leader_client.post("/leaders/holdings/add", data=holding_form(leader, case.number))
    assert response.status_code == 302, form_errors(response)
    holding = _latest_holding(db_session)
    assert holding.case_id == case.id and holding.target_number == case.number
    assert [d.name for d in holding.duties] == ["包情况掌握", "包案件化解", "包息访息诉", "包接访处访"]

    duty = holding.duties[1]
    no_note = leader_client.post(f"/leaders/holdings/tick/{holding.id}", data={
        "duty": str(duty.id), "noted_on": TODAY.isoformat(), "text": ""})
    assert no_note.status_code == 422 and any("落实情况" in e for e in form_errors(no_note))
    before = leader_client.post(f"/leaders/holdings/tick/{holding.id}", data={
        "duty": str(duty.id), "noted_on": (TODAY - timedelta(days=3)).isoformat(), "text": "x"})
    assert any("包案日期" in e for e in form_errors(before)), form_errors(before)
    ticked = leader_client.post(f"/leaders/holdings/tick/{holding.id}", data={
        "duty": str(duty.id), "noted_on": TODAY.isoformat(), "text": "召集自然资源局研究化解方案。"})
    assert ticked.status_code == 302
    again = leader_client.post(f"/leaders/holdings/tick/{holding.id}", data={
        "duty": str(duty.id), "noted_on": TODAY.isoformat(), "text": "再次"})
    assert any("已于" in e for e in form_errors(again)), form_errors(again)
    assert leader_client.post(f"/leaders/holdings/note/{holding.id}", data={
        "noted_on": TODAY.isoformat(), "text": "电话联系信访人，情绪稳定。"}).status_code == 302

    page = page_text(leader_client.get(f"/leaders/holdings/show/{holding.id}"))
    assert "召集自然资源局研究化解方案。" in page and "电话联系信访人，情绪稳定。" in page
    assert "超期" in page  # how it stands: the case's deadline has passed
    # The leader's page lists it with its state.
    leader_page = page_text(leader_client.get(f"/leaders/leaders/show/{leader.id}"))
    assert case.number in leader_page and "1/4" in leader_page

    ended = leader_client.post(f"/leaders/holdings/end/{holding.id}", data={
        "status": "resolved", "ended_on": TODAY.isoformat(), "note": "已化解，信访人息访。"})
    assert ended.status_code == 302
    db_session.rollback()
    holding = db_session.get(Holding, holding.id)
    assert (holding.status, holding.ended_on) == ("resolved", TODAY)
    closed = leader_client.post(f"/leaders/holdings/note/{holding.id}", data={"noted_on": TODAY.isoformat(), "text": "x"})
    assert any("已结束" in e for e in form_errors(closed)), form_errors(closed)


def test_holding_refusals(leader_client, db_session):
    leader = own_leader(db_session)
    elsewhere = make_case(db_session, "河东镇", title="河东镇的案件")
    finished = make_case(db_session, title="已结案件", status="closed", due_in_days=None)
    case = make_case(db_session, title="新的重点案件")
    outside = leader_client.post("/leaders/holdings/add", data=holding_form(leader, elsewhere.number))
    assert any(elsewhere.number in e and "辖区" in e for e in form_errors(outside)), form_errors(outside)
    done = leader_client.post("/leaders/holdings/add", data=holding_form(leader, finished.number))
    assert any("已办结" in e for e in form_errors(done)), form_errors(done)
    neither = leader_client.post("/leaders/holdings/add", data=holding_form(leader))
    assert any("二选一" in e for e in form_errors(neither)), form_errors(neither)
    assert leader_client.post("/leaders/holdings/add", data=holding_form(leader, case.number)).status_code == 302
    twice = leader_client.post("/leaders/holdings/add", data=holding_form(leader, case.number))
    assert any("已在包案" in e for e in form_errors(twice)), form_errors(twice)
    # Another leader's record is not offered in the form, and refused by the rule.
    other = db_session.execute(select(Leader).where(Leader.name == "周德明")).scalar_one()
    assert not may_act_for(user(db_session, "leader"), other)
    assert may_act_for(user(db_session, "admin"), other)
    posted = leader_client.post("/leaders/holdings/add", data=holding_form(other, case.number))
    assert form_errors(posted)


def test_holdings_are_scoped(leader_client, client_as, db_session):
    leader = own_leader(db_session)
    case = make_case(db_session, title="城关镇重点案件")
    leader_client.post("/leaders/holdings/add", data=holding_form(leader, case.number))
    holding = _latest_holding(db_session)
    hd = client_as("leader_hd")
    assert hd.get(f"/leaders/holdings/show/{holding.id}").status_code == 404
    for step, data in (("tick", {"duty": str(holding.duties[0].id), "noted_on": TODAY.isoformat(), "text": "x"}),
                       ("note", {"noted_on": TODAY.isoformat(), "text": "x"}),
                       ("end", {"status": "resolved", "ended_on": TODAY.isoformat(), "note": "x"})):
        assert hd.post(f"/leaders/holdings/{step}/{holding.id}", data=data).status_code == 404, step
    assert hd.get(f"/leaders/holdings/edit/{holding.id}").status_code == 404
    assert case.number not in page_text(hd.get("/leaders/holdings/list/"))
    # The county sees it; a reader cannot act on it.
    assert client_as("county_supervisor").get(f"/leaders/holdings/show/{holding.id}").status_code == 200
    assert client_as("supervisor").post(f"/leaders/holdings/note/{holding.id}",
                                        data={"noted_on": TODAY.isoformat(), "text": "x"}).status_code == 403


def test_leader_pages_never_show_an_accusers_name(leader_client, db_session):
    leader = own_leader(db_session)
    secret = make_case(db_session, title="举报村会计挪用资金", category="accusation", petitioner="举报人戊")
    leader_client.post("/leaders/holdings/add", data=holding_form(leader, secret.number))
    holding = _latest_holding(db_session)
    for url in (f"/leaders/holdings/show/{holding.id}", f"/leaders/leaders/show/{leader.id}", "/leaders/holdings/list/"):
        text = page_text(leader_client.get(url))
        assert secret.number in text and "举报人戊" not in text, url
    plain = make_case(db_session, title="反映道路破损", petitioner="村民己")
    leader_client.post("/leaders/holdings/add", data=holding_form(leader, plain.number))
    assert "村民己" in page_text(leader_client.get(f"/leaders/holdings/show/{_latest_holding(db_session).id}"))


# --- the reception schedule and records ------------------------------------------------------------------


def _next_saturday() -> date:
    return TODAY + timedelta(days=(5 - TODAY.weekday()) % 7 or 7)


def test_schedule_is_published_to_everyone_weekends_included(leader_client, client_as, db_session):
    leader = own_leader(db_session)
    saturday = _next_saturday()
    response = leader_client.post("/leaders/slots/add", data={
        "leader": str(leader.id), "day": saturday.isoformat(), "start_time": "08:30", "end_time": "11:30",
        "place": "城关镇信访办接待室", "subjects": "测试专题：宅基地", "township": "__None", "published": "y",
        "note": ""})
    assert response.status_code == 302, form_errors(response)
    leader_client.post("/leaders/slots/add", data={
        "leader": str(leader.id), "day": saturday.isoformat(), "start_time": "14:00", "end_time": "16:00",
        "place": "内部研判", "subjects": "未公布的安排", "township": "__None", "note": ""})
    db_session.rollback()
    slot = db_session.execute(select(ReceptionSlot).where(ReceptionSlot.subjects == "测试专题：宅基地")).scalar_one()
    assert slot.township_id == org(db_session, "城关镇").id  # a township leader receives in the township
    # Every role in the county reads the schedule, another township's clerk too.
    for login in ("clerk2", "handler", "handler_rsj", "manager", "county_leader"):
        page = client_as(login).get("/leaders/schedule/")
        assert page.status_code == 200, login
        text = page_text(page)
        assert "测试专题：宅基地" in text and "星期六" in text, login
        assert "未公布的安排" not in text
    # What the public portal will call: no personal data, only the published slots.
    public = [s for s in upcoming_slots(db_session, TODAY, 28) if s.subjects == "测试专题：宅基地"]
    assert len(public) == 1 and public[0].weekend and public[0].leader_name == leader.name
    assert {f.name for f in fields(PublicSlot)} == {
        "day", "start_time", "end_time", "place", "subjects", "leader_name", "leader_post", "leader_rank", "township"}
    # Bad input: in the past, ends before it starts.
    past = leader_client.post("/leaders/slots/add", data={
        "leader": str(leader.id), "day": (TODAY - timedelta(days=1)).isoformat(), "start_time": "10:00",
        "end_time": "09:00", "place": "x", "subjects": "", "township": "__None", "published": "y", "note": ""})
    errors = form_errors(past)
    assert any("今天或以后" in e for e in errors) and any("晚于开始" in e for e in errors), errors
    # 河东镇's leader cannot edit 城关镇's slot.
    assert client_as("leader_hd").get(f"/leaders/slots/edit/{slot.id}").status_code == 404


def test_reception_records_with_cases(leader_client, client_as, db_session):
    leader = own_leader(db_session)
    registered = make_case(db_session, title="接访时登记的案件", due_in_days=10)
    elsewhere = make_case(db_session, "河东镇", title="河东镇案件")
    form = {"kind": "reception", "leader": str(leader.id), "slot": "__None", "held_on": TODAY.isoformat(),
            "place": "城关镇信访办接待室", "township": "__None", "village": "__None", "batches": "3", "persons": "2",
            "case_numbers": f"{registered.number} {elsewhere.number}", "summary": "当场答复两批。"}
    refused = leader_client.post("/leaders/receptions/add", data=form)
    errors = form_errors(refused)
    assert any("人次" in e for e in errors) and any(elsewhere.number in e for e in errors), errors
    form.update(persons="7", case_numbers=registered.number)
    assert leader_client.post("/leaders/receptions/add", data=form).status_code == 302
    db_session.rollback()
    reception = db_session.execute(select(Reception).order_by(Reception.id.desc())).scalars().first()
    assert [c.id for c in reception.cases] == [registered.id] and reception.case_numbers == registered.number
    visit = leader_client.post("/leaders/receptions/add", data={**form, "kind": "visit", "township": "__None"})
    assert any("下访" in e for e in form_errors(visit)), form_errors(visit)  # a visit names where it went
    assert reception.township_id == org(db_session, "城关镇").id  # a township leader receives in the township
    assert client_as("leader_hd").get(f"/leaders/receptions/show/{reception.id}").status_code == 404
    assert client_as("clerk").get(f"/leaders/receptions/show/{reception.id}").status_code == 200


def test_public_schedule_for_the_portal(app, leader_client, db_session):
    """`public_schedule(days)`: what the public portal shows — published slots only, no personal data."""
    from app.leaders.schedule import public_schedule

    leader = own_leader(db_session)
    saturday = _next_saturday()
    for subjects, published in (("门户公开专题", "y"), ("门户不公开专题", "")):
        response = leader_client.post("/leaders/slots/add", data={
            "leader": str(leader.id), "day": saturday.isoformat(), "start_time": "08:30", "end_time": "11:30",
            "place": "城关镇信访办接待室", "subjects": subjects, "township": "__None", "published": published,
            "note": "内部备注：不外传"})
        assert response.status_code == 302, form_errors(response)
    with app.app_context():
        items = public_schedule(days=30)
        assert all(i["date"] == TODAY.isoformat() for i in public_schedule(days=0))  # at least today
    ours = [i for i in items if i["subjects"] == "门户公开专题"]
    assert ours == [{
        "date": saturday.isoformat(), "weekday": 5, "weekend": True, "start_time": "08:30", "end_time": "11:30",
        "place": "城关镇信访办接待室", "subjects": "门户公开专题", "leader_name": leader.name,
        "leader_title": leader.post, "leader_rank": ours[0]["leader_rank"], "township": "城关镇",
    }]
    assert ours[0]["leader_rank"] in ("科级", "县级", "其他")
    assert not any(i["subjects"] == "门户不公开专题" for i in items)
    assert "内部备注" not in repr(items)
    assert [i["date"] for i in items] == sorted(i["date"] for i in items)
    assert all(TODAY.isoformat() <= i["date"] < (TODAY + timedelta(days=30)).isoformat() for i in items)
