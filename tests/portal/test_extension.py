"""The petitioner reads an approved extension on the progress page: why, how long, until when
(条例 Art. 34) — and nothing of a request still waiting or rejected."""

from __future__ import annotations

from tests.cases.workflow_support import fresh, ok, step
from tests.portal.support import progress_page, submit, unit
from tests.support import page_text


def test_progress_page_shows_the_extension_notice(public, staff, db_session):
    code, case = submit(public, db_session, title="路灯延期测试")
    town = unit(db_session, "城关镇")
    clerk, leader, handler = staff("clerk"), staff("leader"), staff("handler")
    for client, step_code, fields in [
        (clerk, "accept", {}), (clerk, "propose", {"proposal": "交城关镇"}),
        (leader, "instruct", {"text": "请办理"}), (clerk, "assign", {"unit": str(town.id)}),
        (handler, "receive", {}),
    ]:
        ok(step(client, case.id, step_code, **fields))
    ok(step(handler, case.id, "request_extension", days="15", reason="需供电公司更换线路"))
    body = progress_page(public, code).get_data(as_text=True)
    assert 'id="extension"' not in body  # a request is internal until approved
    ok(step(leader, case.id, "decide_extension", decision="approve", note="内部意见：同意"))
    due = fresh(db_session, case.id).due_at
    page = public.get("/portal/progress")
    text = page_text(page)
    assert 'id="extension"' in page.get_data(as_text=True)
    assert "延期办理告知书" in text and "因需供电公司更换线路" in text and "延长15日" in text
    assert due.strftime("%Y-%m-%d") in text
    assert "内部意见" not in text  # the leader's note stays inside
