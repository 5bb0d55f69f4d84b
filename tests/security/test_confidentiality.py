"""检举控告 confidentiality (信访工作条例 Art. 30): the unit reported on never sees the case.

An accusation against 城关镇 is registered by the 信访局. Every user of 城关镇 — whatever their
role — must not find it by any page, export, search, work queue, attachment or API call; county
users still do. The rule lives in the scope (`ScopeSpec.exclude` on Case), so this test is the
proof that every door goes through it.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.attachments.models import CaseAttachment
from app.cases.models import Case, CaseStatus, Petitioner
from app.cases.workflow_models import CaseEvent
from app.org.models import OrgUnit
from tests.api.support import token
from tests.security.test_authorization_matrix import EXPECTED, USERS
from tests.support import case_form, form_errors, page_text, valid_id_number

ACCUSED = "城关镇"
ACCUSER_ID = valid_id_number("19750505", "777")
ACCUSER_PHONE = "13912348765"
TOWNSHIP_USERS = ("clerk", "handler", "leader", "supervisor", "manager", "xz_admin")


def allowed(username: str, view: str, action: str) -> bool:
    """Whether the user's role may do this at all (the authorization matrix's table)."""
    role = next(r for r, u in USERS.items() if u == username)
    return role in EXPECTED[view].get(action, frozenset())


def refusal(username: str, view: str, action: str) -> int:
    """How a request on a case outside the user's scope is refused: 404 when the user's role may do
    it (the case does not exist for them), 403 when the role never may."""
    return 404 if allowed(username, view, action) else 403


def _org(db_session, name: str) -> OrgUnit:
    return db_session.execute(select(OrgUnit).where(OrgUnit.name == name)).scalars().one()


def _accusation_form(db_session, **overrides):
    town = _org(db_session, ACCUSED)
    values = {
        "category": "accusation",
        "title": "举报镇干部截留低保金",
        "content": "镇民政办工作人员截留村民低保金。",
        "reported_unit": str(town.id),
        "petitioners-0-name": "检举人甲",
        "petitioners-0-id_number": ACCUSER_ID,
        "petitioners-0-phone": ACCUSER_PHONE,
        **overrides,
    }
    return case_form(town.id, **values)


@pytest.fixture
def accusation(admin_client, db_session) -> Case:
    """Registered through the form by the 信访局's administrator, with an attachment."""
    response = admin_client.post("/cases/add", data=_accusation_form(db_session))
    assert response.status_code == 302, form_errors(response)
    case = db_session.execute(select(Case).where(Case.title == "举报镇干部截留低保金")).scalars().one()
    assert case.reported_unit_id == _org(db_session, ACCUSED).id
    upload = admin_client.post(
        f"/attachments/case/{case.id}/upload",
        data={"file": (io.BytesIO(b"%PDF-1.4\n%test\n"), "举报材料.pdf"), "description": ""},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302, form_errors(upload)  # stored, back to the case's files
    assert db_session.execute(
        select(func.count()).select_from(CaseAttachment).where(CaseAttachment.case_id == case.id)
    ).scalar() == 1
    return case


@pytest.mark.parametrize("username", TOWNSHIP_USERS)
def test_the_reported_unit_finds_the_accusation_nowhere(username, accusation, client_as, client, db_session):
    c = client_as(username)
    pk = accusation.id
    attachment_id = db_session.execute(
        select(CaseAttachment.id).where(CaseAttachment.case_id == pk)
    ).scalar_one()

    # The case page, notices, attachments: 404, never a 403 that would confirm the case exists.
    for url in (f"/cases/show/{pk}", f"/cases/notice/{pk}/acceptance",
                f"/attachments/case/{pk}", f"/attachments/download/{attachment_id}"):
        assert c.get(url).status_code == 404, url
    # Edit, delete, steps, bulk actions: 404 for a role that may do it (the case is not in its
    # scope), 403 for a role never allowed it (the authorization matrix says which).
    assert c.get(f"/cases/edit/{pk}").status_code == refusal(username, "CaseView", "edit")
    # (A case is never deleted: the old delete address, open to every reader, explains voiding.)
    assert c.post(f"/cases/delete/{pk}").status_code == refusal(username, "CaseView", "show")
    assert c.post(f"/cases/step/{pk}/accept", data={}).status_code == refusal(username, "CaseApi", "api_step")
    assert c.post(f"/cases/step/{pk}/void", data={"reason": "x"}).status_code == refusal(
        username, "CaseApi", "api_step")
    assert c.post("/cases/action_post", data={"action": "bulk_assign", "rowid": [str(pk)]}).status_code == refusal(
        username, "CaseView", "bulk_assign")

    # Lists and searches: by number, by the petitioner, by keyword, by category.
    for query in (f"q_number={accusation.number}", "q_person=检举人甲", "q_keyword=低保金",
                  "q_category=accusation", ""):
        text = page_text(c.get(f"/cases/list/?{query}"))
        assert accusation.number not in text and "低保金" not in text, query
    # The work queue on the home page.
    assert accusation.number not in page_text(c.get("/"))
    # Exports (for the roles that may export).
    for fmt in ("csv", "xlsx"):
        response = c.post(f"/cases/export/{fmt}")
        assert response.status_code == (200 if allowed(username, "CaseView", "export") else 403), fmt
        assert accusation.number.encode() not in response.get_data()
    # The API, with the user's own token.
    headers = token(c, username)
    listed = c.get("/api/v1/cases/?page_size=200", headers=headers)
    assert listed.status_code == (200 if allowed(username, "CaseApi", "api_list") else 403)
    assert pk not in {r["id"] for r in (listed.get_json() or {}).get("result", [])}
    for url in (f"/api/v1/cases/{pk}", f"/api/v1/cases/{pk}/events", f"/api/v1/cases/{pk}/steps"):
        assert c.get(url, headers=headers).status_code == refusal(username, "CaseApi", "api_show"), url


def test_the_reported_units_own_records_are_still_theirs(accusation, clerk_client, db_session):
    """Only the accusation disappears: 城关镇's other cases are listed as before."""
    town = _org(db_session, ACCUSED)
    others = db_session.execute(
        select(func.count()).select_from(Case).where(Case.township_id == town.id, Case.id != accusation.id)
    ).scalar()
    assert others > 0
    listed = clerk_client.get("/api/v1/cases/?page_size=1", headers=token(clerk_client, "clerk"))
    assert listed.get_json()["count"] == others


@pytest.mark.parametrize("username", ["county_leader", "county_supervisor", "admin"])
def test_county_users_see_the_accusation_and_the_reported_unit(username, accusation, client_as):
    c = client_as(username)
    page = c.get(f"/cases/show/{accusation.id}")
    assert page.status_code == 200
    text = page_text(page)
    assert "举报镇干部截留低保金" in text and ACCUSED in text
    # County readers are no handlers: the accuser's numbers stay masked.
    assert ACCUSER_ID not in text and ACCUSER_PHONE not in text
    assert ACCUSER_ID[:4] + "*" * 10 + ACCUSER_ID[-4:] in text
    assert accusation.number in page_text(c.get(f"/cases/list/?q_number={accusation.number}"))


def test_the_unit_reported_on_loses_the_case_also_when_it_is_a_department(admin_client, client_as, db_session):
    """Reported unit 人社局: its handler never sees it, even if it were its handling unit's case."""
    rsj = _org(db_session, "县人力资源和社会保障局")
    form = _accusation_form(db_session, reported_unit=str(rsj.id), title="举报人社局工作人员吃拿卡要")
    assert admin_client.post("/cases/add", data=form).status_code == 302
    case = db_session.execute(select(Case).where(Case.title == "举报人社局工作人员吃拿卡要")).scalars().one()
    handler = client_as("handler_rsj")
    assert handler.get(f"/cases/show/{case.id}").status_code == 404
    assert handler.get(f"/api/v1/cases/{case.id}", headers=token(handler, "handler_rsj")).status_code == 404
    # The township clerk of the place still handles the registration.
    assert client_as("clerk").get(f"/cases/show/{case.id}").status_code == 200


def test_a_reported_unit_is_named_only_for_accusations(admin_client, db_session):
    form = _accusation_form(db_session, category="claim", title="不是检举")
    response = admin_client.post("/cases/add", data=form)
    assert response.status_code == 200
    assert "只有检举控告类信访件才填写被反映单位。" in form_errors(response)
    assert db_session.execute(select(func.count()).select_from(Case).where(Case.title == "不是检举")).scalar() == 0


def test_the_registrar_cannot_name_their_own_unit(clerk_client, db_session):
    """A 城关镇 clerk naming 城关镇 would make the case vanish from their own hands: refused."""
    before = db_session.execute(select(func.count()).select_from(Case)).scalar()
    response = clerk_client.post("/cases/add", data=_accusation_form(db_session, title="本镇检举"))
    assert response.status_code == 200
    assert any("被反映单位" in e for e in form_errors(response))
    assert db_session.execute(select(func.count()).select_from(Case)).scalar() == before


def test_children_of_the_case_follow_it(accusation, db_session, app):
    """Petitioners, events and attachments are scoped through the case (parent=…)."""
    from app.core.scoping import scope_clause
    from app.extensions import db
    from app.org.scoping import scope_for_user
    from app.security.models import AppUser

    with app.app_context():
        user = db.session.execute(select(AppUser).where(AppUser.username == "leader")).scalars().one()
        scope = scope_for_user(user)
        for model in (Petitioner, CaseEvent, CaseAttachment):
            found = db.session.execute(
                select(func.count()).select_from(model)
                .where(model.case_id == accusation.id, scope_clause(model, scope))
            ).scalar()
            assert found == 0, model.__name__
        # …while an ordinary case of the same township is seen with its children.
        other = db.session.execute(
            select(Case.id).where(Case.township_id == accusation.township_id, Case.id != accusation.id,
                                  Case.status != CaseStatus.MERGED.value)
        ).scalars().first()
        assert db.session.execute(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == other, scope_clause(CaseEvent, scope))
        ).scalar() > 0
