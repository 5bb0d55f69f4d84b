"""Sessions end on the server: a copied cookie or an issued access token stops working the moment
its user logs out, changes their password, is deactivated, gets other roles, or is signed out
everywhere by an administrator (issue 16, item 10). Logging out is a POST with the CSRF token."""

from __future__ import annotations

import json
import re

from sqlalchemy import select, text

from app.audit.models import AuditEntry
from app.security.models import AppUser
from tests.conftest import make_app
from tests.forms import form_values
from tests.isolated import database
from tests.support import DEMO_PASSWORD, login

STRONG = "Qingshan#2026x"


def user_id(app, username: str) -> int:
    with database(app) as s:
        return s.execute(select(AppUser.id).where(AppUser.username == username)).scalar_one()


def signed_in(client) -> bool:
    """The client's session opens a page that needs a login (not the redirect to /login/)."""
    response = client.get("/cases/list/")
    if response.status_code == 302:
        assert "/login/" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def copy_of(app, client):
    """A second browser holding a copy of `client`'s session cookie."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def jwt_header(client, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.get_json()['result']['access_token']}"}


def token_works(client, header: dict[str, str]) -> bool:
    response = client.get("/api/v1/cases/?page_size=1", headers=header)
    assert response.status_code in (200, 401), response.status_code
    return response.status_code == 200


# --- logout ---------------------------------------------------------------------------------------


def test_a_cookie_copied_before_logout_no_longer_works(app, client):
    login(client, "clerk")
    copied = copy_of(app, client)
    assert signed_in(copied)
    other_browser = app.test_client()
    login(other_browser, "clerk")
    token = jwt_header(app.test_client(), "clerk")

    response = client.post("/logout/")
    assert response.status_code == 302
    assert not signed_in(client)
    assert not signed_in(copied)
    assert not signed_in(other_browser)  # every session of the user, not only this browser's
    assert not token_works(app.test_client(), token)

    # Signing in again gives a working session; another user's sessions were never touched.
    login(client, "clerk")
    assert signed_in(client)


def test_a_stale_cookie_set_again_after_logout_does_not_stop_the_next_login(app, client):
    """A browser's late response for the page before the logout can put the old session cookie
    back (the e2e journeys once retried their login for that): the login page must still open
    and the next user sign in at the first attempt."""
    login(client, "clerk")
    stale = client.get_cookie("session").value
    assert client.post("/logout/").status_code == 302
    client.set_cookie("session", stale)  # the late response
    form = client.get("/login/")
    assert form.status_code == 200 and 'id="username"' in form.get_data(as_text=True)
    login(client, "leader")
    assert signed_in(client)
    assert client.get("/reports/rates/").status_code == 200  # the leader's page (a clerk gets 403)


def test_logout_ends_only_that_users_sessions(app, client_as):
    clerk, leader = client_as("clerk"), client_as("leader")
    clerk.post("/logout/")
    assert not signed_in(clerk)
    assert signed_in(leader)


def test_a_get_of_the_logout_address_asks_and_does_not_log_out(app, clerk_client):
    page = clerk_client.get("/logout/")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert re.search(r'<form method="post" action="/logout/">', body)
    assert "退出登录" in body
    assert signed_in(clerk_client)
    # Not signed in: the address leads to the login page.
    anonymous = app.test_client().get("/logout/")
    assert anonymous.status_code == 302 and "/login/" in anonymous.headers["Location"]


def test_logout_needs_the_csrf_token(database_uri):
    app = make_app(database_uri, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    form = client.get("/login/").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post("/login/", data={"username": "clerk", "password": DEMO_PASSWORD, "csrf_token": csrf})
    assert response.status_code == 302 and "/login" not in response.headers["Location"]

    # Another site's form (no token) cannot log the user out.
    assert client.post("/logout/").status_code == 400
    assert signed_in(client)

    # The navbar's logout form carries the token and works.
    page = client.get("/cases/list/").get_data(as_text=True)
    navbar = re.search(r'<form method="post" action="/logout/"[^>]*>(.*?)</form>', page, flags=re.S).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', navbar).group(1)
    assert client.post("/logout/", data={"csrf_token": token}).status_code == 302
    assert not signed_in(client)


# --- password, deactivation, roles -------------------------------------------------------------


def test_own_password_change_ends_the_other_sessions_and_keeps_this_one(app, client_as):
    here, elsewhere = client_as("clerk"), client_as("clerk")
    token = jwt_header(app.test_client(), "clerk")
    response = here.post("/resetmypassword/form", data={
        "current_password": DEMO_PASSWORD, "password": STRONG, "conf_password": STRONG,
    })
    assert response.status_code == 302
    assert signed_in(here)
    assert not signed_in(elsewhere)
    assert not token_works(app.test_client(), token)


def test_a_password_reset_by_the_administrator_ends_the_users_sessions(app, client_as):
    clerk = client_as("clerk")
    token = jwt_header(app.test_client(), "clerk")
    xz_admin = client_as("xz_admin")
    response = xz_admin.post(
        f"/resetpassword/form?pk={user_id(app, 'clerk')}",
        data={"password": STRONG, "conf_password": STRONG},
    )
    assert response.status_code == 302
    assert not signed_in(clerk)
    assert not token_works(app.test_client(), token)
    assert signed_in(xz_admin)


def edit_user(admin, app, username: str, **changes) -> None:
    pk = user_id(app, username)
    data = form_values(admin.get(f"/users/edit/{pk}"))
    data.update(changes)
    data = {k: v for k, v in data.items() if v is not None}
    response = admin.post(f"/users/edit/{pk}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]


def test_deactivation_ends_the_users_sessions(app, client_as):
    handler = client_as("handler")
    token = jwt_header(app.test_client(), "handler")
    edit_user(client_as("admin"), app, "handler", active=None)
    with database(app) as s:
        assert s.execute(select(AppUser.active).where(AppUser.username == "handler")).scalar() is False
    assert not signed_in(handler)
    assert not token_works(app.test_client(), token)


def test_a_role_change_ends_the_users_sessions(app, client_as):
    clerk = client_as("clerk")
    token = jwt_header(app.test_client(), "clerk")
    admin = client_as("admin")
    with database(app) as s:
        manager_role = s.execute(text("SELECT id FROM ab_role WHERE name = '管理者'")).scalar()
    edit_user(admin, app, "clerk", roles=[str(manager_role)])
    assert not signed_in(clerk)
    assert not token_works(app.test_client(), token)


def test_saving_the_user_form_unchanged_keeps_the_sessions(app, client_as):
    clerk = client_as("clerk")
    edit_user(client_as("admin"), app, "clerk")
    assert signed_in(clerk)


# --- the administrator's "sign out everywhere" --------------------------------------------------


def test_the_township_administrator_signs_a_user_out_everywhere(app, client_as):
    clerk, clerk2 = client_as("clerk"), client_as("clerk2")  # 城关镇, 河东镇
    token = jwt_header(app.test_client(), "clerk")
    xz_admin = client_as("xz_admin")  # 城关镇
    clerk_id, clerk2_id = user_id(app, "clerk"), user_id(app, "clerk2")

    assert "强制下线" in xz_admin.get(f"/users/show/{clerk_id}").get_data(as_text=True)
    # Another township's user is out of reach: nothing happens to them.
    refused = xz_admin.post("/users/action_post", data={"action": "end_sessions", "rowid": [str(clerk2_id)]})
    assert refused.status_code == 404
    assert signed_in(clerk2)

    response = xz_admin.post("/users/action_post", data={"action": "end_sessions", "rowid": [str(clerk_id)]})
    assert response.status_code == 302
    assert not signed_in(clerk)
    assert not token_works(app.test_client(), token)
    assert signed_in(xz_admin) and signed_in(clerk2)

    with database(app) as s:
        entry = s.execute(
            select(AuditEntry).where(AuditEntry.kind == "logout", AuditEntry.record_id == str(clerk_id))
            .order_by(AuditEntry.id.desc())
        ).scalars().first()
    assert entry.username == "xz_admin"
    assert json.loads(entry.details)["reason"] == "all sessions ended by an administrator"

    login(clerk, "clerk")  # the user simply signs in again
    assert signed_in(clerk)


def test_roles_without_user_administration_cannot_sign_anyone_out(app, client_as):
    leader = client_as("leader")
    clerk = client_as("clerk")
    response = leader.post(
        "/users/action_post", data={"action": "end_sessions", "rowid": [str(user_id(app, "clerk"))]}
    )
    assert response.status_code == 403
    assert signed_in(clerk)
