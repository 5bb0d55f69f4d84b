"""点名交办 and 署名答复 (seed 004): a leader's 批示 names the responsible leader, a later 批示
changes it (with history); only that leader, or the person they delegate to, signs the reply;
the public progress page shows the signer's name and post and no other staff name."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.cases.workflow_models import CaseEvent
from app.security.models import AppUser
from tests.cases.workflow_support import fresh, ok, page_state, refused, step
from tests.portal.support import progress_page, submit, unit


def _id(db_session, login: str) -> str:
    return str(db_session.execute(select(AppUser.id).where(AppUser.username == login)).scalar_one())


def test_named_leader_signs_and_the_portal_shows_signer_and_post(public, staff, db_session):
    code, case = submit(public, db_session)
    clerk, leader, county, handler = staff("clerk"), staff("leader"), staff("county_leader"), staff("handler")
    ok(step(clerk, case.id, "accept"))
    ok(step(clerk, case.id, "propose", proposal="交城关镇办理"))
    # The county leader's 批示 names 杨振华 (城关镇); a 河东镇 clerk or leader cannot act at all.
    ok(step(county, case.id, "instruct", text="请城关镇杨振华同志负责", leader=_id(db_session, "leader")))
    assert fresh(db_session, case.id).responsible_leader.username == "leader"
    assert step(staff("leader_hd"), case.id, "instruct", text="x").status_code == 404
    # A leader of another township cannot be named (a message next to the field).
    response = step(county, case.id, "instruct", text="改派", leader=_id(db_session, "leader_hd"))
    assert response.status_code == 422
    refused(response, "该领导不分管本件所属地方或单位")
    ok(step(clerk, case.id, "assign", unit=str(unit(db_session, "城关镇").id)))
    ok(step(handler, case.id, "receive"))
    ok(step(handler, case.id, "submit_findings", findings="已核实", reply_draft="已协调解决。"))
    ok(step(leader, case.id, "approve"))
    # Changed later by another 批示: the history keeps who it was; only the new leader signs.
    ok(step(leader, case.id, "instruct", text="请周德明同志签发", leader=_id(db_session, "county_leader")))
    changed = db_session.execute(select(CaseEvent.details).where(
        CaseEvent.case_id == case.id, CaseEvent.step == "instruct").order_by(CaseEvent.id.desc())).scalars().first()
    assert (changed["leader"], changed["previous_leader"]) == ("周德明", "杨振华")
    refused(step(leader, case.id, "sign_reply", reply_text="已协调解决。"), "答复须由责任领导周德明")
    refused(step(handler, case.id, "sign_reply", reply_text="已协调解决。"), "您的角色不能")
    # Only the responsible leader delegates; the delegate then signs.
    refused(step(leader, case.id, "delegate_signing", delegate=_id(db_session, "leader")), "只有责任领导可以委托签发")
    version, _ = page_state(county, case.id)
    ok(step(county, case.id, "delegate_signing", version=version, delegate=_id(db_session, "leader")))
    stale = step(county, case.id, "delegate_signing", version=version, delegate=_id(db_session, "county_leader"))
    assert stale.status_code == 409
    # Who acts next names the delegate and on whose behalf; the public reads no staff name.
    banner = re.search(r'id="case-awaited">([^<]*)<', clerk.get(f"/cases/show/{case.id}").get_data(as_text=True))
    assert banner is not None and banner.group(1).startswith("等待 杨振华（受 周德明 委托） 签发答复，期限 ")
    public_line = re.search(r'id="awaited">([^<]*)<', progress_page(public, code).get_data(as_text=True))
    assert public_line is not None and public_line.group(1).startswith("等待 城关镇领导委托的签发人 签发答复，期限 ")
    ok(step(leader, case.id, "sign_reply", reply_text="已协调解决。"))
    assert fresh(db_session, case.id).reply_signed_by.username == "leader"

    page = progress_page(public, code).get_data(as_text=True)
    assert 'id="reply-signer">签发人：杨振华（镇长）<' in page
    for other in ("周德明", "陈志强", "张丽娟"):
        assert other not in page, other
