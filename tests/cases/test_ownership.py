"""首办责任人: receipt names a person (the signer by default), the unit's leader names or changes
them with history, audit and a notification; 我的信访件 and the workload view read the same
deadline rules as the work queue; nobody outside the case's area sees or acts."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.cases.models import OPEN_STATUSES, Case
from app.cases.workflow_models import CaseEvent
from app.notifications.models import Notification
from app.security.models import AppUser
from tests.cases.workflow_support import fresh, ok, page_state, refused, register, step, unit
from tests.support import county_now, page_text, table_rows


def _user(db_session, login: str) -> AppUser:
    return db_session.execute(select(AppUser).where(AppUser.username == login)).scalar_one()


def _assigned(client_as, db_session, title: str, unit_name: str = "城关镇") -> Case:
    clerk, leader = client_as("clerk"), client_as("leader")
    case = register(clerk, db_session, title=title)
    ok(step(clerk, case.id, "accept"))
    ok(step(clerk, case.id, "propose", proposal="请办理"))
    ok(step(leader, case.id, "instruct", text="请依法办理"))
    ok(step(clerk, case.id, "assign", unit=str(unit(db_session, unit_name).id)))
    return case


def _mine(client) -> list[str]:
    body = client.get("/cases/mine/").get_data(as_text=True)
    table = body.split('id="my-cases"', 1)[1].split("</table>", 1)[0] if 'id="my-cases"' in body else ""
    return re.findall(r"XF\d{4}-\d{6}", table)


def test_receipt_names_the_signer_and_the_leader_reassigns(client_as, db_session):
    handler, leader = client_as("handler"), client_as("leader")
    chen, lin = _user(db_session, "handler"), _user(db_session, "handler_cg")
    case = _assigned(client_as, db_session, "首办责任人：签收即承办")
    ok(step(handler, case.id, "receive"))
    case = fresh(db_session, case.id)
    assert case.handler_id == chen.id
    received = db_session.execute(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.step == "receive")).scalar_one()
    assert received.details["handler"] == "陈志强"
    # "Who acts next" names the person; the list shows the column.
    page = leader.get(f"/cases/show/{case.id}").get_data(as_text=True)
    assert re.search(r'id="case-awaited">[^<]*陈志强（城关镇）', page)
    assert case.number in _mine(handler)
    assert case.number not in _mine(client_as("handler_cg"))

    ok(step(leader, case.id, "name_handler", handler=str(lin.id), note="工作调整"))
    case = fresh(db_session, case.id)
    assert case.handler_id == lin.id
    event = db_session.execute(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.step == "name_handler")).scalar_one()
    assert (event.details["handler"], event.details["previous_handler"]) == ("林晓芳", "陈志强")
    assert event.actor_id == _user(db_session, "leader").id
    told = db_session.execute(select(Notification).where(
        Notification.user_id == lin.id, Notification.kind == "handler_named",
        Notification.record_id == case.id)).scalars().all()
    assert len(told) == 1
    audited = db_session.execute(select(AuditEntry).where(
        AuditEntry.model == "petition_case", AuditEntry.record_id == str(case.id),
        AuditEntry.details.contains("handler_id"))).scalars().all()
    assert audited, "the change of 首办责任人 is in the audit log"
    assert case.number in _mine(client_as("handler_cg"))
    assert case.number not in _mine(handler)
    # The unit's queue is unchanged: both handlers still see the case waiting for the unit.
    home = handler.get("/").get_data(as_text=True)
    assert case.number in home.split('id="queue"', 1)[1].split("</table>", 1)[0]


def test_who_may_name_the_handler(client_as, db_session):
    case = _assigned(client_as, db_session, "首办责任人：谁可指定")
    lin, hd = _user(db_session, "handler_cg"), _user(db_session, "handler_hd")
    version, _ = page_state(client_as("leader"), case.id)
    # A handler of the unit may not (the leader assigns), nor a clerk of the place.
    refused(step(client_as("handler"), case.id, "name_handler", version=version, handler=str(lin.id)),
            "您的角色不能")
    refused(step(client_as("clerk"), case.id, "name_handler", version=version, handler=str(lin.id)),
            "您的角色不能")
    # Another township's clerk and a county department's handler do not see the case at all.
    for login in ("clerk2", "handler_rsj"):
        response = step(client_as(login), case.id, "name_handler", version=version, handler=str(lin.id))
        assert response.status_code == 404, login
    # Only a 承办人 of the handling unit can be named: the message sits next to the field.
    response = step(client_as("leader"), case.id, "name_handler", version=version, handler=str(hd.id))
    assert response.status_code == 422
    assert "首办责任人须属于承办该件的单位" in page_text(response)
    assert fresh(db_session, case.id).handler_id is None
    # A county leader may; a form loaded before that change is refused as stale (409).
    ok(step(client_as("county_leader"), case.id, "name_handler", version=version, handler=str(lin.id)))
    response = step(client_as("leader"), case.id, "name_handler", version=version,
                    handler=str(_user(db_session, "handler").id))
    assert response.status_code == 409
    assert fresh(db_session, case.id).handler_id == lin.id


def test_a_unit_without_named_persons_works_as_before(client_as, db_session):
    rsj = client_as("handler_rsj")
    case = _assigned(client_as, db_session, "首办责任人：未签收的部门件", "县人力资源和社会保障局")
    assert fresh(db_session, case.id).handler_id is None
    home = rsj.get("/").get_data(as_text=True)
    assert case.number in home.split('id="queue"', 1)[1].split("</table>", 1)[0]
    assert case.number not in _mine(rsj)
    page = rsj.get(f"/cases/show/{case.id}").get_data(as_text=True)
    assert re.search(r'id="case-awaited">[^<]*县人力资源和社会保障局', page)


def test_workload_counts_match_the_raw_rows(client_as, db_session):
    leader = client_as("leader")
    town = unit(db_session, "城关镇")
    now = county_now()
    boundary = None
    from app.deadlines.policy import current_policy  # noqa: PLC0415 — needs the app context

    boundary = current_policy().near_boundary(now)
    open_values = {s.value for s in OPEN_STATUSES}
    rows = db_session.execute(select(Case.handler_id, Case.status, Case.next_due_at).where(
        Case.responsible_unit_id == town.id)).all()
    expected: dict[int | None, list[int]] = {}
    for handler_id, status, due in rows:
        if status not in open_values:
            continue
        counts = expected.setdefault(handler_id, [0, 0, 0])
        counts[0] += 1
        counts[1] += int(due is not None and now <= due < boundary)
        counts[2] += int(due is not None and due < now)
    response = leader.get(f"/cases/workload/?unit={town.id}")
    assert response.status_code == 200
    shown = {r[0]: [int(x) for x in r[1:]] for r in table_rows(response.get_data(as_text=True), "workload")}
    chen, lin = _user(db_session, "handler"), _user(db_session, "handler_cg")
    assert shown["陈志强"] == expected.get(chen.id, [0, 0, 0])
    assert shown["林晓芳"] == expected.get(lin.id, [0, 0, 0])
    assert shown["未指定（单位承办）"] == expected.get(None, [0, 0, 0])
    assert sum(v[0] for k, v in expected.items() if k is not None) > 0, "the demo names handlers"
    # The list of one person's cases offers the reassignment.
    body = leader.get(f"/cases/workload/?unit={town.id}&person={chen.id}").get_data(as_text=True)
    assert "/step/" in body and "name_handler" in body
