"""Journey: 城关镇's clerk answers a simple matter at the window in one form (当场办结), the
town's leader approves it from the queue in one click, and 城关镇's 承办人 林晓芳 finds the cases
she holds in 我的信访件 (首办责任人), each flagged by the work queue's deadline rules."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import ARTIFACTS, browser_login, untranslated_words

pytestmark = pytest.mark.e2e


def test_on_the_spot_in_one_form_and_a_handlers_own_queue(live_server, page):
    base = live_server.url
    browser_login(page, base, "clerk")

    # 1. One form: register, answer and close.
    page.goto(f"{base}/cases/on-the-spot/")
    assert untranslated_words(page) == []
    page.select_option("#spot-category", "claim")
    page.select_option("#spot-subject", label="劳动社保")
    page.fill("#spot-title", "咨询失业保险金申领条件")
    page.fill("#spot-content", "询问失业后如何申领失业保险金。")
    page.fill("#spot-name", "韩桂芳")
    page.fill("#spot-phone", "13912345678")
    page.fill("#spot-reply_text", "已当场告知申领条件、所需材料和线上办理渠道。")
    page.select_option("#spot-satisfaction", "satisfied")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "on_the_spot_form.png"), full_page=True)
    page.click("#spot-submit")
    # Saved: the receipt with the 查询码 and the 受理告知书 to print.
    page.wait_for_url(re.compile(r".*/cases/receipt/\d+.*"))
    case_id = re.search(r"/cases/receipt/(\d+)", page.url).group(1)

    # 2. The town's leader approves it from the queue in one click; the case is closed.
    browser_login(page, base, "leader")
    page.goto(f"{base}/")
    page.click(f"#quick-approve-{case_id}")
    page.wait_for_url(re.compile(rf".*/cases/show/{case_id}"))
    assert "已结案" in page.inner_text("body")
    assert not page.js_errors, page.js_errors

    # 3. 林晓芳's own cases, most urgent first, flagged like the work queue.
    browser_login(page, base, "handler_cg")
    page.goto(f"{base}/cases/mine/")
    assert untranslated_words(page) == []
    rows = page.locator("#my-cases tbody tr")
    assert rows.count() >= 1
    first = rows.first.locator("a").first
    number = first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "my_cases_handler.png"), full_page=True)
    first.click()
    assert page.inner_text("#fact-handler") == "林晓芳"
    assert number in page.inner_text("body")
    assert not page.js_errors, page.js_errors
