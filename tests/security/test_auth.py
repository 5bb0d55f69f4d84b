"""Logging in safely: password rule, lockout and unlock, rate limit, idle timeout, cookies,
forced password change outside demo mode."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import func, select, text

from app.audit.models import AuditEntry
from app.security.models import AppUser
from tests.conftest import make_app
from tests.forms import form_values
from tests.isolated import database
from tests.support import DEMO_PASSWORD, county_now, form_errors, login, page_text

STRONG = "Qingshan#2026x"


def user(app, username: str) -> AppUser:
    with database(app) as s:
        found = s.execute(select(AppUser).where(AppUser.username == username)).scalar_one()
        s.expunge(found)
        return found


def try_login(client, username: str, password: str):
    return client.post("/login/", data={"username": username, "password": password}, follow_redirects=True)


def logged_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 200 and "/login/" not in response.request.path


# --- password rule --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1!", "至少 10 个字符"),
        ("abcdefghijkl", "三类"),
        ("abcdefgh1234", "三类"),
    ],
)
def test_weak_passwords_are_refused_when_adding_a_user(app, admin_client, password, message):
    before_count = select(func.count()).select_from(AppUser)
    with database(app) as s:
        before = s.execute(before_count).scalar()
        org_id = s.execute(select(AppUser.org_unit_id).where(AppUser.username == "clerk")).scalar()
        role_id = s.execute(text("SELECT id FROM ab_role WHERE name = '登记员'")).scalar()
    response = admin_client.post(
        "/users/add",
        data={
            "last_name": "周", "first_name": "新", "username": "new_clerk",
            "org_unit": str(org_id), "active": "y", "email": "new_clerk@demo.qingshan.gov.cn",
            "roles": [str(role_id)], "password": password, "conf_password": password,
        },
    )
    assert response.status_code == 200
    assert any(message in e for e in errors_on(response)), errors_on(response)
    with database(app) as s:
        assert s.execute(before_count).scalar() == before


def errors_on(response) -> list[str]:
    import re

    return [re.sub(r"\s+", " ", e) for e in re.findall(
        r'class="help-block"[^>]*>\s*(.*?)\s*</span>', response.get_data(as_text=True), flags=re.S
    )] + form_errors(response)


def test_own_password_change_follows_the_rule(app, clerk_client):
    weak = clerk_client.post(
        "/resetmypassword/form", data={"current_password": DEMO_PASSWORD, "password": "short1A", "conf_password": "short1A"}
    )
    assert any("至少 10 个字符" in e for e in errors_on(weak)), errors_on(weak)
    good = clerk_client.post(
        "/resetmypassword/form",
        data={"current_password": DEMO_PASSWORD, "password": STRONG, "conf_password": STRONG},
    )
    assert good.status_code == 302
    other = app.test_client()
    assert try_login(other, "clerk", DEMO_PASSWORD).request.path == "/login/"
    login(other, "clerk", STRONG)


def test_own_password_change_asks_for_the_current_password(app, clerk_client):
    page = clerk_client.get("/resetmypassword/form")
    body = page.get_data(as_text=True)
    assert "当前密码" in page_text(page)
    # Asked first, before the new password.
    assert body.index('name="current_password"') < body.index('name="password"')

    for current in (None, "", "Wrong#Pass2026"):
        data = {"password": STRONG, "conf_password": STRONG}
        if current is not None:
            data["current_password"] = current
        refused = clerk_client.post("/resetmypassword/form", data=data)
        assert refused.status_code == 200
        expected = "当前密码不正确" if current else "请输入当前密码"
        assert any(expected in e for e in errors_on(refused)), errors_on(refused)
    other = app.test_client()
    login(other, "clerk", DEMO_PASSWORD)  # unchanged

    good = clerk_client.post(
        "/resetmypassword/form",
        data={"current_password": DEMO_PASSWORD, "password": STRONG, "conf_password": STRONG},
    )
    assert good.status_code == 302
    login(app.test_client(), "clerk", STRONG)


# --- lockout --------------------------------------------------------------------------------------


REFUSED = "用户名或密码错误"


def set_locked_at(app, username: str, moment) -> None:
    with database(app) as s:
        s.execute(select(AppUser).where(AppUser.username == username)).scalar_one().locked_at = moment
        s.commit()


def test_five_wrong_passwords_lock_the_account_for_a_while(app, client):
    for _ in range(4):
        response = try_login(client, "clerk", "not-the-password")
        assert REFUSED in page_text(response)
    assert user(app, "clerk").locked_at is None
    before = county_now()
    try_login(client, "clerk", "not-the-password")
    locked = user(app, "clerk")
    assert before <= locked.locked_at <= county_now() + timedelta(seconds=1)

    # Even the right password is refused now — and the page reads exactly like a wrong password.
    response = try_login(client, "clerk", DEMO_PASSWORD)
    assert REFUSED in page_text(response)
    assert not logged_in(client)

    # 15 minutes (the default) later the lock has run out by itself.
    set_locked_at(app, "clerk", locked.locked_at - timedelta(minutes=14, seconds=50))
    assert not logged_in(login_attempt(client, "clerk", DEMO_PASSWORD))
    set_locked_at(app, "clerk", locked.locked_at - timedelta(minutes=15, seconds=1))
    login(client, "clerk")
    assert logged_in(client)
    assert user(app, "clerk").locked_at is None


def login_attempt(client, username: str, password: str):
    try_login(client, username, password)
    return client


def lock(app, client, username: str) -> AppUser:
    for _ in range(5):
        try_login(client, username, "not-the-password")
    locked = user(app, username)
    assert locked.locked_at is not None
    return locked


def test_each_further_lock_lasts_twice_as_long_until_a_login_succeeds(app, client):
    # Locks since the last successful login: 15, 30, 60 minutes …
    for minutes in (15, 30, 60):
        locked = lock(app, client, "leader")
        set_locked_at(app, "leader", locked.locked_at - timedelta(minutes=minutes, seconds=-10))
        try_login(client, "leader", DEMO_PASSWORD)
        assert not logged_in(client), minutes  # still locked just before the end
        set_locked_at(app, "leader", locked.locked_at - timedelta(minutes=minutes, seconds=1))
    # The third lock has run out: the right password works, and the series starts again.
    login(client, "leader")
    assert logged_in(client)
    client.post("/logout/")
    locked = lock(app, client, "leader")
    set_locked_at(app, "leader", locked.locked_at - timedelta(minutes=15, seconds=1))
    login(client, "leader")
    assert logged_in(client)


def test_a_locked_account_answers_like_an_unknown_name(app):
    def answers(username: str):
        browser = app.test_client()
        page = try_login(browser, username, "Whatever#2026")
        api = app.test_client().post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
        flashes = re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', page.get_data(as_text=True), flags=re.S)
        return page.status_code, page.request.path, [page_text_of(f) for f in flashes], api.status_code, api.get_json()

    lock(app, app.test_client(), "clerk")
    locked, unknown = answers("clerk"), answers("nobody-of-that-name")
    assert locked == unknown
    assert locked[3] == 401 and locked[4]["code"] == "invalid_credentials"
    assert any(REFUSED in text for text in locked[2])


def page_text_of(fragment: str) -> str:
    import html

    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def test_the_user_hears_of_the_locks_at_the_next_login_and_the_administrator_sees_them(app, client):
    began = []
    for _ in range(2):
        locked = lock(app, app.test_client(), "clerk")
        began.append(locked.locked_at)
        set_locked_at(app, "clerk", locked.locked_at - timedelta(days=1))
    response = client.post("/login/", data={"username": "clerk", "password": DEMO_PASSWORD}, follow_redirects=True)
    assert "账号因密码错误被锁定过 2 次" in page_text(response)
    # Said once.
    assert "被锁定过" not in page_text(client.get("/"))
    client.post("/logout/")
    response = client.post("/login/", data={"username": "clerk", "password": DEMO_PASSWORD}, follow_redirects=True)
    assert "被锁定过" not in page_text(response)

    with database(app) as s:
        entries = s.execute(
            select(AuditEntry).where(AuditEntry.kind == "login_failed", AuditEntry.username == "clerk")
            .order_by(AuditEntry.id)
        ).scalars().all()
    locks = [e for e in entries if json.loads(e.details).get("locked")]
    assert [json.loads(e.details)["locks"] for e in locks] == [1, 2]
    # The second lock lasted twice as long as the first: 30 minutes from when it began.
    until = (began[1] + timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M")
    assert json.loads(locks[1].details)["locked_until"] == until
    admin = app.test_client()
    login(admin, "admin")
    shown = page_text(admin.get(f"/audit/show/{locks[1].id}"))
    assert f"锁定至 {until}" in shown


def test_the_api_login_tells_of_locks_too(app, client):
    locked = lock(app, app.test_client(), "clerk")
    set_locked_at(app, "clerk", locked.locked_at - timedelta(days=1))
    body = client.post("/api/v1/auth/login", json={"username": "clerk", "password": DEMO_PASSWORD}).get_json()
    assert "被锁定过 1 次" in body["result"]["notice"]


def test_lockout_threshold_and_lock_time_are_configurable(database_uri):
    app = make_app(database_uri, AUTH_LOCKOUT_THRESHOLD=2, AUTH_LOCKOUT_MINUTES=10)
    client = app.test_client()
    try_login(client, "leader", "wrong")
    assert user(app, "leader").locked_at is None
    try_login(client, "leader", "wrong")
    locked = user(app, "leader")
    assert locked.locked_at is not None
    set_locked_at(app, "leader", locked.locked_at - timedelta(minutes=9))
    try_login(client, "leader", DEMO_PASSWORD)
    assert not logged_in(client)
    set_locked_at(app, "leader", locked.locked_at - timedelta(minutes=11))
    login(client, "leader")  # the lock has run out
    assert user(app, "leader").locked_at is None


def test_an_administrator_lifts_a_lock_early_in_their_township(app, client):
    lock(app, app.test_client(), "clerk")
    clerk_id = user(app, "clerk").id
    clerk2_id = user(app, "clerk2").id  # 河东镇
    xz = app.test_client()
    login(xz, "xz_admin")  # 城关镇
    refused = xz.post("/users/action_post", data={"action": "unlock", "rowid": [str(clerk2_id)]})
    assert refused.status_code == 404

    # …and sees in the list who is locked.
    assert "锁定时间" in page_text(xz.get("/users/list/"))
    assert "解锁" in page_text(xz.get(f"/users/show/{clerk_id}"))
    response = xz.post("/users/action_post", data={"action": "unlock", "rowid": [str(clerk_id)]})
    assert response.status_code == 302
    assert user(app, "clerk").locked_at is None
    login(client, "clerk")
    assert logged_in(client)


def test_locks_until_unlocked_when_configured(database_uri):
    app = make_app(database_uri, AUTH_LOCKOUT_MINUTES=0)
    locked = lock(app, app.test_client(), "clerk")
    set_locked_at(app, "clerk", locked.locked_at - timedelta(days=30))
    client = app.test_client()
    try_login(client, "clerk", DEMO_PASSWORD)
    assert not logged_in(client)


def test_cli_unlock(app):
    with database(app) as s:
        clerk = s.execute(select(AppUser).where(AppUser.username == "clerk")).scalar_one()
        clerk.locked_at = clerk.created_on
        clerk.fail_login_count = 5
        s.commit()
    result = app.test_cli_runner().invoke(args=["xf", "unlock", "clerk"])
    assert result.exit_code == 0, result.output
    assert user(app, "clerk").locked_at is None and user(app, "clerk").fail_login_count == 0


# --- rate limit -------------------------------------------------------------------------------------


def test_login_attempts_are_rate_limited(database_uri):
    app = make_app(
        database_uri, RATELIMIT_ENABLED=True, AUTH_RATE_LIMITED=True, AUTH_RATE_LIMIT="3 per minute"
    )
    client = app.test_client()
    statuses = [
        client.post("/login/", data={"username": "nobody", "password": "x"}).status_code
        for _ in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    refused = client.post("/login/", data={"username": "clerk", "password": DEMO_PASSWORD})
    assert refused.status_code == 429
    assert "尝试次数过多" in page_text(refused)
    assert client.get("/login/").status_code == 200  # only attempts are limited, not the form


# --- sessions and cookies ----------------------------------------------------------------------------


def test_session_expires_after_the_idle_time(database_uri, monkeypatch):
    app = make_app(database_uri, PERMANENT_SESSION_LIFETIME=timedelta(minutes=30))
    clock = {"now": 1_900_000_000}
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: clock["now"])
    client = app.test_client()
    login(client, "clerk")
    clock["now"] += 29 * 60
    assert client.get("/cases/list/").status_code == 200  # activity renews the session
    clock["now"] += 29 * 60
    assert client.get("/cases/list/").status_code == 200
    clock["now"] += 31 * 60  # idle for longer than the limit
    response = client.get("/cases/list/")
    assert response.status_code == 302 and "/login/" in response.headers["Location"]


def test_a_static_file_answered_after_logout_does_not_log_the_user_back_in(app, client):
    # A page's stylesheets and scripts are fetched in parallel; one answered after the user
    # pressed 退出 used to carry the old session cookie and put it back in the browser.
    login(client, "clerk")
    old_session = client.get_cookie("session").value
    client.post("/logout/")
    assert not logged_in(client)
    late = app.test_client()
    late.set_cookie("session", old_session)
    for path in ("/static/css/app.css", "/static/appbuilder/css/ab.css"):
        response = late.get(path)
        assert response.status_code == 200
        assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    # Even put back, the logged-out session opens nothing (it was ended on the server) …
    assert "/login/" in late.get("/cases/list/").headers["Location"]
    # … while a live session's pages still slide it.
    login(client, "clerk")
    page = client.get("/cases/list/")
    assert page.status_code == 200
    assert [c for c in page.headers.getlist("Set-Cookie") if c.startswith("session=")]


def test_session_cookie_flags(database_uri):
    app = make_app(database_uri, SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    response = client.post("/login/", data={"username": "clerk", "password": DEMO_PASSWORD})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert "Expires=" in cookie  # a permanent (idle-limited) session, not a browser session
    assert not any(c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie"))


def test_production_configuration_defaults(tmp_path):
    env = {
        **os.environ, "XF_ENV": "production", "SECRET_KEY": "s" * 40,
        "XF_INSTANCE_DIR": str(tmp_path),
    }
    env.pop("SESSION_COOKIE_SECURE", None)
    script = (
        "import config; print(config.SESSION_COOKIE_SECURE, config.REMEMBER_COOKIE_SECURE, "
        "config.DEMO_MODE, config.PERMANENT_SESSION_LIFETIME.total_seconds(), "
        "config.AUTH_LOCKOUT_THRESHOLD, config.FAB_PASSWORD_COMPLEXITY_ENABLED)"
    )
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "False", "1800.0", "5", "True"]
    env.pop("SECRET_KEY")
    refused = subprocess.run([sys.executable, "-c", "import config"], env=env, capture_output=True, text=True)
    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr


# --- forced password change ---------------------------------------------------------------------------


def test_demo_password_must_be_changed_outside_demo_mode(database_uri):
    app = make_app(database_uri, DEMO_MODE=False)
    client = app.test_client()
    login(client, "clerk")
    assert user(app, "clerk").must_change_password
    for path in ("/", "/cases/list/", "/users/userinfo/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].endswith("/resetmypassword/form"), path
    page = client.get("/resetmypassword/form")
    assert page.status_code == 200 and "请先设置新密码" in page_text(page)
    response = client.post(
        "/resetmypassword/form",
        data={"current_password": DEMO_PASSWORD, "password": STRONG, "conf_password": STRONG},
    )
    assert response.status_code == 302
    assert not user(app, "clerk").must_change_password
    assert client.get("/cases/list/").status_code == 200


def test_demo_mode_does_not_force_a_change(app, client):
    login(client, "clerk")
    assert client.get("/cases/list/").status_code == 200
    assert not user(app, "clerk").must_change_password


def test_a_password_set_by_an_administrator_is_for_one_login(database_uri):
    app = make_app(database_uri, DEMO_MODE=False)
    with database(app) as s:
        for username in ("xz_admin", "clerk"):
            s.execute(select(AppUser).where(AppUser.username == username)).scalar_one().must_change_password = False
        s.commit()
    clerk_id = user(app, "clerk").id
    xz = app.test_client()
    # (xz_admin first changes the demo password, as production requires)
    xz.post("/login/", data={"username": "xz_admin", "password": DEMO_PASSWORD})
    xz.post(
        "/resetmypassword/form",
        data={"current_password": DEMO_PASSWORD, "password": STRONG, "conf_password": STRONG},
    )
    page = xz.get(f"/resetpassword/form?pk={clerk_id}")
    assert page.status_code == 200
    response = xz.post(
        f"/resetpassword/form?pk={clerk_id}", data={"password": "Temp#Pass2026", "conf_password": "Temp#Pass2026"}
    )
    assert response.status_code == 302
    assert user(app, "clerk").must_change_password
    client = app.test_client()
    login(client, "clerk", "Temp#Pass2026")
    assert client.get("/cases/list/").headers["Location"].endswith("/resetmypassword/form")


def test_user_form_keeps_the_lock_fields_out_of_reach(app, admin_client):
    clerk_id = user(app, "clerk").id
    data = form_values(admin_client.get(f"/users/edit/{clerk_id}"))
    assert "locked_at" not in data and "must_change_password" not in data
