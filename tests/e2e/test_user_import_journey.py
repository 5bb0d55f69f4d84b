"""Journey: 城关镇's 乡镇管理员 opens 系统管理 → 从Excel导入用户, downloads the template, fills in two
village staff, uploads it; once the worker has run, takes the initial passwords (once: the button
is gone afterwards), and one of the new users signs in with theirs and is asked for a new one."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest

from tests.e2e.conftest import ARTIFACTS, browser_login, untranslated_words

pytestmark = pytest.mark.e2e


def test_a_township_administrator_imports_users(live_server, page, tmp_path):
    from app.core.imports import run_pending_imports

    base = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())
    browser_login(page, base, "xz_admin")
    page.goto(f"{base}/users/import/")
    assert untranslated_words(page) == []
    with page.expect_download() as template_info:
        page.click("#download-template")
    book = openpyxl.load_workbook(io.BytesIO(Path(template_info.value.path()).read_bytes()))
    sheet = book.worksheets[0]
    sheet.append(["欧阳小明", "ouyang_xm", "城关镇/红旗村", "村级信访信息员", "13800138001", None])
    sheet.append(["刘芳", "liu_fang", "团结村", "登记员", "13800138002", "liu_fang@example.cn"])
    filled = tmp_path / "村干部.xlsx"
    book.save(filled)
    page.set_input_files("#import-file", str(filled))
    with page.expect_navigation():
        page.click("#import-submit")
    assert re.search(r"/users/import/job/\d+$", page.url)

    run_pending_imports(live_server.app, "e2e-worker")  # what `flask xf worker` does
    page.reload()
    page.wait_for_selector("#import-result-form")
    assert page.inner_text("#import-result") == "导入 2 条记录，跳过已导入过的 0 行。"
    assert untranslated_words(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "user_import_done.png"), full_page=True)
    with page.expect_download() as passwords_info:
        page.click("#import-result-form button")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(passwords_info.value.path()).read_bytes())).worksheets[0]
    rows = {row[1]: row for row in sheet.iter_rows(min_row=2, max_row=3, values_only=True)}
    assert rows["ouyang_xm"][:4] == ("欧阳小明", "ouyang_xm", "红旗村", "村级信访信息员")
    page.reload()
    assert page.locator("#import-result-form").count() == 0
    assert page.locator("#import-result-taken").is_visible()

    browser_login(page, base, "ouyang_xm", rows["ouyang_xm"][4])
    page.goto(f"{base}/cases/list/")
    page.wait_for_url(re.compile(r".*/resetmypassword/form"))
    assert "请先设置新密码" in page.inner_text("body")
