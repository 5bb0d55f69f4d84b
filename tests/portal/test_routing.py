"""Where an online letter goes: township and village mailboxes to the township's clerks,
county-head and department mailboxes to the county petition office — and nobody outside the
place sees it."""

from __future__ import annotations

from sqlalchemy import select

from app.cases import workflow
from app.cases.models import Case
from app.org.models import OrgUnit
from app.security.models import AppUser
from tests.cases.workflow_support import fresh, ok, refused, step
from tests.portal.support import errors, send, submit, unit
from tests.support import page_text


def in_queue(db_session, username: str, case: Case) -> bool:
    user = db_session.execute(select(AppUser).where(AppUser.username == username)).unique().scalar_one()
    return db_session.execute(
        select(Case.id).where(Case.id == case.id, workflow.queue_clause(user))
    ).first() is not None


def test_a_township_mailbox_letter_waits_for_that_townships_clerk(public, staff, db_session):
    _code, case = submit(public, db_session, mailbox="township")
    assert in_queue(db_session, "clerk", case)  # 城关镇
    assert not in_queue(db_session, "clerk2", case)  # 河东镇
    assert staff("clerk2").get(f"/cases/show/{case.id}").status_code == 404
    assert staff("clerk2").get(f"/attachments/case/{case.id}").status_code == 404
    ok(step(staff("clerk"), case.id, "accept"))


def test_a_village_mailbox_letter_is_placed_in_the_village(public, db_session):
    village = db_session.execute(
        select(Case.village_id).where(Case.township_id == unit(db_session, "城关镇").id, Case.village_id.is_not(None))
    ).scalars().first()
    _code, case = submit(public, db_session, mailbox="village", village=str(village))
    assert (case.mailbox, case.mailbox_unit_id, case.village_id) == ("village", village, village)
    assert in_queue(db_session, "clerk", case)


def test_a_county_head_letter_is_the_county_offices_but_stays_in_its_place(public, staff, db_session):
    _code, case = submit(public, db_session, mailbox="county_head", place="城关镇")
    county = db_session.execute(select(Case.mailbox_unit_id).where(Case.id == case.id)).scalar()
    assert db_session.get(OrgUnit, county).kind == "county"
    # 属地 stays the township the petitioner named (figures, ledgers, scope count by it) …
    assert case.township_id == unit(db_session, "城关镇").id
    # … but the letter waits for the county petition office, not for the township's clerk.
    assert in_queue(db_session, "county_clerk", case)
    assert not in_queue(db_session, "clerk", case)
    clerk = staff("clerk")
    page = clerk.get(f"/cases/show/{case.id}")
    assert page.status_code == 200 and "县长信箱" in page_text(page)  # the township still sees it
    refused(step(clerk, case.id, "accept"), "县级信箱", "县信访局")
    assert fresh(db_session, case.id).status == "registered"
    assert staff("clerk2").get(f"/cases/show/{case.id}").status_code == 404
    ok(step(staff("county_clerk"), case.id, "accept"))


def test_a_department_letter_suggests_that_department_but_never_shows_it_an_accusation(public, staff, db_session):
    rsj = unit(db_session, "县人力资源和社会保障局")
    _code, case = submit(public, db_session, mailbox="department", department=str(rsj.id))
    assert (case.mailbox, case.mailbox_unit_id, case.responsible_unit_id) == ("department", rsj.id, None)
    assert in_queue(db_session, "county_clerk", case) and not in_queue(db_session, "clerk", case)
    # The department is not the place and not (yet) the responsible unit: its staff do not see it.
    assert staff("handler_rsj").get(f"/cases/show/{case.id}").status_code == 404
    county_clerk = staff("county_clerk")
    ok(step(county_clerk, case.id, "accept"))
    body = county_clerk.get(f"/cases/show/{case.id}").get_data(as_text=True)
    assert f'<option value="{rsj.id}" selected' in body  # the proposal suggests the department

    # A report of wrongdoing sent to the department's mailbox is never routed to it (Art. 30).
    _code, accusation = submit(public, db_session, mailbox="department", department=str(rsj.id), category="accusation",
                               reported_unit=str(rsj.id))
    ok(step(county_clerk, accusation.id, "accept"))
    body = county_clerk.get(f"/cases/show/{accusation.id}").get_data(as_text=True)
    assert f'<option value="{rsj.id}" selected' not in body
    assert staff("handler_rsj").get(f"/cases/show/{accusation.id}").status_code == 404


def test_a_township_office_is_not_a_department_mailbox(public, db_session):
    office = db_session.execute(select(OrgUnit).where(OrgUnit.kind == "office").limit(1)).scalar_one()
    response = send(public, db_session, mailbox="department", department=str(office.id))
    assert response.status_code == 422 and "请选择要写信的部门" in errors(response)["department"]


def test_the_api_tells_which_mailbox_a_letter_came_through(public, portal_app, db_session):
    from tests.api.support import token

    _code, case = submit(public, db_session, mailbox="township")
    client = portal_app.test_client()
    mine = client.get(f"/api/v1/cases/{case.id}", headers=token(client, "clerk")).get_json()["result"]
    assert (mine["channel"], mine["mailbox"], mine["mailbox_unit_id"]) == ("online", "township", case.township_id)
    other = portal_app.test_client()
    assert other.get(f"/api/v1/cases/{case.id}", headers=token(other, "clerk2")).status_code == 404


def test_the_clerk_finds_an_online_letter_by_keyword(public, staff, db_session):
    """The keyword index follows the portal's migration (on SQLite a rebuild of the case table
    drops the index's triggers; the migration run puts them back)."""
    _code, case = submit(public, db_session, title="村口排水沟堵塞", content="村口排水沟堵塞多日，雨天积水漫进院子，请尽快疏通。")
    listing = page_text(staff("clerk").get("/cases/list/?q_keyword=排水沟堵塞&psize_CaseView=100"))
    assert case.number in listing
    assert case.number not in page_text(staff("clerk").get("/cases/list/?q_keyword=路灯不亮&psize_CaseView=100"))
