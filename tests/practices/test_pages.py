"""The practices through HTTP: the case's agent on its page and printed on the notices, phones
masked for roles that do not handle cases; a new first claim flagged to its township with a
notification; a collective visit reported at once to the county office; scoping (河东镇's clerk sees
none of 城关镇's records by list or id); bad input refused next to its field."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.notifications.models import Notification
from app.practices.models import (
    CaseAgent,
    ConsultationMeeting,
    ContingencyPlan,
    ExpertOpinion,
    SweepMiss,
)
from tests.support import case_form, form_errors, page_text

TOWNSHIP_ONE = "城关镇"


def _town(db_session, name):
    from app.org.models import OrgUnit

    return db_session.execute(select(OrgUnit).where(OrgUnit.name == name)).scalar_one()


def _register(client, township_id, **overrides):
    from sqlalchemy import func

    from app.cases.models import Case

    response = client.post("/cases/add", data=case_form(township_id, **overrides))
    assert response.status_code == 302, form_errors(response)
    from app.extensions import db

    return db.session.execute(select(func.max(Case.id))).scalar()


def test_an_agent_is_shown_masked_to_readers_and_printed_on_the_notice(client_as, db_session):
    from app.cases.models import Case

    town = _town(db_session, TOWNSHIP_ONE)
    clerk = client_as("clerk")
    case = db_session.execute(select(Case).where(
        Case.township_id == town.id, Case.accepted_at.is_not(None), Case.category == "claim",
        ~Case.id.in_(select(CaseAgent.case_id))).order_by(Case.id).limit(1)).scalar_one()
    case_id, number = case.id, case.number
    for name, phone, error in (("", "13812349876", "该字段是必填字段。"), ("李律师", "12", None)):
        bad = clerk.post("/practices/agents/add", data={"case_number": number, "name": name, "relation": "lawyer",
                                                         "phone": phone})
        assert bad.status_code == 200
        assert len(form_errors(bad)) == 1 and (error is None or form_errors(bad) == [error])
    assert db_session.execute(select(CaseAgent).where(CaseAgent.case_id == case_id)).first() is None
    ok = clerk.post("/practices/agents/add", data={"case_number": number, "name": "李律师", "relation": "lawyer",
                                                    "phone": "13812349876", "note": ""})
    assert ok.status_code == 302, form_errors(ok)
    page = clerk.get(f"/cases/show/{case_id}")
    assert page.status_code == 200
    agents = re.search(r'id="case-agents">(.*?)</td>', page.get_data(as_text=True), re.S).group(1)
    assert "李律师" in agents and "13812349876" in agents
    leader_page = client_as("leader").get(f"/cases/show/{case_id}").get_data(as_text=True)
    leader_agents = re.search(r'id="case-agents">(.*?)</td>', leader_page, re.S).group(1)
    assert "138****9876" in leader_agents and "13812349876" not in leader_agents
    notice = clerk.get(f"/cases/notice/{case_id}/acceptance")
    assert notice.status_code == 200
    line = re.search(r'id="notice-agents">(.*?)</p>', notice.get_data(as_text=True)).group(1)
    assert line == "代理人：李律师（律师）"
    # Another township's clerk: not in the list, 404 by id, no notice.
    agent = db_session.execute(select(CaseAgent).where(CaseAgent.case_id == case_id)).scalar_one()
    other = client_as("clerk2")
    assert other.get(f"/practices/agents/show/{agent.id}").status_code == 404
    assert "李律师" not in page_text(other.get("/practices/agents/list/"))


def test_a_first_claim_not_in_the_ledger_is_flagged_and_told_to_its_township(client_as, db_session):
    town = _town(db_session, TOWNSHIP_ONE)
    case_id = _register(client_as("county_clerk"), town.id, **{"petitioners-0-name": "新面孔",
                                                       "petitioners-0-phone": "13700001234"})
    miss = db_session.execute(select(SweepMiss).where(SweepMiss.case_id == case_id)).scalar_one()
    assert miss.township_id == town.id and miss.status == "open"
    told = db_session.execute(
        select(Notification.user_id).where(Notification.kind == "sweep_missed", Notification.record_id == miss.id)
    ).scalars().all()
    from app.security.models import AppUser

    names = sorted(db_session.get(AppUser, u).username for u in told)
    assert names == ["clerk"]  # the township's registrar keeps its ledger
    assert client_as("leader").get(f"/practices/sweep-misses/show/{miss.id}").status_code == 200
    assert client_as("clerk2").get(f"/practices/sweep-misses/show/{miss.id}").status_code == 404
    # Verifying "added to the ledger" needs the entry.
    clerk = client_as("clerk")
    refused = clerk.post(f"/practices/sweep-misses/edit/{miss.id}",
                         data={"status": "entered", "note": "", "row_version": str(miss.version)})
    assert refused.status_code == 200 and form_errors(refused) == ["请选择为该事项补录的台账条目"]
    # A suggestion is not looked back on.
    other_id = _register(clerk, town.id, category="suggestion")
    assert db_session.execute(select(SweepMiss).where(SweepMiss.case_id == other_id)).first() is None


def test_a_collective_visit_is_reported_at_once_to_the_county_office(client_as, db_session):
    town = _town(db_session, TOWNSHIP_ONE)
    case_id = _register(client_as("clerk"), town.id, people_count="8")
    told = db_session.execute(
        select(Notification.user_id).where(Notification.kind == "urgent_report", Notification.record_id == case_id)
    ).scalars().all()
    from app.security.models import AppUser

    names = {db_session.get(AppUser, u).username for u in told}
    assert {"county_clerk", "county_leader", "county_manager"} <= names
    assert not names & {"clerk", "clerk2", "leader", "handler"}
    page = client_as("clerk").get(f"/cases/show/{case_id}")
    assert page.status_code == 200 and 'id="case-plans"' in page.get_data(as_text=True)


def test_township_two_sees_none_of_township_ones_records(module_app):
    from app.extensions import db
    from tests.support import login

    with module_app.app_context():
        from app.cases.models import Case

        own = {
            model.__name__: db.session.execute(
                select(model.id).join(Case, Case.id == model.case_id).where(Case.township.has(name=TOWNSHIP_ONE))
            ).scalars().all()
            for model in (CaseAgent, ConsultationMeeting, ExpertOpinion, ContingencyPlan, SweepMiss)
        }
    assert all(own.values()), own  # the demo has each in 城关镇
    routes = {"CaseAgent": "agents", "ConsultationMeeting": "consultations", "ExpertOpinion": "expert-opinions",
              "ContingencyPlan": "contingency-plans", "SweepMiss": "sweep-misses"}
    other = module_app.test_client()
    login(other, "clerk2")
    mine = module_app.test_client()
    login(mine, "clerk")
    for name, ids in own.items():
        base = f"/practices/{routes[name]}"
        assert mine.get(f"{base}/show/{ids[0]}").status_code == 200, name
        assert other.get(f"{base}/show/{ids[0]}").status_code == 404, name
        listed = {int(i) for i in re.findall(rf'{base}/show/(\d+)', other.get(f"{base}/list/").get_data(as_text=True))}
        assert not listed & set(ids), name


def test_the_figures_page_counts_by_level_for_assessing_roles(module_app):
    from tests.support import login

    for username, status in (("county_leader", 200), ("manager", 200), ("clerk", 403), ("handler", 403)):
        c = module_app.test_client()
        login(c, username)
        response = c.get("/practices/figures/?start=2020-01-01&end=2030-12-31")
        assert response.status_code == status, username
