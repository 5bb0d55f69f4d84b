"""Joint meetings (联席会议): the record, its follow-up tasks in the right units' work queues,
and who may see and touch them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.supervision.models import JointMeeting, MeetingTask
from tests.supervision.support import make_case, org
from tests.support import county_today, form_errors, page_text


def meeting_form(db_session, **overrides):
    data = {
        "title": "城关镇信访工作联席会议",
        "held_on": (county_today() - timedelta(days=1)).isoformat(),
        "convener": "镇长 杨振华",
        "township": str(org(db_session, "城关镇").id),
        "units": [str(org(db_session, "城关镇").id), str(org(db_session, "县人力资源和社会保障局").id)],
        "case_numbers": "",
        "decisions": "一、超期件逐件落实责任人；二、人社局测试任务：清理欠薪。",
    }
    data.update(overrides)
    return data


def _meeting(db_session, title: str) -> JointMeeting:
    db_session.rollback()
    return db_session.execute(select(JointMeeting).where(JointMeeting.title == title)).scalar_one()


def _record(supervisor_client, db_session, **overrides) -> JointMeeting:
    form = meeting_form(db_session, **overrides)
    response = supervisor_client.post("/supervision/meetings/add", data=form)
    assert response.status_code == 302, form_errors(response)
    return _meeting(db_session, form["title"])


def test_follow_up_tasks_appear_in_the_responsible_units_queues(supervisor_client, client_as, db_session):
    case = make_case(db_session, title="拖欠工资问题", due_in_days=-3)
    meeting = _record(supervisor_client, db_session, case_numbers=case.number)
    assert [c.id for c in meeting.cases] == [case.id]
    assert "县人力资源和社会保障局" in meeting.unit_names
    due = (county_today() + timedelta(days=7)).isoformat()
    for unit, text in (("城关镇", "测试任务：整改超期件"), ("县人力资源和社会保障局", "测试任务：清理欠薪")):
        response = supervisor_client.post(f"/supervision/meetings/task/{meeting.id}", data={
            "unit": str(org(db_session, unit).id), "description": text, "due_on": due})
        assert response.status_code == 302, form_errors(response)

    town_handler, rsj_handler, other = client_as("handler"), client_as("handler_rsj"), client_as("handler_hd")
    town_home = town_handler.get("/").get_data(as_text=True)
    assert 'id="queue-meeting-tasks"' in town_home and "测试任务：整改超期件" in town_home
    assert "测试任务：清理欠薪" not in town_home
    rsj_home = rsj_handler.get("/").get_data(as_text=True)
    assert "测试任务：清理欠薪" in rsj_home and "测试任务：整改超期件" not in rsj_home
    assert 'id="queue-meeting-tasks"' not in other.get("/").get_data(as_text=True)

    tasks = {t.unit.name: t for t in _meeting(db_session, meeting.title).tasks}
    # 人社局 cannot report 城关镇's task done; 城关镇 can (with a note).
    refused = rsj_handler.post(f"/supervision/meetings/task/{meeting.id}/{tasks['城关镇'].id}/done",
                               data={"note": "代为报告"})
    assert refused.status_code == 422 and any("城关镇" in e for e in form_errors(refused))
    empty = town_handler.post(f"/supervision/meetings/task/{meeting.id}/{tasks['城关镇'].id}/done", data={"note": ""})
    assert empty.status_code == 422 and any("落实情况" in e for e in form_errors(empty))
    done = town_handler.post(f"/supervision/meetings/task/{meeting.id}/{tasks['城关镇'].id}/done",
                             data={"note": "三件超期件均已落实包案领导。"})
    assert done.status_code == 302
    db_session.rollback()
    task = db_session.get(MeetingTask, tasks["城关镇"].id)
    assert task.done and task.done_note.startswith("三件")
    assert "测试任务：整改超期件" not in town_handler.get("/").get_data(as_text=True)
    again = town_handler.post(f"/supervision/meetings/task/{meeting.id}/{task.id}/done", data={"note": "再报"})
    assert again.status_code == 422


def test_bad_meeting_input_is_refused(supervisor_client, db_session):
    elsewhere = make_case(db_session, "河东镇", title="河东镇案件")
    response = supervisor_client.post("/supervision/meetings/add", data=meeting_form(
        db_session, case_numbers=elsewhere.number, units=[]))
    assert response.status_code == 200  # the form again, with the messages
    errors = form_errors(response)
    assert any(elsewhere.number in e for e in errors), errors
    assert any("参会单位" in e for e in errors), errors
    county = supervisor_client.post("/supervision/meetings/add", data=meeting_form(db_session, township="__None"))
    assert any("本乡镇" in e for e in form_errors(county)), form_errors(county)
    db_session.rollback()
    assert db_session.execute(select(JointMeeting).where(JointMeeting.title == "城关镇信访工作联席会议")).first() is None
    meeting = _record(supervisor_client, db_session)
    late = supervisor_client.post(f"/supervision/meetings/task/{meeting.id}", data={
        "unit": str(org(db_session, "城关镇").id), "description": "任务",
        "due_on": (county_today() - timedelta(days=30)).isoformat()})
    assert late.status_code == 422 and any("会议日期" in e for e in form_errors(late))


def test_meetings_are_scoped(supervisor_client, client_as, db_session):
    meeting = _record(supervisor_client, db_session)
    supervisor_client.post(f"/supervision/meetings/task/{meeting.id}", data={
        "unit": str(org(db_session, "城关镇").id), "description": "任务", "due_on": county_today().isoformat()})
    task = _meeting(db_session, meeting.title).tasks[0]
    # A participating county department sees it; a department not involved and another
    # township do not — not by page, list, task step or edit.
    assert client_as("handler_rsj").get(f"/supervision/meetings/show/{meeting.id}").status_code == 200
    for login in ("handler_zjj", "leader_hd", "handler_hd"):
        client = client_as(login)
        assert client.get(f"/supervision/meetings/show/{meeting.id}").status_code == 404, login
        assert client.post(f"/supervision/meetings/task/{meeting.id}/{task.id}/done",
                           data={"note": "x"}).status_code == 404, login
        assert "城关镇信访工作联席会议" not in page_text(client.get("/supervision/meetings/list/"))
    assert client_as("county_manager").get(f"/supervision/meetings/show/{meeting.id}").status_code == 200
    # Readers cannot add tasks or edit.
    manager = client_as("manager")
    assert manager.get(f"/supervision/meetings/show/{meeting.id}").status_code == 200
    assert manager.post(f"/supervision/meetings/task/{meeting.id}", data={
        "unit": str(org(db_session, "城关镇").id), "description": "x", "due_on": county_today().isoformat()
    }).status_code == 403
    assert manager.get(f"/supervision/meetings/edit/{meeting.id}").status_code == 403
