"""Journeys under the real Content-Security-Policy, CSRF on: a locked account and its unlock;
an attachment uploaded and downloaded; the administrator reading and exporting the audit log.
No console errors anywhere (a CSP violation is one)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.e2e.conftest import browser_login, untranslated_words
from tests.support import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def submit_login(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def logout(page, base: str) -> None:
    """Through the user menu's 退出登录 (a form POST with the CSRF token)."""
    page.click("#xf-user-menu")
    with page.expect_navigation():
        page.click("#xf-logout")
    assert "/login/" in page.url
    page.goto(f"{base}/cases/list/")
    assert "/login/" in page.url  # signed out on the server too


def test_locked_account_is_unlocked_by_the_township_administrator(page, live_server):
    base = live_server.url
    for _ in range(5):
        submit_login(page, base, "clerk", "wrong-password-1")
    # Locked: the right password is refused too, with the same words as a wrong one.
    submit_login(page, base, "clerk", DEMO_PASSWORD)
    assert "用户名或密码错误" in page.inner_text(".alert")
    assert "/login/" in page.url

    browser_login(page, base, "xz_admin")
    page.goto(f"{base}/users/list/")
    row = page.locator("table.table tbody tr", has_text="clerk").filter(has_not_text="clerk2").first
    assert re.search(r"\d{4}-\d{2}-\d{2}", row.inner_text())  # 锁定时间 shown
    row.locator("input.action_check").check()
    page.click("text=操作")  # FAB's actions dropdown
    page.click("a.unlock_menu_item")
    with page.expect_navigation():
        page.click("#modal-confirm-ok")
    assert "已解锁 1 个账号" in page.inner_text(".alert-success")
    assert untranslated_words(page) == []
    logout(page, base)

    browser_login(page, base, "clerk")
    assert "您好" in page.inner_text("h2")
    assert "被锁定过 1 次" in page.inner_text(".alert")  # the real user hears of the lock
    assert page.js_errors == []


def test_attachment_and_audit_log_under_csp(page, live_server, tmp_path):
    base = live_server.url
    with live_server.app.app_context():
        from app.cases.models import Case
        from app.extensions import db
        from app.org.models import OrgUnit

        town = db.session.execute(select(OrgUnit).where(OrgUnit.name == "城关镇")).scalar_one()
        case_id, number = db.session.execute(
            select(Case.id, Case.number).where(Case.township_id == town.id).limit(1)
        ).one()
        db.session.remove()

    browser_login(page, base, "clerk")
    response = page.goto(f"{base}/cases/show/{case_id}")
    csp = response.headers["content-security-policy"]
    assert "'nonce-" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    page.click("#case-attachments")
    page.wait_for_url(re.compile(rf"/attachments/case/{case_id}"))
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(PNG)
    page.set_input_files("#file", str(photo))
    page.fill("#description", "施工现场")
    with page.expect_navigation():
        page.click("#upload-submit")
    assert "已上传附件" in page.inner_text(".alert-success")
    assert "现场照片.png" in page.inner_text("table.xf-attachments")
    assert untranslated_words(page) == []
    with page.expect_download() as download_info:
        page.click("table.xf-attachments a:has-text(\"现场照片.png\")")
    downloaded = Path(download_info.value.path())
    assert downloaded.read_bytes() == PNG
    assert download_info.value.suggested_filename == "现场照片.png"

    # Select2 boxes still work under the CSP (FAB's inline init scripts carry the nonce).
    page.goto(f"{base}/cases/add")
    page.click("#select2-category-container")
    page.click(".select2-results__option >> text=申诉求决类")
    assert page.input_value("#category") == "claim"
    assert page.js_errors == []
    logout(page, base)

    browser_login(page, base, "admin")
    page.click("text=系统管理")
    page.click("text=审计日志")
    page.wait_for_url(re.compile(r"/audit/list/"))
    page.select_option("#q_kind", "personal_data")
    page.fill("#q_username", "clerk")
    page.click("#quick-search-submit")
    page.wait_for_url(re.compile(r"q_kind=personal_data"))
    rows = page.locator("table.table tbody tr")
    assert rows.count() >= 1
    assert number in rows.first.inner_text() and "查看个人信息" in rows.first.inner_text()
    assert untranslated_words(page) == []
    with page.expect_download() as export_info:
        page.click("#export-xlsx")
    assert export_info.value.suggested_filename.endswith(".xlsx")
    assert Path(export_info.value.path()).read_bytes()[:2] == b"PK"
    rows.first.locator("a[href*='/audit/show/']").click()
    page.wait_for_url(re.compile(r"/audit/show/"))
    assert number in page.inner_text("body")
    assert page.js_errors == []
