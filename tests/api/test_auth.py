"""Who may call the API: JWT logins, API keys per client (issued once, revoked at once), sessions
for reading only — and every call in the audit log."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEntry
from tests.api.support import issue_key, key_header, register_client, token


def test_login_gives_a_token_and_refuses_wrong_passwords_in_chinese(client):
    response = client.post("/api/v1/auth/login", json={"username": "clerk", "password": "wrong-Password1"})
    assert response.status_code == 401
    body = response.get_json()
    assert body["code"] == "invalid_credentials"
    assert "密码" in body["message"]
    # Chinese as UTF-8 in the body, not \\u escapes.
    assert "密码".encode() in response.get_data()

    headers = token(client, "clerk")
    assert client.get("/api/v1/cases/", headers=headers).status_code == 200


def test_without_credentials_every_resource_is_401(client):
    for path in ("/api/v1/cases/", "/api/v1/ledger-entries/", "/api/v1/mediation-records/",
                 "/api/v1/_openapi", "/api/v1/cases/1"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.get_json()["code"] == "unauthenticated"
    response = client.get("/api/v1/cases/", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.get_json()["code"] == "invalid_token"
    response = client.get("/api/v1/cases/", headers={"Authorization": "Basic abc"})
    assert response.get_json()["code"] == "invalid_authorization"


def test_a_browser_session_may_read_but_not_write(clerk_client):
    assert clerk_client.get("/api/v1/cases/?page_size=1").status_code == 200
    # The API takes no CSRF token, so a cookie alone must not write.
    response = clerk_client.post("/api/v1/cases/", json={})
    assert response.status_code == 401


def test_admin_issues_a_key_that_works_until_revoked(admin_client, client, db_session):
    from flask_appbuilder.security.sqla.models import ApiKey

    from app.api.models import ApiClient

    client_id = register_client(admin_client, db_session, name="12345热线平台", source="hotline12345",
                                role="登记员", org_name="城关镇")
    key = issue_key(admin_client, client_id)
    # Only a hash is kept; the page does not show the key again.
    stored = db_session.execute(select(ApiKey)).scalars().one()
    assert key not in (stored.key_hash, stored.lookup_hash)
    assert key not in admin_client.get(f"/api-clients/show/{client_id}").get_data(as_text=True)

    response = client.get("/api/v1/cases/?page_size=1", headers=key_header(key))
    assert response.status_code == 200
    # The technical user acts with the client's role and area.
    api_client = db_session.get(ApiClient, client_id)
    assert {r.name for r in api_client.user.roles} == {"登记员"}
    assert api_client.user.org_unit.name == "城关镇"

    page = admin_client.get(f"/api-clients/show/{client_id}").get_data(as_text=True)
    assert stored.name in page
    response = admin_client.post(f"/api-clients/revoke/{client_id}/{stored.uuid}")
    assert response.status_code == 302
    response = client.get("/api/v1/cases/?page_size=1", headers=key_header(key))
    assert response.status_code == 401
    assert response.get_json()["code"] == "api_key_revoked"
    # A wrong key is refused too.
    response = client.get("/api/v1/cases/", headers=key_header(key[:-4] + "abcd"))
    assert response.get_json()["code"] == "invalid_api_key"


def test_deactivating_the_client_refuses_its_keys(admin_client, client, db_session):
    client_id = register_client(admin_client, db_session, name="上级信访信息系统", source="provincial",
                                role="管理者", org_name="城关镇")
    key = issue_key(admin_client, client_id)
    assert client.get("/api/v1/cases/?page_size=1", headers=key_header(key)).status_code == 200
    body = admin_client.get(f"/api-clients/edit/{client_id}").get_data(as_text=True)
    import re

    version = re.search(r'name="row_version"[^>]*value="(\d+)"', body).group(1)
    from tests.api.support import org

    response = admin_client.post(f"/api-clients/edit/{client_id}", data={
        "name": "上级信访信息系统", "source": "provincial", "role": "管理者",
        "org_unit": str(org(db_session, "城关镇").id), "note": "", "row_version": version,
    })
    assert response.status_code == 302
    response = client.get("/api/v1/cases/", headers=key_header(key))
    assert response.status_code == 401
    assert response.get_json()["code"] == "api_client_inactive"


def test_only_administrators_manage_clients_and_read_the_swagger_page(client_as, admin_client):
    clerk = client_as("clerk")
    assert clerk.get("/api-clients/list/").status_code == 403
    assert clerk.get("/swagger/v1").status_code == 403
    page = admin_client.get("/swagger/v1")
    assert page.status_code == 200
    assert "swagger-ui" in page.get_data(as_text=True)


def test_role_without_the_permission_gets_403(client):
    # A manager reads cases but may not register them.
    headers = token(client, "manager")
    response = client.post("/api/v1/cases/", json={}, headers=headers)
    assert response.status_code == 403
    assert response.get_json()["code"] == "forbidden"


def test_every_call_is_audited_once(client, db_session):
    headers = token(client, "clerk")
    before = db_session.execute(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    client.get("/api/v1/cases/?page_size=3", headers=headers)
    client.get("/api/v1/cases/999999", headers=headers)
    client.get("/api/v1/cases/")
    entries = db_session.execute(
        select(AuditEntry).where(AuditEntry.id > before).order_by(AuditEntry.id)
    ).scalars().all()
    assert [e.kind for e in entries] == ["api", "api", "api"]
    assert entries[0].username == "clerk" and '"status": 200' in entries[0].details
    assert entries[1].record_id is None and '"error": "not_found"' in entries[1].details
    assert entries[2].username is None and '"status": 401' in entries[2].details
    # Lists are masked for everyone (issue 10): no personal data went out with the list…
    assert '"personal_data"' not in entries[0].details
    # …a case's own answer carries it in full to its handler, and the entry says which case.
    listed = client.get("/api/v1/cases/?page_size=50", headers=headers).get_json()["result"]
    pk = next(r["id"] for r in listed if any(p["id_number"] for p in r["petitioners"]))
    last = db_session.execute(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    assert client.get(f"/api/v1/cases/{pk}", headers=headers).get_json()["result"]["personal_data_masked"] is False
    entry = db_session.execute(select(AuditEntry).where(AuditEntry.id > last)).scalars().one()
    assert '"personal_data"' in entry.details
