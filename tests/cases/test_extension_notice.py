"""延期办理告知书 (条例 Art. 34: the reason for an extension is told to the petitioner): printable
like the other notices, from the approved extension, only on a case that has one."""

from __future__ import annotations

from datetime import timedelta

from tests.cases.workflow_support import fresh, ok, register, step, unit
from tests.support import county_now, page_text


def extended_case(client_as, db_session, title: str):
    clerk, leader, handler = client_as("clerk"), client_as("leader"), client_as("handler")
    town = unit(db_session, "城关镇")
    case = register(clerk, db_session, title=title)
    for client, code, fields in [
        (clerk, "accept", {}), (clerk, "propose", {"proposal": "交城关镇"}),
        (leader, "instruct", {"text": "请办理"}), (clerk, "assign", {"unit": str(town.id)}),
        (handler, "receive", {}),
    ]:
        ok(step(client, case.id, code, **fields))
    return case, clerk, leader, handler


def test_extension_notice_tells_the_reason_the_days_and_the_new_date(client_as, db_session):
    case, clerk, leader, handler = extended_case(client_as, db_session, "延期告知测试：宅基地纠纷")
    assert clerk.get(f"/cases/notice/{case.id}/extension").status_code == 404  # none yet
    ok(step(handler, case.id, "request_extension", days="20", reason="需委托第三方测绘宅基地四至。"))
    assert clerk.get(f"/cases/notice/{case.id}/extension").status_code == 404  # not approved yet
    ok(step(leader, case.id, "decide_extension", decision="approve", note="同意"))
    case = fresh(db_session, case.id)
    new_due = case.due_at
    today = county_now()
    # The same notice, over the township's seal, whoever prints it: the township's clerk, the
    # administrator, the county petition office's clerk (条例 Art. 34: the unit that extended).
    for login in ("clerk", "admin", "county_clerk"):
        reader = clerk if login == "clerk" else client_as(login)
        response = reader.get(f"/cases/notice/{case.id}/extension")
        assert response.status_code == 200, login
        text = page_text(response)
        assert "延期办理告知书" in text and case.number in text and "王小明：" in text, login
        assert "因需委托第三方测绘宅基地四至，不能在规定期限内办结" in text, login
        assert "延长20日" in text and "第三十四条" in text, login
        assert f"{new_due.year}年{new_due.month}月{new_due.day}日前作出处理意见" in text, login
        assert f"{today.year}年{today.month}月{today.day}日" in text, login  # issued the day it was approved
        assert "青山县城关镇人民政府（印章）" in text, login
        # The case page links it.
        page = reader.get(f"/cases/show/{case.id}").get_data(as_text=True)
        assert f"/cases/notice/{case.id}/extension" in page, login
    # Another township's clerk cannot open it.
    assert client_as("clerk2").get(f"/cases/notice/{case.id}/extension").status_code == 404


def test_a_rejected_extension_has_no_notice(client_as, db_session):
    case, clerk, leader, handler = extended_case(client_as, db_session, "延期告知测试：驳回")
    ok(step(handler, case.id, "request_extension", days="10", reason="需鉴定"))
    ok(step(leader, case.id, "decide_extension", decision="reject", note="期限内可以办结"))
    assert clerk.get(f"/cases/notice/{case.id}/extension").status_code == 404
    assert f"/cases/notice/{case.id}/extension" not in clerk.get(f"/cases/show/{case.id}").get_data(as_text=True)
    assert fresh(db_session, case.id).due_at < county_now() + timedelta(days=61)
