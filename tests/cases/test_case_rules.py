"""Registration rules the workflow relies on: representatives of a collective visit (Art. 20),
and a registration that can no longer move the case around once it is assigned or finished."""

from __future__ import annotations

from tests.cases.workflow_support import edit_registration, fresh, ok, register, step, unit
from tests.support import case_form, form_errors, valid_id_number


def test_a_collective_visit_sends_at_most_five_representatives(clerk_client, db_session):
    town = unit(db_session, "城关镇")
    rows = {}
    for i in range(6):
        rows.update({
            f"petitioners-{i}-name": f"代表{i}", f"petitioners-{i}-id_number": valid_id_number("19700101", f"{i:03d}"),
            f"petitioners-{i}-phone": "", f"petitioners-{i}-address": "", f"petitioners-{i}-id": "",
        })
    response = clerk_client.post("/cases/add", data=case_form(town.id, title="集体访六名代表", people_count="40", **rows))
    assert response.status_code == 200
    assert "代表人数不超过5人" in " ".join(form_errors(response))
    del rows["petitioners-5-name"], rows["petitioners-5-id_number"]
    response = clerk_client.post("/cases/add", data=case_form(town.id, title="集体访五名代表", people_count="40", **rows))
    assert response.status_code == 302, form_errors(response)


def test_unit_cannot_be_changed_by_editing_after_assignment(client_as, db_session):
    clerk, leader = client_as("clerk"), client_as("leader")
    town, rsj = unit(db_session, "城关镇"), unit(db_session, "县人力资源和社会保障局")
    case = register(clerk, db_session, title="交办后修改单位测试")
    for client, code, fields in [
        (clerk, "accept", {}), (clerk, "propose", {"proposal": "交城关镇"}),
        (leader, "instruct", {"text": "请办理"}), (clerk, "assign", {"unit": str(town.id)}),
    ]:
        ok(step(client, case.id, code, **fields))
    response = edit_registration(clerk, fresh(db_session, case.id), responsible_unit=str(rsj.id))
    assert response.status_code == 200
    assert "只能通过退回和重新交办" in " ".join(form_errors(response))
    assert fresh(db_session, case.id).responsible_unit_id == town.id
    # Other registration details may still be corrected.
    response = edit_registration(clerk, fresh(db_session, case.id), responsible_unit=str(town.id), demands="补充诉求")
    assert response.status_code == 302, form_errors(response)


def test_a_finished_case_keeps_its_registration(clerk_client, db_session):
    case = register(clerk_client, db_session, title="已办结不可修改测试")
    ok(step(clerk_client, case.id, "refuse", reason="应通过诉讼解决"))
    response = edit_registration(clerk_client, fresh(db_session, case.id), demands="改")
    assert response.status_code == 200
    assert "已办结、不予受理、已合并或已作废的信访件不能再修改登记信息" in " ".join(form_errors(response))
