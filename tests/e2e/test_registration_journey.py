"""Journey: a township clerk registers a petition with two petitioners and finds it by number;
a clerk of another township cannot find it."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import browser_login, untranslated_words
from tests.support import valid_id_number

pytestmark = pytest.mark.e2e


def test_clerk_registers_and_other_township_cannot_see(page, live_server):
    base = live_server.url
    browser_login(page, base, "clerk")
    assert "您好" in page.inner_text("h2")

    page.goto(f"{base}/cases/add")
    assert page.title().startswith("信访登记")
    assert untranslated_words(page) == []
    page.select_option("#channel", "visit")
    page.select_option("#category", "claim")
    page.fill("#title", "反映红旗村道路施工停工")
    page.fill("#content", "通往镇上的水泥路停工半年，雨天无法通行，请尽快恢复施工。")
    page.fill("input[name='petitioners-0-name']", "赵大山")
    page.fill("input[name='petitioners-0-id_number']", valid_id_number("19700512", "031"))
    page.fill("input[name='petitioners-0-phone']", "13904510000")
    page.click("#add-petitioner")
    page.fill("input[name='petitioners-1-name']", "钱小红")
    page.fill("input[name='petitioners-1-phone']", "0451-87650000")
    page.fill("#people_count", "2")
    page.click("form#model_form button[type=submit]")

    # The page after saving shows the 查询码 once; from there, the case list.
    page.wait_for_url(re.compile(r"/cases/receipt/"))
    assert re.search(r"信访件 XF\d{4}-\d{6} 已登记", page.inner_text(".alert-success"))
    page.click("#case-list")
    page.wait_for_url(re.compile(r"/cases/list/"))
    first_row = page.locator("table.table tbody tr").first
    number = re.search(r"XF\d{4}-\d{6}", first_row.inner_text()).group(0)
    assert "赵大山、钱小红" in first_row.inner_text()

    page.fill("#q_number", number)
    page.click("#quick-search-submit")
    page.wait_for_url(re.compile(r"q_number="))
    rows = page.locator("table.table tbody tr")
    assert rows.count() == 1
    assert number in rows.first.inner_text()
    assert untranslated_words(page) == []
    assert page.js_errors == []

    # Another township's clerk: the case is not in their list, and not reachable by URL.
    browser_login(page, base, "clerk2")
    page.goto(f"{base}/cases/list/?q_number={number}")
    assert number not in page.inner_text("body")
    assert "没有找到记录" in page.inner_text("body")  # an empty list, not an error page
