"""Who acts next: the case page says, at the top, what the case waits for and from whom (the
work queue's own rules), and the portal's progress page says the same without staff names."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.cases.workflow import current_assignment
from app.security.models import AppUser
from tests.cases.workflow_support import fresh, ok, step
from tests.portal.support import progress_page, submit, unit


def _awaited(response) -> str:
    body = response.get_data(as_text=True)
    found = re.search(r'id="(?:case-)?awaited"[^>]*>(.*?)</(?:strong|p)>', body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""


def _md(moment) -> str:
    return f"{moment.month}月{moment.day}日"


def _name(db_session, username: str) -> str:
    user = db_session.execute(select(AppUser).where(AppUser.username == username)).scalar_one()
    return f"{user.last_name}{user.first_name}"


def test_the_case_page_and_the_portal_say_who_acts_next(public, staff, db_session):
    code, case = submit(public, db_session, title="谁在办测试")
    clerk, leader, handler_rsj = staff("clerk"), staff("leader"), staff("handler_rsj")
    rsj = unit(db_session, "县人力资源和社会保障局")
    town = "城关镇"
    # Registered: the township's petition office accepts (or refuses) by the acceptance deadline.
    line = _awaited(clerk.get(f"/cases/show/{case.id}"))
    assert line.startswith(f"等待 {town} 受理或不予受理") and _md(case.accept_due_at) in line
    assert _awaited(progress_page(public, code)) == line  # nothing personal in this one
    ok(step(clerk, case.id, "accept"))
    ok(step(clerk, case.id, "propose", proposal="交县人社局"))
    # Proposed: the township's leaders instruct (no leader named yet).
    assert _awaited(clerk.get(f"/cases/show/{case.id}")).startswith(f"等待 {town}领导 领导批示")
    ok(step(leader, case.id, "instruct", text="请县人社局办理"))
    ok(step(clerk, case.id, "assign", unit=str(rsj.id)))
    case = fresh(db_session, case.id)
    receipt_due = current_assignment(case, db_session).receipt_due_at
    expected = f"等待 县人力资源和社会保障局 签收，期限 {_md(receipt_due)}"
    for client in (clerk, leader, handler_rsj, staff("county_supervisor")):
        assert _awaited(client.get(f"/cases/show/{case.id}")) == expected
    assert _awaited(public.get("/portal/progress")) == expected
    ok(step(handler_rsj, case.id, "receive"))
    ok(step(handler_rsj, case.id, "request_extension", days="10", reason="需要调取档案"))
    # An extension awaits the responsible leader, by name on the case page, not on the portal.
    leader_name = _name(db_session, "leader")
    case = fresh(db_session, case.id)
    line = _awaited(clerk.get(f"/cases/show/{case.id}"))
    assert f"等待 {leader_name} 审批延期，期限 {_md(case.due_at)}" in line
    # The 承办人 who signed for it holds it (首办责任人): named on the case page only.
    holder = _name(db_session, "handler_rsj")
    assert f"等待 {holder}（县人力资源和社会保障局） 提交调查处理意见，期限 {_md(case.due_at)}" in line
    public_line = _awaited(public.get("/portal/progress"))
    assert leader_name not in public_line and f"等待 {town}领导 审批延期" in public_line
    assert holder not in public_line and "等待 县人力资源和社会保障局 提交调查处理意见" in public_line


def test_a_finished_case_awaits_nobody(public, staff, db_session):
    code, case = submit(public, db_session, title="不予受理测试")
    clerk = staff("clerk")
    ok(step(clerk, case.id, "refuse", reason="属于法院受理范围"))
    assert _awaited(clerk.get(f"/cases/show/{case.id}")) == ""
    assert _awaited(progress_page(public, code)) == ""
