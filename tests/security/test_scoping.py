"""Township scoping: a user of 河东镇 never sees or changes 城关镇's records, by any route.

Every model view is covered: cases, org units, users, and the actions FAB leaves unscoped.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.cases.models import Case
from app.org.models import OrgKind, OrgUnit
from app.security.models import AppUser
from tests.support import case_form, county_now, form_errors, page_text


def org(db_session, name: str) -> OrgUnit:
    return db_session.execute(select(OrgUnit).where(OrgUnit.name == name)).scalar_one()


def case_in(db_session, township_name: str) -> Case:
    town = org(db_session, township_name)
    return db_session.execute(
        select(Case).where(Case.township_id == town.id).order_by(Case.id).limit(1)
    ).scalar_one()


def user(db_session, username: str) -> AppUser:
    return db_session.execute(select(AppUser).where(AppUser.username == username)).scalar_one()


def add_co_unit(db_session, cases, unit: OrgUnit) -> None:
    """Make `unit` a 会审 co-unit of each of `cases` (a joint review led by the case's township)."""

    from app.cases.workflow_models import JointReview, JointReviewUnit

    for case in cases:
        review = JointReview(case_id=case.id, held_at=county_now(), lead_unit_id=case.township_id, plan="联合调查")
        db_session.add(review)
        db_session.flush()
        db_session.add(JointReviewUnit(joint_review_id=review.id, case_id=case.id, unit_id=unit.id))


# --- cases -----------------------------------------------------------------------------------


def test_case_list_shows_only_own_township(clerk2_client, db_session):
    other = case_in(db_session, "城关镇")
    own = case_in(db_session, "河东镇")
    response = clerk2_client.get("/cases/list/?psize_CaseView=100")
    assert response.status_code == 200
    text = page_text(response)
    assert own.number in text
    assert other.number not in text


def test_other_townships_case_is_404_by_url(clerk2_client, db_session):
    other = case_in(db_session, "城关镇")
    assert clerk2_client.get(f"/cases/show/{other.id}").status_code == 404
    assert clerk2_client.get(f"/cases/edit/{other.id}").status_code == 404
    assert clerk2_client.post(f"/cases/edit/{other.id}", data={"title": "改"}).status_code == 404
    db_session.expire_all()
    assert db_session.get(Case, other.id).title != "改"


def test_other_townships_case_cannot_be_voided(clerk2_client, db_session):
    other = case_in(db_session, "城关镇")
    other.status = "registered"
    db_session.commit()
    assert clerk2_client.post(f"/cases/step/{other.id}/void", data={"reason": "误登记"}).status_code == 404
    assert clerk2_client.post(f"/cases/delete/{other.id}").status_code == 404
    db_session.expire_all()
    assert db_session.get(Case, other.id).status == "registered"


def test_bulk_action_refuses_ids_outside_scope_and_does_nothing(clerk2_client, db_session):
    own = case_in(db_session, "河东镇")
    other = case_in(db_session, "城关镇")
    response = clerk2_client.post(
        "/cases/action_post", data={"action": "bulk_assign", "rowid": [str(own.id), str(other.id)]}
    )
    assert response.status_code == 404
    assert other.number not in page_text(response)


def test_single_record_action_is_scoped(clerk2_client, db_session):
    other = case_in(db_session, "城关镇")
    assert clerk2_client.post(f"/cases/action/bulk_assign/{other.id}").status_code == 404


def test_fabs_own_lookups_keep_to_the_scope(app, db_session):
    """The interface scopes FAB's own path: `get(pk)` with no filter at all (what FAB's action,
    action_post and related views call) and `query()` find only the user's township; a view that
    would serve a scoped model through a plain interface is refused before it is built."""
    from flask import g
    from flask_appbuilder.models.sqla.interface import SQLAInterface

    from app.core.paging import ListInterface
    from app.core.views import ScopedModelView

    other, own, town = case_in(db_session, "城关镇"), case_in(db_session, "河东镇"), org(db_session, "河东镇")
    # Its cases, less the 检举控告 reporting on the township or the county above it.
    in_township = db_session.execute(select(func.count()).select_from(Case).where(
        Case.township_id == town.id,
        Case.reported_unit_id.is_(None) | Case.reported_unit_id.not_in([town.id, town.parent_id]))).scalar()
    view = next(v for v in app.appbuilder.baseviews if type(v).__name__ == "CaseView")
    with app.test_request_context():
        g.user = user(db_session, "clerk2")
        assert view.datamodel.get(other.id) is None
        assert view.datamodel.get(own.id).id == own.id
        count, rows = view.datamodel.query(page=0, page_size=500)
        assert count == in_township
        assert {row.township_id for row in rows} == {town.id}
    for plain in (SQLAInterface(Case), ListInterface(Case)):
        with pytest.raises(TypeError):
            type("PlainCaseView", (ScopedModelView,), {"datamodel": plain})()


def test_case_without_permission_for_action_is_forbidden(manager_client, db_session):
    own = case_in(db_session, "城关镇")
    response = manager_client.post("/cases/action_post", data={"action": "bulk_assign", "rowid": [str(own.id)]})
    assert response.status_code == 403
    assert "无权访问" in page_text(response)


def test_township_select_offers_only_own_township(clerk2_client, db_session):
    response = clerk2_client.get("/cases/add")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "河东镇" in body
    assert "城关镇" not in body.split('id="township"', 1)[1].split("</select>", 1)[0]


def test_registering_into_another_township_is_refused(clerk2_client, db_session):
    other_town = org(db_session, "城关镇")
    before = db_session.execute(select(Case.id)).all()
    response = clerk2_client.post("/cases/add", data=case_form(other_town.id))
    assert response.status_code == 200
    assert form_errors(response), "the township field must show an error"
    db_session.expire_all()
    assert len(db_session.execute(select(Case.id)).all()) == len(before)


def test_add_form_preselects_creators_township(clerk2_client, db_session):
    own = org(db_session, "河东镇")
    body = clerk2_client.get("/cases/add").get_data(as_text=True)
    township_select = body.split('id="township"', 1)[1].split("</select>", 1)[0]
    assert f'<option selected value="{own.id}">河东镇</option>' in township_select


def test_case_without_township_is_refused_not_stored_elsewhere(clerk2_client, db_session):
    data = case_form(0)
    del data["township"]
    before = len(db_session.execute(select(Case.id)).all())
    response = clerk2_client.post("/cases/add", data=data)
    assert response.status_code == 200
    assert form_errors(response)
    db_session.expire_all()
    assert len(db_session.execute(select(Case.id)).all()) == before


def test_advanced_filter_on_other_township_finds_nothing(clerk2_client, db_session):
    other_town = org(db_session, "城关镇")
    own_town = org(db_session, "河东镇")
    # The same filter on the user's own township finds its cases (so the filter works)…
    own = clerk2_client.get(f"/cases/list/?q_township={own_town.id}")
    assert own.status_code == 200 and _record_count(own) != "0"
    # …and on another township, an empty list: no row, no case number.
    response = clerk2_client.get(f"/cases/list/?q_township={other_town.id}")
    assert response.status_code == 200
    assert "没有找到记录" in page_text(response)
    assert "/cases/show/" not in response.get_data(as_text=True)


def test_quick_search_township_choices_are_scoped(clerk2_client):
    response = clerk2_client.get("/cases/list/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    select_html = body.split('name="q_township"', 1)[1].split("</select>", 1)[0]
    assert "河东镇" in select_html
    assert "城关镇" not in select_html


def test_search_by_petitioner_stays_in_scope(clerk2_client, db_session):
    other = case_in(db_session, "城关镇")
    name = other.petitioners[0].name
    response = clerk2_client.get(f"/cases/list/?q_person={name}")
    assert response.status_code == 200
    assert other.number not in page_text(response)
    # The same search finds a case of the user's own township by its petitioner's name.
    own = case_in(db_session, "河东镇")
    found = clerk2_client.get(f"/cases/list/?q_person={own.petitioners[0].name}")
    assert found.status_code == 200 and own.number in page_text(found)


def test_handler_sees_only_cases_assigned_to_their_unit(handler_client, db_session):
    town = org(db_session, "城关镇")
    assigned = db_session.execute(
        select(Case).where(Case.responsible_unit_id == town.id).limit(1)
    ).scalar_one()
    elsewhere = db_session.execute(
        select(Case).where(Case.township_id == town.id, Case.responsible_unit_id != town.id).limit(1)
    ).scalar_one()
    assert handler_client.get(f"/cases/show/{assigned.id}").status_code == 200
    assert handler_client.get(f"/cases/show/{elsewhere.id}").status_code == 404


def test_county_level_user_sees_every_township(client_as, db_session):
    county = client_as("county_manager")
    for name in ("城关镇", "河东镇"):
        assert county.get(f"/cases/show/{case_in(db_session, name).id}").status_code == 200


# --- org units -------------------------------------------------------------------------------


def test_org_list_shows_own_township_and_its_villages_only(clerk2_client, db_session):
    response = clerk2_client.get("/org/list/?psize_OrgUnitView=100")
    assert response.status_code == 200
    text = page_text(response)
    assert "沿河村" in text  # a 河东镇 village
    assert "红旗村" not in text  # a 城关镇 village
    other_village = org(db_session, "红旗村")
    assert clerk2_client.get(f"/org/show/{other_village.id}").status_code == 404


# --- users -------------------------------------------------------------------------------------


def test_township_admin_lists_only_own_township_users(xz_admin_client):
    response = xz_admin_client.get("/users/list/?psize_AppUserView=100")
    assert response.status_code == 200
    text = page_text(response)
    assert "clerk" in text
    assert "clerk2" not in text
    assert "admin " not in text.replace("xz_admin", "")


def test_township_admin_cannot_open_or_edit_other_township_users(xz_admin_client, db_session):
    other = user(db_session, "clerk2")
    assert xz_admin_client.get(f"/users/show/{other.id}").status_code == 404
    assert xz_admin_client.get(f"/users/edit/{other.id}").status_code == 404
    response = xz_admin_client.post(f"/users/edit/{other.id}", data={"first_name": "改"})
    assert response.status_code == 404
    db_session.expire_all()
    assert db_session.get(AppUser, other.id).first_name != "改"


def test_township_admin_cannot_reset_other_township_password(xz_admin_client, db_session):
    other = user(db_session, "clerk2")
    before = other.password
    # An action is never a GET (405, before anything is looked up); the POST finds no such user (404).
    assert xz_admin_client.get(f"/users/action/resetpasswords/{other.id}").status_code == 405
    assert xz_admin_client.post(f"/users/action/resetpasswords/{other.id}").status_code == 404
    response = xz_admin_client.post(
        f"/resetpassword/form?pk={other.id}", data={"password": "Xx!23456abc", "conf_password": "Xx!23456abc"}
    )
    assert response.status_code == 404
    db_session.expire_all()
    assert db_session.get(AppUser, other.id).password == before


def _new_user_form(org_unit_id: int, role_id: int, **extra: str) -> dict[str, str]:
    data = {
        "last_name": "周",
        "first_name": "新",
        "username": "zhou_xin",
        "org_unit": str(org_unit_id),
        "active": "y",
        "email": "zhou_xin@example.cn",
        "roles": str(role_id),
        "password": "Abc!12345xyZ",
        "conf_password": "Abc!12345xyZ",
    }
    data.update(extra)
    return data


def test_township_admin_creates_user_in_own_township(app, xz_admin_client, db_session):
    sm = app.appbuilder.sm
    town = org(db_session, "城关镇")
    response = xz_admin_client.post("/users/add", data=_new_user_form(town.id, sm.find_role("登记员").id))
    assert response.status_code == 302, form_errors(response)
    created = user(db_session, "zhou_xin")
    assert created.org_unit_id == town.id
    assert [r.name for r in created.roles] == ["登记员"]


def test_township_admin_cannot_grant_admin_roles(app, xz_admin_client, db_session):
    sm = app.appbuilder.sm
    town = org(db_session, "城关镇")
    body = xz_admin_client.get("/users/add").get_data(as_text=True)
    roles_select = body.split('id="roles"', 1)[1].split("</select>", 1)[0]
    assert "系统管理员" not in roles_select and "乡镇管理员" not in roles_select
    for role in ("系统管理员", "乡镇管理员"):
        response = xz_admin_client.post(
            "/users/add", data=_new_user_form(town.id, sm.find_role(role).id, username=f"x_{role}")
        )
        assert response.status_code == 200
        assert db_session.execute(select(AppUser).where(AppUser.username == f"x_{role}")).first() is None


def test_township_admin_cannot_place_user_in_other_township(app, xz_admin_client, db_session):
    sm = app.appbuilder.sm
    other_town = org(db_session, "河东镇")
    response = xz_admin_client.post(
        "/users/add", data=_new_user_form(other_town.id, sm.find_role("登记员").id)
    )
    assert response.status_code == 200
    assert db_session.execute(select(AppUser).where(AppUser.username == "zhou_xin")).first() is None


@pytest.mark.parametrize("path", ["/users/list/", "/roles/list/", "/org/add", "/subjects/add"])
def test_clerk_cannot_reach_administration(clerk_client, path):
    assert clerk_client.get(path).status_code == 403


def test_org_kinds_are_complete(db_session):
    kinds = {row[0] for row in db_session.execute(select(OrgUnit.kind).distinct())}
    assert {k.value for k in (OrgKind.COUNTY, OrgKind.TOWNSHIP, OrgKind.VILLAGE, OrgKind.DEPARTMENT)} <= kinds


def test_township_admin_resets_own_township_password(app, xz_admin_client, db_session):
    own = user(db_session, "clerk")
    before = own.password
    response = xz_admin_client.post(
        f"/resetpassword/form?pk={own.id}", data={"password": "Xx!23456abcD", "conf_password": "Xx!23456abcD"}
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(AppUser, own.id).password != before


# --- 属地管理 and the scope's unit branch ------------------------------------------------------


def test_a_township_cannot_be_made_responsible_for_another_townships_case(admin_client, db_session):
    from tests.support import case_form

    town, other = org(db_session, "城关镇"), org(db_session, "河东镇")
    before = len(db_session.execute(select(Case.id)).all())
    response = admin_client.post("/cases/add", data=case_form(town.id, responsible_unit=str(other.id)))
    assert response.status_code == 200
    assert "只承办河东镇属地" in " ".join(form_errors(response))
    assert len(db_session.execute(select(Case.id)).all()) == before


def test_a_co_unit_of_a_joint_review_sees_the_case(clerk2_client, db_session):
    case = case_in(db_session, "城关镇")
    other = org(db_session, "河东镇")
    assert clerk2_client.get(f"/cases/show/{case.id}").status_code == 404
    add_co_unit(db_session, [case], other)
    db_session.commit()
    assert clerk2_client.get(f"/cases/show/{case.id}").status_code == 200
    assert case.number in page_text(clerk2_client.get("/cases/list/?psize_CaseView=100"))


def _record_count(response) -> str:
    import re

    found = re.search(r"记录数\s*:\s*([\d,]+\+?)", page_text(response))
    assert found, "the list shows no record count"
    return found.group(1)


def test_a_handlers_list_counts_unit_and_co_unit_cases_once_each(app, handler_client, db_session):
    """The count is taken branch by branch (the unit's cases, then its 会审 co-unit cases not
    already counted); it must equal the rows the list can page through — overlaps counted once,
    a 检举控告 case about the unit left out of both."""

    from app.cases.workflow_models import JointReviewUnit

    town = org(db_session, "城关镇")
    own = db_session.execute(
        select(Case).where(Case.responsible_unit_id == town.id).order_by(Case.id)
    ).scalars().all()
    elsewhere = db_session.execute(
        select(Case).where(Case.township_id != town.id).order_by(Case.id).limit(3)
    ).scalars().all()
    assert len(own) >= 2 and len(elsewhere) == 3
    # Co-unit of one of its own cases (an overlap) and of three cases elsewhere, one of which
    # reports on the township (hidden from it whatever its scope).
    add_co_unit(db_session, [own[0], *elsewhere], town)
    elsewhere[2].reported_unit_id = town.id
    db_session.commit()

    # What the handler may see, counted here by hand: the unit's cases and its co-unit cases
    # (the demo has one already), without those reporting on the township or the county.
    county = town.parent_id
    co_unit = select(JointReviewUnit.case_id).where(JointReviewUnit.unit_id == town.id)
    rows = db_session.execute(
        select(Case.number, Case.status).where(
            (Case.responsible_unit_id == town.id) | Case.id.in_(co_unit),
            Case.reported_unit_id.is_(None) | Case.reported_unit_id.not_in([town.id, county]),
        )
    ).all()
    visible = {number for number, _ in rows}
    assert own[0].number in visible and elsewhere[0].number in visible
    assert elsewhere[2].number not in visible
    page = handler_client.get("/cases/list/?psize_CaseView=100")
    assert _record_count(page) == str(len(visible))
    text = page_text(page)
    assert all(number in text for number in visible)
    assert elsewhere[2].number not in text

    status = elsewhere[0].status
    with_status = [number for number, s in rows if s == status]
    filtered = handler_client.get(f"/cases/list/?q_status={status}&psize_CaseView=100")
    assert _record_count(filtered) == str(len(with_status))


def test_a_capped_count_stops_across_the_scopes_branches(app, handler_client, db_session):
    """With the cap below the total, the count reads "cap+" even when the branch that crosses
    the cap is not the first."""
    from app.cases.workflow_models import JointReviewUnit

    town = org(db_session, "城关镇")
    own = db_session.execute(select(Case.id).where(Case.responsible_unit_id == town.id)).scalars().all()
    others = db_session.execute(
        select(Case).where(Case.township_id != town.id, Case.reported_unit_id.is_(None)).limit(50)
    ).scalars().all()
    add_co_unit(db_session, others, town)
    db_session.commit()
    co_unit = select(JointReviewUnit.case_id).where(JointReviewUnit.unit_id == town.id)
    total = db_session.execute(
        select(func.count()).select_from(Case).where(
            (Case.responsible_unit_id == town.id) | Case.id.in_(co_unit),
            Case.reported_unit_id.is_(None) | Case.reported_unit_id.not_in([town.id, town.parent_id]),
        )
    ).scalar()
    # The cap never falls below two pages (so the pager reaches the next page): 40 rows.
    assert len(own) < 40 < total
    app.config["LIST_COUNT_CAP"] = 40
    assert _record_count(handler_client.get("/cases/list/")) == "40+"
    app.config["LIST_COUNT_CAP"] = 10_000
    assert _record_count(handler_client.get("/cases/list/")) == str(total)


@pytest.mark.parametrize("order", ["", "&_oc_CaseView=next_due_at&_od_CaseView=asc",
                                   "&_oc_CaseView=number&_od_CaseView=asc"])
def test_a_handlers_pages_read_branch_by_branch_are_the_pages_of_the_whole_list(app, handler_client, db_session, order):
    """Near the start, a list whose scope has several branches reads each branch's first rows
    and orders the page from those (`ScopedInterface.page_query`): every page, in every
    order, must be the very page the single query over the whole scope gives."""
    import re

    town = org(db_session, "城关镇")
    others = db_session.execute(
        select(Case).where(Case.township_id != town.id, Case.reported_unit_id.is_(None)).limit(30)
    ).scalars().all()
    add_co_unit(db_session, others, town)
    db_session.commit()

    def pages(limit: int) -> list[list[str]]:
        app.config["LIST_BRANCH_PAGE_ROWS"] = limit
        return [re.findall(r'href="/cases/show/(\d+)"',
                           handler_client.get(f"/cases/list/?page_CaseView={page}{order}").get_data(as_text=True))
                for page in range(3)]

    by_branch, whole = pages(1_000), pages(0)
    assert by_branch == whole
    assert len(by_branch[0]) == 20 and by_branch[2]
