"""Printable notices: filled from the case, a bare A4 page, only where the case has one."""

from __future__ import annotations

from tests.cases.workflow_support import ok, register, step, unit
from tests.support import page_text


def test_acceptance_and_reply_notices(client_as, db_session):
    clerk, leader, handler = client_as("clerk"), client_as("leader"), client_as("handler")
    town = unit(db_session, "城关镇")
    case = register(clerk, db_session, title="文书测试：村道停工")
    assert clerk.get(f"/cases/notice/{case.id}/acceptance").status_code == 404
    ok(step(clerk, case.id, "accept"))
    response = clerk.get(f"/cases/notice/{case.id}/acceptance")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    text = page_text(response)
    assert "<h1>受理告知书</h1>" in body
    assert "王小明：" in text and "文书测试：村道停工" in text and case.number in text
    assert "60日内" in text and "青山县城关镇人民政府（印章）" in text
    assert 'class="navbar' not in body and "size: A4" in client_as("clerk").get(
        "/static/css/notice.css").get_data(as_text=True)
    for client, code, fields in [
        (clerk, "propose", {"proposal": "交城关镇"}), (leader, "instruct", {"text": "请办理"}),
        (clerk, "assign", {"unit": str(town.id)}), (handler, "receive", {}),
        (handler, "submit_findings", {"findings": "属实", "reply_draft": "道路已于本周修复通车。"}),
        (leader, "approve", {}), (leader, "sign_reply", {"reply_text": "道路已于本周修复通车。"}),
    ]:
        ok(step(client, case.id, code, **fields))
    text = page_text(clerk.get(f"/cases/notice/{case.id}/reply"))
    assert "答复意见书" in text and "道路已于本周修复通车。" in text
    assert "署名：杨振华" in text and "30日内" in text and "复查" in text
    # The case page links the notices it has.
    page = clerk.get(f"/cases/show/{case.id}").get_data(as_text=True)
    assert f"/cases/notice/{case.id}/reply" in page and f"/cases/notice/{case.id}/refusal" not in page


def test_non_acceptance_notice_carries_the_reason(clerk_client, db_session):
    case = register(clerk_client, db_session, title="文书测试：不予受理")
    ok(step(clerk_client, case.id, "refuse", reason="该事项已经人民法院作出生效判决。"))
    text = page_text(clerk_client.get(f"/cases/notice/{case.id}/refusal"))
    assert "不予受理告知书" in text and "该事项已经人民法院作出生效判决。" in text and "不予受理" in text


def test_notices_are_scoped(client_as, db_session):
    clerk = client_as("clerk")
    case = register(clerk, db_session, title="文书范围测试")
    ok(step(clerk, case.id, "accept"))
    assert client_as("clerk2").get(f"/cases/notice/{case.id}/acceptance").status_code == 404
    assert clerk.get(f"/cases/notice/{case.id}/nonsense").status_code == 404
