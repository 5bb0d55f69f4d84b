"""Journey: the administrator connects the 12345 hotline — registers the platform, issues a key
(shown once), the platform calls the API with it, the key is revoked and refused; the API's
Swagger page opens for the administrator."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import browser_login, untranslated_words

pytestmark = pytest.mark.e2e


def test_admin_issues_and_revokes_a_key(page, live_server):
    base = live_server.url
    browser_login(page, base, "admin")
    page.goto(f"{base}/api-clients/add")
    assert untranslated_words(page) == []
    page.fill("#name", "12345热线平台")
    page.fill("#source", "hotline12345")
    page.select_option("#role", "登记员")
    page.select_option("#org_unit", label="城关镇")
    page.click("form#model_form button[type=submit]")
    page.wait_for_url(re.compile(r"/api-clients/list/"))
    assert "12345热线平台" in page.inner_text("body")

    page.click("a[href*='/api-clients/show/']")
    page.wait_for_url(re.compile(r"/api-clients/show/"))
    page.click("#issue-key")
    page.wait_for_selector("#new-key")
    key = re.search(r"xfk_[A-Za-z0-9_-]+", page.inner_text("#new-key")).group(0)
    page.screenshot(path="tests/e2e/artifacts/api_client_key_issued.png", full_page=True)

    api = page.context.request
    answer = api.get(f"{base}/api/v1/cases/?page_size=1", headers={"Authorization": f"Bearer {key}"})
    assert answer.status == 200 and answer.json()["count"] > 0

    page.goto(page.url.replace("/issue/", "/show/"))
    assert key not in page.inner_text("body")  # shown only once
    page.on("dialog", lambda dialog: dialog.accept())
    page.click(".xf-revoke")
    page.wait_for_selector(".alert-success")
    assert "已吊销" in page.inner_text("#api-keys")
    assert set(untranslated_words(page)) <= {"hotline"}  # the source code is data
    answer = api.get(f"{base}/api/v1/cases/?page_size=1", headers={"Authorization": f"Bearer {key}"})
    assert answer.status == 401 and answer.json()["code"] == "api_key_revoked"
    assert page.js_errors == []


def test_swagger_page_for_the_administrator(page, live_server):
    base = live_server.url
    browser_login(page, base, "admin")
    page.goto(f"{base}/swagger/v1")
    page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    assert "/api/v1/cases/" in page.inner_text("#swagger-ui")
    assert page.js_errors == []
