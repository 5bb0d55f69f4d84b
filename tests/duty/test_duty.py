"""24小时值班 through HTTP: the published roster and its gaps, who keeps roster and log, scoping
(河东镇's clerk sees nothing of 城关镇's log by list, id or export), bad input refused next to its
field, and a logged call registered as a petition case linked back to its entry."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.duty.models import DutyLogEntry, DutyShift
from app.org.models import OrgUnit
from tests.support import DEMO_PASSWORD, case_form, county_now, form_errors, login, page_text

COUNTY_USERS = ("admin", "county_clerk", "county_leader", "county_supervisor", "county_manager")
TOWNSHIP_USERS = ("xz_admin", "clerk", "handler", "leader", "supervisor", "manager", "clerk2")
KEEPERS = {"admin", "county_clerk", "xz_admin", "clerk", "clerk2"}  # 系统管理员, 登记员, 乡镇管理员
LOG_READERS = set(COUNTY_USERS + TOWNSHIP_USERS) - {"handler"}


def unit(session, name: str) -> OrgUnit:
    return session.execute(select(OrgUnit).where(OrgUnit.name == name)).scalar_one()


def stamp(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


# --- every demo role, on one app (read-only walk) ---------------------------------------------------


@pytest.fixture(scope="module")
def walk(module_app):
    clients = {}
    for username in COUNTY_USERS + TOWNSHIP_USERS:
        c = module_app.test_client()
        login(c, username, DEMO_PASSWORD)
        clients[username] = c
    return clients


def test_every_user_reads_the_roster_of_their_township_and_the_county(walk):
    for username, c in walk.items():
        response = c.get("/duty/roster/")
        assert response.status_code == 200, username
        text = page_text(response)
        assert "值班表" in text and "青山县" in text, username
        sections = set(re.findall(r'<section class="xf-roster" id="roster-\d+">\s*<h3>([^<]+)</h3>',
                                  response.get_data(as_text=True)))
        if username in COUNTY_USERS:
            assert {"青山县", "城关镇", "河东镇"} <= sections, username
        elif username == "clerk2":
            assert sections == {"青山县", "河东镇"}, username
        else:
            assert sections == {"青山县", "城关镇"}, username


def test_the_demo_gap_is_shown_in_red_with_chinese_words(walk):
    body = walk["clerk2"].get("/duty/roster/").get_data(as_text=True)
    hedong = body.split("<h3>河东镇</h3>")[1]
    assert "alert alert-danger xf-roster-gaps" in hedong.split("</section>")[0]
    assert "无人值班" in hedong and "值班缺口" in hedong
    night = (county_now().date() + timedelta(days=3)).strftime("%m-%d")
    assert f"{night} 20:00" in hedong.split("</section>")[0]
    # 城关镇's and the county's month is complete.
    body = walk["clerk"].get("/duty/roster/").get_data(as_text=True)
    assert "xf-roster-gaps" not in body and "未来14天每个时段均有人值班" in page_text(walk["clerk"].get("/duty/roster/"))


def test_who_keeps_and_who_reads_the_roster_and_log(walk):
    for username, c in walk.items():
        for base in ("/duty/shifts", "/duty/log"):
            listed = c.get(f"{base}/list/").status_code
            assert listed == (200 if username in LOG_READERS else 403), (username, base, listed)
            add = c.get(f"{base}/add").status_code
            assert add == (200 if username in KEEPERS else 403), (username, base, add)


def test_caller_phones_are_masked_for_roles_that_do_not_handle_petitioners(walk):
    assert "13904511234" in walk["clerk"].get("/duty/log/list/").get_data(as_text=True)
    for username in ("leader", "manager", "county_leader", "county_manager", "xz_admin"):
        body = walk[username].get("/duty/log/list/").get_data(as_text=True)
        assert "13904511234" not in body and "139****1234" in body, username
        export = walk[username].post("/duty/log/export/csv")
        if export.status_code == 200:
            assert "13904511234" not in export.get_data(as_text=True), username


# --- scoping --------------------------------------------------------------------------------------


def test_clerk2_sees_none_of_chengguan_log_by_list_id_or_export(app, db_session, client_as):
    chengguan = unit(db_session, "城关镇")
    ours = db_session.execute(select(DutyLogEntry).where(DutyLogEntry.org_unit_id == chengguan.id)).scalars().all()
    assert ours
    clerk2 = client_as("clerk2")
    listed = page_text(clerk2.get("/duty/log/list/"))
    exported = clerk2.post("/duty/log/export/csv").get_data(as_text=True)
    for entry in ours:
        assert entry.summary[:12] not in listed and entry.summary[:12] not in exported
        for url in (f"/duty/log/show/{entry.id}", f"/duty/log/edit/{entry.id}"):
            assert clerk2.get(url).status_code == 404, url
        assert clerk2.post(f"/duty/log/delete/{entry.id}").status_code == 403  # only the administrator deletes log entries
        # Nor through the case registration form.
        form = clerk2.get(f"/cases/add?duty_log={entry.id}").get_data(as_text=True)
        assert entry.summary not in form
    assert "河东镇" in listed  # their own township's entries are there
    shift = db_session.execute(select(DutyShift).where(DutyShift.org_unit_id == chengguan.id)).scalars().first()
    assert clerk2.get(f"/duty/shifts/show/{shift.id}").status_code == 404
    assert clerk2.get(f"/duty/shifts/edit/{shift.id}").status_code == 404


# --- bad input -------------------------------------------------------------------------------------


def shift_form(org_unit_id: int, **overrides) -> dict[str, str]:
    start = county_now().replace(hour=8, minute=0, second=0) + timedelta(days=20)
    data = {"org_unit": str(org_unit_id), "user": "__None", "person_name": "张丽娟", "phone": "0451-86623456",
            "starts_at": stamp(start), "ends_at": stamp(start + timedelta(hours=12)), "note": ""}
    data.update(overrides)
    return data


def count_shifts(db_session) -> int:
    return db_session.execute(select(func.count()).select_from(DutyShift)).scalar()


def test_bad_shifts_are_refused_next_to_their_field_and_nothing_is_saved(app, db_session, client_as):
    chengguan, hedong = unit(db_session, "城关镇"), unit(db_session, "河东镇")
    clerk = client_as("clerk")
    before = count_shifts(db_session)
    start = county_now().replace(hour=20, minute=0, second=0) + timedelta(days=20)
    response = clerk.post("/duty/shifts/add", data=shift_form(
        chengguan.id, starts_at=stamp(start), ends_at=stamp(start - timedelta(hours=1))))
    assert "值班结束时间必须晚于开始时间" in form_errors(response)
    response = clerk.post("/duty/shifts/add", data=shift_form(chengguan.id, phone="12345"))
    assert any("11位手机号" in e or "固定电话" in e for e in form_errors(response)), form_errors(response)
    response = clerk.post("/duty/shifts/add", data=shift_form(chengguan.id, person_name=""))
    assert "请选择值班人员或填写其姓名" in form_errors(response)
    # Another township's roster is not the clerk's to keep (not even offered in the form).
    response = clerk.post("/duty/shifts/add", data=shift_form(hedong.id))
    assert response.status_code == 200 and form_errors(response)
    assert count_shifts(db_session) == before
    # A good one is saved, and the audit log has it.
    response = clerk.post("/duty/shifts/add", data=shift_form(chengguan.id))
    assert response.status_code == 302, form_errors(response)
    assert count_shifts(db_session) == before + 1
    shift = db_session.execute(select(DutyShift).order_by(DutyShift.id.desc())).scalars().first()
    audited = db_session.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.record_id == str(shift.id), AuditEntry.model.in_(("duty_shift", "DutyShift")))).scalar()
    assert audited == 1


def test_a_log_entry_with_a_bad_phone_or_a_future_time_is_refused(app, db_session, client_as):
    chengguan = unit(db_session, "城关镇")
    clerk = client_as("clerk")
    before = db_session.execute(select(func.count()).select_from(DutyLogEntry)).scalar()
    data = {"org_unit": str(chengguan.id), "received_at": stamp(county_now() - timedelta(hours=1)),
            "caller": "李四", "phone": "888", "summary": "反映路灯不亮", "action_taken": ""}
    assert form_errors(clerk.post("/duty/log/add", data=data))
    data.update(phone="13912345678", received_at=stamp(county_now() + timedelta(days=2)))
    response = clerk.post("/duty/log/add", data=data)
    assert "该时间晚于当前时间" in form_errors(response), (response.status_code, form_errors(response))
    assert db_session.execute(select(func.count()).select_from(DutyLogEntry)).scalar() == before


# --- a logged call becomes a petition case ---------------------------------------------------------


def test_a_logged_call_registered_as_a_case_is_linked_back(app, db_session, client_as):
    chengguan = unit(db_session, "城关镇")
    clerk = client_as("clerk")
    received = county_now().replace(second=0) - timedelta(hours=2)
    data = {"org_unit": str(chengguan.id), "received_at": stamp(received),
            "caller": "王小明", "phone": "13812345678", "summary": "反映新民村自来水停水三天无人处理",
            "action_taken": "已联系水务站"}
    response = clerk.post("/duty/log/add", data=data)
    assert response.status_code == 302, form_errors(response)
    entry = db_session.execute(select(DutyLogEntry).order_by(DutyLogEntry.id.desc())).scalars().first()
    assert entry.shift_id is not None  # the shift on duty then, found by time
    page = clerk.get(f"/duty/log/show/{entry.id}").get_data(as_text=True)
    assert f"/cases/add?duty_log={entry.id}" in page and "登记为信访件" in page
    form = clerk.get(f"/cases/add?duty_log={entry.id}").get_data(as_text=True)
    assert "反映新民村自来水停水三天无人处理" in form and "13812345678" in form
    assert re.search(r'<option selected value="phone">|<option value="phone" selected', form), \
        re.findall(r'<option[^>]*value="phone"[^>]*>', form)
    post = case_form(chengguan.id, channel="phone", content=entry.summary, title="新民村停水")
    response = clerk.post(f"/cases/add?duty_log={entry.id}", data=post)
    assert response.status_code == 302, form_errors(response)
    db_session.expire_all()
    entry = db_session.get(DutyLogEntry, entry.id)
    assert entry.case_id is not None and entry.case.content == entry.summary
    page = page_text(clerk.get(f"/duty/log/show/{entry.id}"))
    assert "已登记为信访件" in page and entry.case.number in page
    # A second registration from the same entry does not steal the link.
    first = entry.case_id
    clerk.post(f"/cases/add?duty_log={entry.id}", data=case_form(chengguan.id, title="另一件"))
    db_session.expire_all()
    assert db_session.get(DutyLogEntry, entry.id).case_id == first


def test_a_township_admin_edits_a_log_entry_without_seeing_or_losing_the_phone(app, db_session, client_as):
    chengguan = unit(db_session, "城关镇")
    entry = db_session.execute(select(DutyLogEntry).where(
        DutyLogEntry.org_unit_id == chengguan.id, DutyLogEntry.phone.is_not(None),
        DutyLogEntry.case_id.is_(None))).scalars().first()
    stored = entry.phone
    xz_admin = client_as("xz_admin")
    form = xz_admin.get(f"/duty/log/edit/{entry.id}").get_data(as_text=True)
    masked = stored[:3] + "****" + stored[-4:]
    assert stored not in form and masked in form
    data = {"org_unit": str(chengguan.id), "received_at": stamp(entry.received_at), "caller": entry.caller, "phone": masked,
            "summary": entry.summary, "action_taken": "已回访来电人", "row_version": str(entry.version)}
    response = xz_admin.post(f"/duty/log/edit/{entry.id}", data=data)
    assert response.status_code == 302, form_errors(response)
    db_session.expire_all()
    entry = db_session.get(DutyLogEntry, entry.id)
    assert (entry.phone, entry.action_taken) == (stored, "已回访来电人")
