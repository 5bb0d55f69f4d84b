"""The user form: 所属机构 is required, marked so, and its error comes with the other fields' in
one answer; its select box lists the county and its departments first, then townships, their
offices, villages and hamlets last — for the 系统管理员 and a 乡镇管理员."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.support import DEMO_PASSWORD, form_errors, login

LEVEL = {"county": 0, "department": 1, "bureau": 1, "inspection": 1, "discipline": 1,
         "township": 2, "office": 3, "village": 4, "hamlet": 5}


def _org_options(html: str) -> list[int]:
    select_box = re.search(r'<select[^>]*name="org_unit".*?</select>', html, flags=re.S).group(0)
    return [int(v) for v in re.findall(r'<option[^>]*value="(\d+)"', select_box)]


@pytest.mark.parametrize("username", ["admin", "xz_admin"])
def test_org_unit_is_required_marked_and_sorted(module_app, username):
    from app.extensions import db
    from app.org.models import OrgUnit

    client = module_app.test_client()
    login(client, username, DEMO_PASSWORD)
    page = client.get("/users/add").get_data(as_text=True)
    label = re.search(r'<label[^>]*for="org_unit"[^>]*>(.*?)</label>', page, flags=re.S).group(1)
    assert "&#42;" in label or "*" in label  # marked required, like 姓/名/登录名
    options = _org_options(page)
    with module_app.app_context():
        kinds = dict(db.session.execute(select(OrgUnit.id, OrgUnit.kind).where(OrgUnit.id.in_(options))).all())
    levels = [LEVEL[kinds[i]] for i in options]
    assert levels == sorted(levels), "hamlets and villages come after townships and departments"
    assert levels[-1] == 5 and levels[0] < 4

    # Nothing filled in: the org unit's error comes with the others, in one answer.
    response = client.post("/users/add", data={"last_name": "", "first_name": "", "username": ""})
    assert response.status_code == 200
    errors = form_errors(response)
    assert len(errors) >= 4, errors
    assert any("此字段为必填项" in e or "必填" in e for e in errors), errors
    org_cell = re.search(r'name="org_unit".*?</select>(.*?)</td>', response.get_data(as_text=True), flags=re.S)
    org_error = "alert-danger" in org_cell.group(1) and "必填" in org_cell.group(1)
    assert org_error, "所属机构 shows its error together with the other fields"


@pytest.mark.parametrize("username", ["admin", "xz_admin"])
def test_email_is_optional_and_stored_as_null(client_as, db_session, username):
    """Village staff often have no e-mail: two users added without one are both saved (NULL,
    not "": the column is unique)."""
    from app.org.models import OrgKind, OrgUnit
    from app.security.models import AppUser

    township = db_session.execute(select(OrgUnit).where(OrgUnit.name == "城关镇")).scalar_one()
    village = db_session.execute(
        select(OrgUnit).where(OrgUnit.kind == OrgKind.VILLAGE.value, OrgUnit.township_id == township.id).limit(1)
    ).scalar_one()
    role_id = db_session.execute(select(AppUser).where(AppUser.username == "clerk")).scalar_one().roles[0].id
    client = client_as(username)
    for login_name, given in (("cun_clerk_a", "甲"), ("cun_clerk_b", "乙")):
        response = client.post("/users/add", data={
            "last_name": "村", "first_name": given, "username": login_name, "org_unit": str(village.id),
            "active": "y", "email": "", "roles": str(role_id),
            "password": "Abc!12345xyZ", "conf_password": "Abc!12345xyZ",
        })
        assert response.status_code == 302, form_errors(response)
    db_session.expire_all()
    saved = db_session.execute(
        select(AppUser.username, AppUser.email).where(AppUser.username.in_(("cun_clerk_a", "cun_clerk_b")))
    ).all()
    assert sorted(saved) == [("cun_clerk_a", None), ("cun_clerk_b", None)]
