"""A new SECRET_KEY invalidates every API key handed out (Flask-AppBuilder keys the lookup hash
with it); `flask xf reissue-api-keys` revokes them and issues each active client a new one,
shown once (issue 16, item 18)."""

from __future__ import annotations

import re

from flask_appbuilder.security.sqla.models import ApiKey
from sqlalchemy import select

from app.api.models import ApiClient
from tests.api.support import issue_key, key_header, register_client
from tests.conftest import make_app

NEW_SECRET = "a-rotated-secret-key-" + "r" * 30


def run_cli(app, *args: str):
    # In this app's own context: flask's with_appcontext would otherwise reuse the one the
    # db_session fixture has pushed (another app, with the old SECRET_KEY).
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def works(client, key: str) -> bool:
    response = client.get("/api/v1/cases/?page_size=1", headers=key_header(key))
    assert response.status_code in (200, 401), response.get_data(as_text=True)
    return response.status_code == 200


def test_rotating_the_secret_breaks_keys_and_reissuing_mends_them(admin_client, client, db_session, database_uri):
    hotline = register_client(admin_client, db_session, name="12345热线平台", source="hotline12345",
                              role="登记员", org_name="城关镇")
    provincial = register_client(admin_client, db_session, name="上级信访信息系统", source="provincial",
                                 role="管理者", org_name="城关镇")
    register_client(admin_client, db_session, name="未签发密钥的平台", source="idle",
                    role="管理者", org_name="城关镇")
    old_keys = [issue_key(admin_client, hotline), issue_key(admin_client, hotline),
                issue_key(admin_client, provincial)]
    assert all(works(client, key) for key in old_keys)

    rotated = make_app(database_uri, SECRET_KEY=NEW_SECRET)
    after = rotated.test_client()
    assert not any(works(after, key) for key in old_keys)  # what the README warns about

    result = run_cli(rotated, "xf", "reissue-api-keys", "--yes")
    assert result.exit_code == 0, result.output
    issued = dict(re.findall(r"\((\w+)\): (xfk_[A-Za-z0-9_-]{20,})", result.output))
    assert sorted(issued) == ["hotline12345", "provincial"]  # the client without keys gets none
    assert all(works(after, key) for key in issued.values())
    assert not any(works(after, key) for key in old_keys)

    db_session.expire_all()
    user_of = {c.source: c.user_id for c in db_session.execute(select(ApiClient)).scalars()}
    keys = db_session.execute(select(ApiKey)).scalars().all()
    live = sorted((k.user_id, k.revoked_on is None) for k in keys if k.revoked_on is None)
    assert live == sorted([(user_of["hotline12345"], True), (user_of["provincial"], True)])
    assert sum(1 for k in keys if k.revoked_on is not None) == len(old_keys)
    assert not [k for k in keys if k.user_id == user_of["idle"]]


def test_reissuing_one_client_leaves_the_others_alone(admin_client, client, db_session, database_uri):
    hotline = register_client(admin_client, db_session, name="12345热线平台", source="hotline12345",
                              role="登记员", org_name="城关镇")
    provincial = register_client(admin_client, db_session, name="上级信访信息系统", source="provincial",
                                 role="管理者", org_name="城关镇")
    hotline_key, provincial_key = issue_key(admin_client, hotline), issue_key(admin_client, provincial)
    result = run_cli(make_app(database_uri), "xf", "reissue-api-keys", "--source", "hotline12345", "--yes")
    assert result.exit_code == 0, result.output
    assert "provincial" not in result.output
    new_key = re.search(r"xfk_[A-Za-z0-9_-]{20,}", result.output).group(0)
    assert works(client, new_key) and works(client, provincial_key)
    assert not works(client, hotline_key)
