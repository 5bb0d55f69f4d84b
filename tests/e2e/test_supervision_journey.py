"""Journey: the supervisor opens the overdue list, selects two overdue cases and issues one 督办
on them; the unit's handler answers in writing; the supervisor escalates one of the two cases to
约谈 and, from the 约谈 order, records an accountability decision (问责) — each in their own
browser session, every page in Chinese, screenshots of each stage in tests/e2e/artifacts/."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import ARTIFACTS, browser_login, untranslated_words
from tests.supervision.support import make_case

pytestmark = pytest.mark.e2e


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"supervision_{name}.png"), full_page=True)


def switch_user(page, base: str, username: str) -> None:
    browser_login(page, base, username)


def test_overdue_cases_to_supervision_escalation_and_accountability(page, live_server, db_session):
    base = live_server.url
    # Two of 城关镇's cases, long overdue (the top of the overdue list), for the township itself.
    first = make_case(db_session, title="东街路灯长期不亮无人修", due_in_days=-300, petitioner="赵春花")
    second = make_case(db_session, title="南关菜市场占道经营扰民", due_in_days=-299, petitioner="钱立新")

    # The supervisor opens the overdue list and selects both cases.
    browser_login(page, base, "supervisor")
    page.goto(f"{base}/supervision/overdue/list/")
    assert "超期" in page.inner_text("body")
    for case in (first, second):
        row = page.locator("table.table tbody tr", has_text=case.number).first
        row.locator("input.action_check").check()
    shot(page, "1_overdue_list")
    assert untranslated_words(page) == []
    page.click("text=操作")  # FAB's actions dropdown
    with page.expect_navigation():
        page.click("a.issue_order_menu_item")

    # One step: the issue form lists the two cases; a 督办 to their unit.
    cases_table = page.inner_text("#issue-cases")
    assert first.number in cases_table and second.number in cases_table
    page.select_option("#kind", "supervise")
    page.fill("#requirement", "两件均已超期，请于5个工作日内书面报告办理进展和超期原因。")
    shot(page, "2_issue_form")
    assert untranslated_words(page) == []
    with page.expect_navigation():
        page.click("#issue-submit")
    assert "已发出1份督办单" in page.inner_text(".alert-success")
    order_url = page.url
    assert re.search(r"/supervision/orders/show/\d+$", order_url)
    assert page.inner_text("#order-kind") == "督办"
    number = page.inner_text("#order-number")
    targets = page.inner_text("#order-targets")
    assert first.number in targets and second.number in targets

    # The unit (城关镇's handler) answers in writing.
    switch_user(page, base, "handler")
    page.goto(order_url)
    page.fill("#text", "东街路灯已报修，南关菜市场占道问题正在协调城管整治，预计月底完成。")
    with page.expect_navigation():
        page.click("#submit-answer")
    assert "已答复" in page.inner_text("#order-status")
    assert "东街路灯已报修" in page.inner_text("#order-answers")

    # The supervisor is not satisfied with the market case: escalates it alone to 约谈.
    switch_user(page, base, "supervisor")
    page.goto(order_url)
    assert "约谈" in page.inner_text("#panel-escalate")
    # Both cases are ticked to begin with; the supervisor keeps only the market case.
    page.locator("#panel-escalate label", has_text=first.number).locator("input").uncheck()
    assert page.locator("#panel-escalate label", has_text=second.number).locator("input").is_checked()
    page.fill("#panel-escalate textarea", "占道经营问题久拖未决，约谈城关镇分管负责人。")
    shot(page, "3_escalate")
    with page.expect_navigation():
        page.click("#submit-escalate")
    assert page.inner_text("#order-kind") == "约谈"
    talk_targets = page.inner_text("#order-targets")
    assert second.number in talk_targets and first.number not in talk_targets
    assert number in page.inner_text("#order-chain")
    talk_number = page.inner_text("#order-number")
    shot(page, "4_talk_order")
    assert untranslated_words(page) == []

    # From the 约谈 order: the accountability record, filled in with the order and its case.
    with page.expect_navigation():
        page.click("#record-accountability")
    assert page.input_value("#order_numbers") == talk_number
    assert second.number in page.input_value("#case_numbers")
    page.select_option("#kind", "talk")
    page.fill("#person_name", "孙某")
    page.fill("#person_post", "城关镇副镇长")
    page.fill("#reason", "南关菜市场占道经营问题经督办仍久拖未决。")
    page.fill("#decided_by", "县委县政府督查室")
    page.fill("#document_number", "青督约〔2026〕2号")
    shot(page, "5_accountability_form")
    assert untranslated_words(page) == []
    page.click("form#model_form button[type=submit]")
    page.wait_for_url(re.compile(r"/supervision/accountability/(list|show)"))
    page.goto(f"{base}/supervision/accountability/list/")
    row = page.locator("table.table tbody tr", has_text="青督约〔2026〕2号").first
    assert "孙某" in row.inner_text()
    with page.expect_navigation():
        row.locator("a[href*='/supervision/accountability/show/']").first.click()
    text = page.inner_text("body")
    assert talk_number in text and second.number in text
    assert "钱立新" not in text  # no petitioner on a page about officials
    shot(page, "6_accountability")
    assert untranslated_words(page) == []
    assert page.js_errors == []
