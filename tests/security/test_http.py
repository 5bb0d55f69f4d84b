"""What every response carries: security headers, a CSP nonce on every script, CSRF on every
state-changing request, escaped user text, and Chinese error pages without internals."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.cases.models import Case
from app.org.models import OrgUnit
from tests.conftest import make_app
from tests.forms import form_values
from tests.isolated import database
from tests.support import DEMO_PASSWORD, case_form, page_text


def csrf_token(response) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.get_data(as_text=True))
    if match is None:
        match = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert match, "no CSRF token on the page"
    return match.group(1)


def csrf_login(client, username: str) -> str:
    token = csrf_token(client.get("/login/"))
    response = client.post(
        "/login/", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302 and "/login" not in response.headers["Location"]
    return csrf_token(client.get("/cases/add"))


@pytest.fixture
def csrf_app(database_uri):
    application = make_app(database_uri, WTF_CSRF_ENABLED=True)
    yield application
    with application.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


def count_cases(app) -> int:
    with database(app) as s:
        return s.execute(select(func.count()).select_from(Case)).scalar()


def registered_case(app) -> tuple[int, str, int]:
    """A newly registered (so still voidable) 城关镇 case: id, title, version."""
    from datetime import datetime

    from app.cases.models import Petitioner
    from app.core.database import write_transactions

    with write_transactions(), database(app) as s:
        town = s.execute(select(OrgUnit).where(OrgUnit.name == "城关镇")).scalar_one()
        case = Case(
            channel="visit", received_at=datetime(2026, 1, 5, 9, 0), township_id=town.id,
            category="claim", title="测试登记", content="测试内容", people_count=1,
            petitioners=[Petitioner(name="测试人")],
        )
        s.add(case)
        s.commit()
        return case.id, case.title, case.version


# --- headers ------------------------------------------------------------------------------------


def test_security_headers_on_every_kind_of_response(client_as, client):
    clerk = client_as("clerk")
    for response in (
        client.get("/login/"),
        clerk.get("/cases/list/"),
        clerk.get("/cases/show/999999"),
        clerk.get("/static/css/app.css"),
    ):
        headers = response.headers
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "object-src 'none'" in csp
        assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]
        assert "unsafe-eval" not in csp


def test_every_script_carries_this_requests_nonce(client_as):
    clerk = client_as("clerk")
    nonces = set()
    for path in ("/cases/list/", "/cases/add", "/", "/users/userinfo/"):
        response = clerk.get(path)
        assert response.status_code == 200, path
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
        scripts = re.findall(r"<script\b[^>]*>", response.get_data(as_text=True))
        assert scripts, path
        for tag in scripts:
            assert f'nonce="{nonce}"' in tag, (path, tag)
        body = response.get_data(as_text=True)
        assert not re.search(r"\son[a-z]+\s*=", re.sub(r"<script.*?</script>", "", body, flags=re.S)), path
        nonces.add(nonce)
    assert len(nonces) == 4  # a fresh nonce per response


# --- CSRF -----------------------------------------------------------------------------------------


def test_posts_without_a_csrf_token_are_refused_and_change_nothing(csrf_app):
    client = csrf_app.test_client()
    token = csrf_login(client, "admin")
    case_id, title, version = registered_case(csrf_app)
    town_id = registered_case_township(csrf_app, case_id)
    before = count_cases(csrf_app)

    refused = [
        client.post("/cases/add", data=case_form(town_id)),
        client.post(f"/cases/edit/{case_id}", data={"title": "被篡改的标题", "row_version": str(version)}),
        client.post(f"/cases/delete/{case_id}"),
        client.post("/cases/action_post", data={"action": "bulk_assign", "rowid": [str(case_id)]}),
        client.post(f"/cases/step/{case_id}/void", data={"reason": "误登记", "version": str(version)}),
        client.post(f"/attachments/case/{case_id}/upload", data={}),
        client.post("/resetmypassword/form", data={"password": "Qingshan#2026x", "conf_password": "Qingshan#2026x"}),
    ]
    for response in refused:
        assert response.status_code == 400, response.request.path
        assert "重新" in page_text(response) and "CSRF" not in page_text(response)
    with database(csrf_app) as s:
        case = s.get(Case, case_id)
        assert case is not None and case.title == title and case.version == version
        assert case.status == "registered"
    assert count_cases(csrf_app) == before

    # A wrong token is no better than none.
    bad = client.post(f"/cases/delete/{case_id}", data={"csrf_token": token[:-4] + "abcd"})
    assert bad.status_code == 400

    # The same request with the page's token goes through (so the refusals above were CSRF).
    ok = client.post(f"/cases/step/{case_id}/void",
                     data={"reason": "误登记", "version": str(version), "csrf_token": token})
    assert ok.status_code == 302
    with database(csrf_app) as s:
        assert s.get(Case, case_id).status == "voided"


def registered_case_township(app, case_id: int) -> int:
    with database(app) as s:
        return s.get(Case, case_id).township_id


def test_login_itself_needs_the_token(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/login/", data={"username": "clerk", "password": DEMO_PASSWORD})
    assert client.get("/cases/list/").status_code == 302  # not logged in
    # Refused like any form without its token: 400, saying what to do.
    assert response.status_code == 400
    assert "表单已过期或并非从本系统提交" in page_text(response)


def test_mutations_by_get_are_refused(csrf_app):
    client = csrf_app.test_client()
    csrf_login(client, "admin")
    case_id, _title, _version = registered_case(csrf_app)
    client.get(f"/cases/delete/{case_id}")
    client.get(f"/cases/step/{case_id}/void?reason=x")
    client.get(f"/cases/action/bulk_assign/{case_id}")
    with database(csrf_app) as s:
        assert s.get(Case, case_id).status == "registered"


# --- escaping -------------------------------------------------------------------------------------


def test_user_text_is_escaped_everywhere_it_is_shown(app, clerk_client):
    with database(app) as s:
        town_id = s.execute(select(OrgUnit.id).where(OrgUnit.name == "城关镇")).scalar()
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = clerk_client.post(
        "/cases/add",
        data=case_form(town_id, title=payload, content=payload, **{"petitioners-0-name": "<b>张</b>"}),
    )
    assert response.status_code == 302
    with database(app) as s:
        case_id = s.execute(select(func.max(Case.id))).scalar()
    for path in ("/cases/list/?q_keyword=alert", f"/cases/show/{case_id}", f"/cases/edit/{case_id}"):
        body = clerk_client.get(path).get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body and "<b>张</b>" not in body, path
        assert "&lt;script&gt;alert" in body, path
    data = form_values(clerk_client.get(f"/cases/edit/{case_id}"))
    assert data["title"] == payload  # kept intact as text, only escaped on output


# --- error pages ----------------------------------------------------------------------------------


def test_a_crash_shows_the_chinese_500_page_without_internals(database_uri):
    app = make_app(database_uri, TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internal detail: password=hunter2")

    client = app.test_client()
    response = client.get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "系统错误" in page_text(response)
    for leak in ("Traceback", "RuntimeError", "hunter2", "secret internal detail", 'File "'):
        assert leak not in body
    assert response.headers["X-Frame-Options"] == "DENY"
    api = client.get("/boom", headers={"Accept": "application/json"})
    assert api.status_code == 500 and api.json["code"] == "http_500"
    assert "hunter2" not in api.get_data(as_text=True)


def test_403_and_404_pages_are_chinese(client_as):
    clerk = client_as("clerk")
    missing = clerk.get("/no-such-page")
    assert missing.status_code == 404 and "不存在" in page_text(missing)
    forbidden = clerk.get("/audit/list/")
    assert forbidden.status_code == 403
    assert "无权访问" in page_text(forbidden)
