"""The role editor (issue 20): roles made in the product, as a browser would make them, follow
exactly the grants chosen — pages, API, masking — and nobody grants beyond their own roles.

Expectations come from the issue and DOMAIN.md: a 村排查员 made with 信访件·查看, 台账·查看/新建 and
排查·查看/报送 reads cases but registers none, writes ledger entries, files sweeps, administers
nothing, and sees petitioners masked until the grant 办理信访人个人信息 is added.
"""

from __future__ import annotations

from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.cases.models import Case, Petitioner
from app.core.privacy import mask_phone
from app.org.models import OrgUnit
from app.security.models import AppUser, RoleGrant, RoleProfile
from tests.api.support import token
from tests.support import form_errors, login, page_text

PASSWORD = "Abc!12345xyZ"
SWEEPER = [("cases", "view"), ("ledgers", "view"), ("ledgers", "add"), ("sweeps", "view"), ("sweeps", "file")]


def org(db_session, name: str) -> OrgUnit:
    return db_session.execute(select(OrgUnit).where(OrgUnit.name == name)).scalars().one()


def role_form(name: str, grants, **extra) -> dict:
    return {"name": name, "description": "本村排查", "grant": [f"{g}:{lv}" for g, lv in grants], **extra}


def role_id(db_session, name: str) -> int:
    db_session.expire_all()
    return db_session.execute(select(Role.id).where(Role.name == name)).scalar_one()


def grants_in_db(db_session, rid: int) -> set[tuple[str, str]]:
    db_session.expire_all()
    return set(db_session.execute(select(RoleGrant.group, RoleGrant.level).where(RoleGrant.role_id == rid)).all())


def new_user(admin, town_id: int, rid: int, username: str) -> None:
    response = admin.post("/users/add", data={
        "last_name": "周", "first_name": "新", "username": username, "org_unit": str(town_id), "active": "y",
        "email": f"{username}@example.cn", "roles": str(rid), "password": PASSWORD, "conf_password": PASSWORD,
    })
    assert response.status_code == 302, form_errors(response)


def a_phone_in(db_session, town: OrgUnit) -> tuple[Case, str]:
    case = db_session.execute(
        select(Case).where(Case.township_id == town.id, Case.id.in_(
            select(Petitioner.case_id).where(Petitioner.phone.is_not(None)))).order_by(Case.id).limit(1)
    ).scalars().one()
    return case, next(p.phone for p in case.petitioners if p.phone)


def test_a_role_made_in_the_editor_opens_exactly_its_grants(app, client_as, db_session):
    admin = client_as("admin")
    town = org(db_session, "城关镇")
    response = admin.post("/rolegrants/add", data=role_form("村排查员", SWEEPER, org_unit_id=str(town.id)))
    assert response.status_code == 302, form_errors(response)
    rid = role_id(db_session, "村排查员")
    assert grants_in_db(db_session, rid) == set(SWEEPER)
    profile = db_session.get(RoleProfile, rid)
    assert (profile.built_in, profile.org_unit_id) == (False, town.id)
    new_user(admin, town.id, rid, "cun_pai")

    user = app.test_client()
    login(user, "cun_pai", PASSWORD)
    for url, status in [("/cases/list/", 200), ("/cases/add", 403), ("/ledgers/entries/list/", 200),
                        ("/ledgers/entries/add", 200), ("/duty/roster/", 403), ("/sweeps/", 200),
                        ("/mediation/records/list/", 403), ("/users/list/", 403), ("/rolegrants/", 403),
                        ("/reports/rates/", 403)]:
        assert user.get(url).status_code == status, url
    headers = token(user, "cun_pai", PASSWORD)
    assert user.get("/api/v1/cases/?page_size=5", headers=headers).status_code == 200
    assert user.get("/api/v1/mediation-records/", headers=headers).status_code == 403

    # Masked: the role does not handle petitioners' personal data; a search by phone finds nothing.
    case, phone = a_phone_in(db_session, town)
    assert case.number not in page_text(user.get(f"/cases/list/?q_person={phone}"))
    text = page_text(user.get(f"/cases/show/{case.id}"))
    assert phone not in text and mask_phone(phone) in text

    # The 系统管理员 adds 办理信访人个人信息 and 信访件·登记: the very next request follows.
    response = admin.post(f"/rolegrants/edit/{rid}", data=role_form(
        "村排查员", [*SWEEPER, ("cases", "add"), ("personal_data", "personal_data")], org_unit_id=str(town.id)))
    assert response.status_code == 302, form_errors(response)
    assert user.get("/cases/add").status_code == 200
    assert case.number in page_text(user.get(f"/cases/list/?q_person={phone}"))
    assert phone in page_text(user.get(f"/cases/show/{case.id}"))

    # Every change audited: who, which grant of which role, old → new.
    entry = db_session.execute(
        select(AuditEntry).where(AuditEntry.kind == "permission", AuditEntry.record_id == str(rid))
        .order_by(AuditEntry.id.desc()).limit(1)
    ).scalars().one()
    assert entry.username == "admin"
    assert {(c["grant"], c["old"], c["new"]) for c in entry.details_data["grants"]} == {
        ("信访件 · 新建", "未授予", "授予"), ("信访人个人信息 · 办理信访人个人信息", "未授予", "授予"),
    }

    # In use: not deleted, and it says by whom.
    response = admin.post(f"/rolegrants/delete/{rid}")
    assert response.status_code == 422
    assert "cun_pai" in page_text(response)
    assert db_session.get(RoleProfile, rid) is not None


def test_township_admin_makes_roles_only_for_their_township_and_within_their_grants(app, client_as, db_session):
    xz = client_as("xz_admin")  # 乡镇管理员, 城关镇
    town, other = org(db_session, "城关镇"), org(db_session, "河东镇")
    # Tampering: a grant beyond the administrator's own (信访件·登记) and a reserved one (用户管理).
    for grants in ([("cases", "view"), ("cases", "add")], [("cases", "view"), ("users", "view")]):
        response = xz.post("/rolegrants/add", data=role_form("调解员", grants))
        assert response.status_code == 403
        assert page_text(response).count("调解员") >= 1
        assert db_session.execute(select(Role.id).where(Role.name == "调解员")).first() is None
    response = xz.post("/rolegrants/add", data=role_form("调解员", [("cases", "view"), ("mediation", "view")],
                                                        org_unit_id=str(other.id)))
    assert response.status_code == 302, form_errors(response)
    rid = role_id(db_session, "调解员")
    assert db_session.get(RoleProfile, rid).org_unit_id == town.id  # the posted township is ignored

    # The 系统管理员 makes a role of 河东镇: invisible to 城关镇's administrator, by list and by URL.
    admin = client_as("admin")
    response = admin.post("/rolegrants/add", data=role_form("河东督查", [("cases", "view")], org_unit_id=str(other.id)))
    assert response.status_code == 302, form_errors(response)
    foreign = role_id(db_session, "河东督查")
    assert "河东督查" not in page_text(xz.get("/rolegrants/"))
    for url in (f"/rolegrants/{foreign}", f"/rolegrants/edit/{foreign}", f"/rolegrants/copy/{foreign}"):
        assert xz.get(url).status_code == 404, url
    assert xz.post(f"/rolegrants/edit/{foreign}", data=role_form("x", [])).status_code == 404
    assert xz.post(f"/rolegrants/delete/{foreign}").status_code == 404
    # Built-in roles: visible, read-only.
    clerk_role = role_id(db_session, "登记员")
    assert xz.get(f"/rolegrants/{clerk_role}").status_code == 200
    assert xz.post(f"/rolegrants/edit/{clerk_role}", data=role_form("登记员", [])).status_code == 403

    # Assigning: their township's role to their township's user; not 河东镇's role (form tampering).
    user_form = xz.get("/users/add").get_data(as_text=True)
    assert "调解员" in user_form and "河东督查" not in user_form
    data = {"last_name": "吴", "first_name": "敏", "username": "wu_min", "org_unit": str(town.id), "active": "y",
            "roles": str(foreign), "password": PASSWORD, "conf_password": PASSWORD}
    xz.post("/users/add", data=data)
    assert db_session.execute(select(AppUser).where(AppUser.username == "wu_min")).first() is None
    # Nor may the 系统管理员 give 城关镇's role to a user of 河东镇.
    response = admin.post("/users/add", data={**data, "org_unit": str(other.id), "roles": str(rid)})
    assert response.status_code == 200
    assert db_session.execute(select(AppUser).where(AppUser.username == "wu_min")).first() is None


def test_sync_roles_keeps_built_in_roles_and_leaves_administrators_roles_alone(app, client_as, db_session):
    admin = client_as("admin")
    response = admin.post("/rolegrants/add", data=role_form("信访代理员", [("cases", "view"), ("cases", "export")]))
    assert response.status_code == 302, form_errors(response)
    rid = role_id(db_session, "信访代理员")
    clerk = role_id(db_session, "登记员")
    # Someone edits the built-in 登记员's grants behind the product's back.
    db_session.execute(RoleGrant.__table__.delete().where(RoleGrant.role_id == clerk, RoleGrant.group == "cases"))
    db_session.commit()
    with app.app_context():
        app.appbuilder.sm.sync_roles()
    assert grants_in_db(db_session, rid) == {("cases", "view"), ("cases", "export")}
    assert ("cases", "add") in grants_in_db(db_session, clerk)
    seeded = role_id(db_session, "村级信访信息员")  # made by 城关镇's 乡镇管理员 in the demo seed
    assert ("duty_log", "add") in grants_in_db(db_session, seeded)
    user = client_as("clerk")
    assert user.get("/cases/add").status_code == 200


def test_built_in_grants_read_back_exactly_and_derive_the_same_permissions(app, db_session):
    """ROLE_GRANTS ↔ levels is lossless, and a built-in role's stored grants derive exactly the
    permissions sync-roles gave it — the derivation custom roles go through."""
    from app.security.grants import as_permissions, levels_of, permissions_of
    from app.security.role_rules import grants_of
    from app.security.roles import ROLE_GRANTS

    for role_name, grants in ROLE_GRANTS.items():
        for group, permissions in grants.items():
            assert permissions_of(levels_of(permissions)) == permissions, (role_name, group)
    with app.app_context():
        sm = app.appbuilder.sm
        for role_name in ROLE_GRANTS:
            role = sm.find_role(role_name)
            stored = grants_of(db_session, [role.id])
            held = {(p.permission.name, p.view_menu.name) for p in role.permissions}
            assert sm.grant_permission_pairs(as_permissions(stored)) == held, role_name


def test_who_can_do_what_lists_a_users_grants_within_the_administrators_area(client_as, db_session):
    """The 登记员 registers and handles petitions and sees personal data (ROLE_GRANTS' intent in
    DOMAIN.md); the 承办人 handles but does not register; 河东镇's users are not 城关镇's to inspect."""
    xz = client_as("xz_admin")
    ids = dict(db_session.execute(select(AppUser.username, AppUser.id)
                                  .where(AppUser.username.in_(["clerk", "handler", "clerk2"]))).all())
    clerk = page_text(xz.get(f"/rolegrants/who?user={ids['clerk']}"))
    assert "信访件" in clerk and "新建" in clerk and "办理信访人个人信息" in clerk
    handler = xz.get(f"/rolegrants/who?user={ids['handler']}")
    assert handler.status_code == 200
    cases_row = next(r for r in handler.get_data(as_text=True).split("<tr") if 'data-group="cases"' in r)
    assert "办理（流程操作）" in cases_row and "新建" not in cases_row
    assert xz.get(f"/rolegrants/who?user={ids['clerk2']}").status_code == 404
    assert client_as("clerk").get(f"/rolegrants/who?user={ids['clerk']}").status_code == 403
