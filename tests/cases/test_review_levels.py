"""复查 and 复核 are decided by the level above the body that answered (条例 Art. 35–36): a
township's reply is reviewed by the county, never by the township leader who signed it; a county
department's by the county government (its 上一级), never by the department itself; the
复核 of a county 复查 is made above the county and recorded by the county's leaders. The step is
offered, and the case waits in the queue, only there."""

from __future__ import annotations

import re

from app.cases.models import CaseStatus
from tests.cases.workflow_support import fresh, ok, refused, register, step, unit
from tests.ledgers.support import make_user
from tests.support import page_text


def _waiting(client) -> int:
    found = re.search(r'id="queue-total">[^<\d]*(\d+)', client.get("/").get_data(as_text=True))
    return int(found.group(1)) if found else 0


def _offers(client, case_id: int, code: str) -> bool:
    return f'action="/cases/step/{case_id}/{code}"' in client.get(f"/cases/show/{case_id}").get_data(as_text=True)


def _replied(client_as, db_session, title: str, signer: str):
    clerk, leader, handler = client_as("clerk"), client_as("leader"), client_as("handler")
    town = unit(db_session, "城关镇")
    case = register(clerk, db_session, title=title)
    for client, code, fields in [
        (clerk, "accept", {}), (clerk, "propose", {"proposal": "交城关镇"}),
        (leader, "instruct", {"text": "请办理"}), (clerk, "assign", {"unit": str(town.id)}),
        (handler, "receive", {}), (handler, "submit_findings", {"findings": "f", "reply_draft": "r"}),
        (leader, "approve", {}), (client_as(signer), "sign_reply", {"reply_text": "答复"}),
    ]:
        ok(step(client, case.id, code, **fields))
    return case


def test_township_reply_is_reviewed_by_the_county_and_re_reviewed_above_it(client_as, db_session):
    clerk, leader, county_leader = client_as("clerk"), client_as("leader"), client_as("county_leader")
    case = _replied(client_as, db_session, "复查层级测试：镇答复", signer="leader")
    township_before, county_before = _waiting(leader), _waiting(county_leader)
    ok(step(clerk, case.id, "request_recheck", reason="对城关镇答复不服"))
    assert fresh(db_session, case.id).status == CaseStatus.REVIEWING.value

    # The 城关镇 leader signed the reply: not offered, not in the queue, refused if posted.
    assert not _offers(leader, case.id, "decide_review")
    assert _waiting(leader) == township_before
    text = refused(step(leader, case.id, "decide_review", outcome="upheld", decision="维持"), "第三十五")
    assert "青山县" in text
    assert fresh(db_session, case.id).status == CaseStatus.REVIEWING.value
    # The county above it decides.
    assert _offers(county_leader, case.id, "decide_review")
    assert _waiting(county_leader) == county_before + 1
    assert "决定机关：青山县" in page_text(county_leader.get(f"/cases/show/{case.id}"))
    ok(step(county_leader, case.id, "decide_review", outcome="upheld", decision="维持原处理意见"))
    assert _waiting(county_leader) == county_before

    # 复核: above the county (the city), recorded by the county's leaders; never the township's.
    ok(step(clerk, case.id, "request_reexam", reason="对复查意见不服"))
    assert not _offers(leader, case.id, "decide_review")
    refused(step(leader, case.id, "decide_review", outcome="upheld", decision="维持"), "第三十五")
    assert _offers(county_leader, case.id, "decide_review")
    assert "本县以上的上一级机关" in page_text(county_leader.get(f"/cases/show/{case.id}"))
    ok(step(county_leader, case.id, "decide_review", outcome="upheld", decision="复核维持"))
    assert fresh(db_session, case.id).status == CaseStatus.CLOSED.value


def test_county_reply_is_reviewed_above_the_county(client_as, db_session):
    clerk, leader, county_leader = client_as("clerk"), client_as("leader"), client_as("county_leader")
    case = _replied(client_as, db_session, "复查层级测试：县答复", signer="county_leader")
    ok(step(clerk, case.id, "request_recheck", reason="对县里答复不服"))
    refused(step(leader, case.id, "decide_review", outcome="upheld", decision="维持"), "第三十五")
    assert "本县以上的上一级机关" in page_text(county_leader.get(f"/cases/show/{case.id}"))
    ok(step(county_leader, case.id, "decide_review", outcome="changed", decision="市里变更处理意见"))


def test_county_department_reply_is_reviewed_by_the_county_and_re_reviewed_above_it(app, client_as, db_session):
    """Art. 35: 复查 by the 上一级 of the unit that replied. 县人社局 (handler_rsj's unit) is a county
    department: its 上一级 is the county government (青山县), whose leaders decide — not the
    department, not the township the matter lies in; the 复核 of that is above the county."""
    make_user(app, "leader_rsj_t", "领导", "县人力资源和社会保障局")
    clerk, leader, county_leader = client_as("clerk"), client_as("leader"), client_as("county_leader")
    handler_rsj, leader_rsj = client_as("handler_rsj"), client_as("leader_rsj_t")
    rsj = unit(db_session, "县人力资源和社会保障局")
    case = register(clerk, db_session, title="复查层级测试：县人社局答复")
    for client, code, fields in [
        (clerk, "accept", {}), (clerk, "propose", {"proposal": "交县人社局"}),
        (leader, "instruct", {"text": "请县人社局办理"}), (clerk, "assign", {"unit": str(rsj.id)}),
        (handler_rsj, "receive", {}), (handler_rsj, "submit_findings", {"findings": "f", "reply_draft": "r"}),
        (leader_rsj, "approve", {}), (leader_rsj, "sign_reply", {"reply_text": "县人社局答复"}),
    ]:
        ok(step(client, case.id, code, **fields))
    county_before, rsj_before = _waiting(county_leader), _waiting(leader_rsj)
    ok(step(clerk, case.id, "request_recheck", reason="对县人社局答复不服"))

    # Decided by 青山县: shown so on the case page, to the department's handler too.
    for client in (handler_rsj, county_leader):
        assert "决定机关：青山县" in page_text(client.get(f"/cases/show/{case.id}"))
    # Not by the department that replied, nor the township where the matter lies.
    for client in (leader_rsj, leader):
        assert not _offers(client, case.id, "decide_review")
        text = refused(step(client, case.id, "decide_review", outcome="upheld", decision="维持"), "第三十五")
        assert "青山县" in text
    assert _waiting(leader_rsj) == rsj_before
    assert _offers(county_leader, case.id, "decide_review")
    assert _waiting(county_leader) == county_before + 1
    ok(step(county_leader, case.id, "decide_review", outcome="upheld", decision="维持县人社局处理意见"))
    assert _waiting(county_leader) == county_before

    # 复核: the level above the county government, outside this system (recorded by the county's
    # leaders); the department and the township are refused, with the reason in Chinese.
    ok(step(clerk, case.id, "request_reexam", reason="对复查意见不服"))
    assert "本县以上的上一级机关" in page_text(county_leader.get(f"/cases/show/{case.id}"))
    for client in (leader_rsj, leader):
        refused(step(client, case.id, "decide_review", outcome="upheld", decision="维持"), "第三十五", "本县以上")
    ok(step(county_leader, case.id, "decide_review", outcome="upheld", decision="复核维持"))
    assert fresh(db_session, case.id).status == CaseStatus.CLOSED.value


def test_org_levels():
    from app.org.models import OrgKind, OrgUnit, government_of, level_above

    county = OrgUnit(id=1, name="县", kind=OrgKind.COUNTY.value)
    town = OrgUnit(id=2, name="镇", kind=OrgKind.TOWNSHIP.value, parent=county, township_id=2)
    office = OrgUnit(id=3, name="镇办", kind=OrgKind.OFFICE.value, parent=town, township_id=2, township=town)
    village = OrgUnit(id=4, name="村", kind=OrgKind.VILLAGE.value, parent=town, township_id=2, township=town)
    dept = OrgUnit(id=5, name="局", kind=OrgKind.DEPARTMENT.value, parent=county)
    assert [government_of(u) for u in (town, office, village, dept, county)] == [town, town, town, county, county]
    assert [level_above(u) for u in (town, office, village, dept, county)] == [county, county, county, county, None]
