"""Journey: 城关镇's clerk reads the 值班表 (the county's and the township's, complete for 14 days),
logs a call taken on duty, and turns it into a petition case from the entry's "登记为信访件" button:
the registration form comes pre-filled, and the entry then links its case."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import ARTIFACTS, browser_login, untranslated_words

pytestmark = pytest.mark.e2e

SUMMARY = "来电反映新民村自来水停水三天无人处理，家中老人无法做饭"


def test_a_duty_shift_with_a_logged_call_turned_into_a_case(live_server, page):
    base = live_server.url
    browser_login(page, base, "clerk")

    # 1. The published roster: the county's and 城关镇's, the shift on duty now highlighted.
    page.goto(f"{base}/duty/roster/")
    assert untranslated_words(page) == []
    headings = page.locator("section.xf-roster h3").all_inner_texts()
    assert headings == ["青山县", "城关镇"]
    assert page.locator("tr.xf-on-duty").count() == 2
    assert page.locator(".xf-roster-gaps").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "duty_roster_clerk.png"), full_page=True)

    # 2. A call taken on duty is logged; the shift on duty is found by the time.
    page.goto(f"{base}/duty/log/add")
    assert untranslated_words(page) == []
    page.fill("#caller", "王小明")
    page.fill("#phone", "13812345678")
    page.fill("#summary", SUMMARY)
    page.fill("#action_taken", "已联系镇水务站上门查看")
    page.click("form#model_form button[type=submit]")
    page.wait_for_url(re.compile(r".*/duty/log/list/.*"))
    assert "王小明" in page.inner_text("body")

    # 3. Open the entry and register it as a case: the form arrives pre-filled.
    page.locator("tr", has_text="王小明").first.locator("a[href*='/duty/log/show/']").first.click()
    page.wait_for_url(re.compile(r".*/duty/log/show/\d+"))
    page.click("#register-case")
    page.wait_for_url(re.compile(r".*/cases/add\?duty_log=\d+"))
    assert page.input_value("#content") == SUMMARY
    assert page.input_value("input[name='petitioners-0-phone']") == "13812345678"
    assert page.input_value("input[name='petitioners-0-name']") == "王小明"
    assert page.input_value("#channel") == "phone"
    page.select_option("#category", "claim")
    page.click("form#model_form button[type=submit]")
    # Saved: the receipt page with the new case's 查询码, shown once.
    page.wait_for_url(re.compile(r".*/cases/receipt/\d+.*"))

    # 4. The entry links its case.
    page.goto(f"{base}/duty/log/list/")
    row = page.locator("tr", has_text="王小明").first
    assert re.search(r"XF\d{4}-\d+", row.inner_text()), row.inner_text()
    row.locator("a[href*='/duty/log/show/']").first.click()
    assert "已登记为信访件" in page.inner_text("#registered-case")
    assert page.locator("#register-case").count() == 0
    assert not page.js_errors, page.js_errors

    # 5. 河东镇's clerk sees their own roster with the night nobody covers, in red.
    browser_login(page, base, "clerk2")
    page.goto(f"{base}/duty/roster/")
    assert page.locator("section.xf-roster h3").all_inner_texts() == ["青山县", "河东镇"]
    gap = page.locator(".xf-roster-gaps")
    assert gap.count() == 1 and "无人值班" in gap.inner_text()
    assert "rgb(169, 68, 66)" == gap.evaluate("e => getComputedStyle(e).color") or "alert-danger" in gap.get_attribute("class")
    assert untranslated_words(page) == []
