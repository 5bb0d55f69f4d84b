"""Journey: 城关镇's 乡镇管理员 copies the built-in 登记员 (only the grants of their own role come
along), names the copy 村排查员, ticks 矛盾纠纷排查·查看 in the matrix and saves: the role is listed as
城关镇's, and the grants beyond the administrator's own are greyed out."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import ARTIFACTS, browser_login, untranslated_words

pytestmark = pytest.mark.e2e


def test_a_township_administrator_makes_a_role_in_the_editor(live_server, page):
    base = live_server.url
    browser_login(page, base, "xz_admin")

    page.goto(f"{base}/rolegrants/")
    assert untranslated_words(page) == []
    row = page.locator("tr.xf-role[data-role='登记员']")
    assert "内置" in row.inner_text()
    row.locator("a.xf-copy").click()
    page.wait_for_url(re.compile(r".*/rolegrants/copy/\d+"))
    assert page.input_value("#name") == "登记员（副本）"
    # 信访件·新建 is the clerk's but not the 乡镇管理员's: offered greyed out, not ticked.
    assert page.locator("input[value='cases:add']").is_disabled()
    assert not page.locator("input[value='cases:add']").is_checked()
    page.fill("#name", "村排查员")
    page.fill("#description", "负责本村矛盾纠纷排查")
    page.check("input[value='sweeps:view']")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "role_editor_form.png"), full_page=True)
    page.click("#save-role")
    page.wait_for_url(re.compile(r".*/rolegrants/\d+$"))
    assert page.locator("input[value='sweeps:view']").is_checked()
    assert page.locator("input[value='cases:view']").is_checked()

    page.goto(f"{base}/rolegrants/")
    listed = page.locator("tr.xf-role[data-role='村排查员']").inner_text()
    assert "城关镇" in listed and "自定义" in listed
    page.screenshot(path=str(ARTIFACTS / "role_editor_list.png"), full_page=True)
