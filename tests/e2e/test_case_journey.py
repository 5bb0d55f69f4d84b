"""Journey: a clerk registers a petition, a leader instructs, the clerk assigns it, the unit's
handler answers, the leader approves and signs, the clerk records the follow-up and closes the
case — each in their own browser session — and the timeline shows every step."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import browser_login, untranslated_words
from tests.support import valid_id_number

pytestmark = pytest.mark.e2e


def take_step(page, code: str, fields: dict[str, str] | None = None, selects: dict[str, str] | None = None):
    """Open a step's form on the case page, fill it and confirm; wait for the success message."""
    page.click(f"#step-{code} .xf-step-toggle")
    page.wait_for_selector(f"#step-body-{code}.in")
    for name, value in (fields or {}).items():
        page.fill(f"#{code}-{name}", value)
    for name, value in (selects or {}).items():
        page.select_option(f"#{code}-{name}", value)
    # Wait for the step's own response: the page before may already show a success message.
    with page.expect_navigation():
        page.click(f"#submit-{code}")
    assert "已办理" in page.inner_text(".alert-success")


def open_case(page, base: str, number: str) -> None:
    """From the home page's work queue, open the case."""
    page.goto(f"{base}/")
    page.click(f"#queue a:has-text('{number}')")
    page.wait_for_url(re.compile(r"/cases/show/\d+"))


def switch_user(page, base: str, username: str) -> None:
    browser_login(page, base, username)


def test_case_from_registration_to_closing(page, live_server):
    base = live_server.url

    # The clerk registers the petition.
    browser_login(page, base, "clerk")
    page.goto(f"{base}/cases/add")
    page.select_option("#channel", "visit")
    page.select_option("#category", "claim")
    page.fill("#title", "反映前进村饮水井水质发黄")
    page.fill("#content", "村里饮水井近一个月水质发黄有异味，村民无法饮用。")
    page.fill("input[name='petitioners-0-name']", "孙长林")
    page.fill("input[name='petitioners-0-id_number']", valid_id_number("19580909", "271"))
    page.fill("input[name='petitioners-0-phone']", "13904512345")
    page.click("form#model_form button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/receipt/"))  # the 查询码, shown once
    page.click("#case-list")
    page.wait_for_url(re.compile(r"/cases/list/"))
    row = page.locator("table.table tbody tr", has_text="反映前进村饮水井水质发黄").first
    number = re.search(r"XF\d{4}-\d{6}", row.inner_text()).group(0)

    # It waits in the clerk's queue; the clerk accepts it and drafts the proposal.
    open_case(page, base, number)
    assert "已登记" in page.inner_text("#case-status")
    assert untranslated_words(page) == []
    take_step(page, "accept", {"note": "属本镇职责，予以受理。"})
    take_step(page, "propose", {"proposal": "建议交城关镇调查处理，10日内答复。"})

    # The leader instructs.
    switch_user(page, base, "leader")
    open_case(page, base, number)
    take_step(page, "instruct", {"text": "请城关镇立即组织水质检测，10日内办结并署名回复。"})
    assert "已批示" in page.inner_text("#case-status")

    # The clerk assigns it to the township with the fast-track deadline.
    switch_user(page, base, "clerk")
    open_case(page, base, number)
    town_id = page.eval_on_selector(
        "#assign-unit", "s => [...s.options].find(o => o.text === '城关镇').value"
    )
    take_step(page, "assign", {"note": "请按期办理。"}, {"unit": town_id, "rule": "fast_track"})
    assert "已交办" in page.inner_text("#case-status")
    assert page.inner_text("#due-date")

    # The handler confirms receipt and answers with findings and a draft reply.
    switch_user(page, base, "handler")
    open_case(page, base, number)
    take_step(page, "receive", {"note": "已安排专人办理。"})
    take_step(page, "submit_findings", {
        "findings": "经检测，井水铁锰超标。已协调供水站接通自来水管网。",
        "reply_draft": "经检测，你反映的饮水井铁锰超标属实。镇政府已协调接通自来水，现已正常供水。",
    })
    assert "待审核" in page.inner_text("#case-status")

    # The leader approves and signs the reply.
    switch_user(page, base, "leader")
    open_case(page, base, number)
    take_step(page, "approve", {"note": "同意。"})
    take_step(page, "sign_reply")
    assert "已答复" in page.inner_text("#case-status")
    assert "现已正常供水" in page.inner_text("#reply-text")

    # The clerk records the follow-up and closes the case.
    switch_user(page, base, "clerk")
    open_case(page, base, number)
    take_step(page, "follow_up", {"note": "信访人对处理结果表示满意。"},
              {"satisfaction": "satisfied", "method": "phone"})
    take_step(page, "close")
    assert "已结案" in page.inner_text("#case-status")
    # What is left is what the petitioner may still ask for: a review (复查).
    assert page.inner_text("#steps").split() == ["可办理事项", "申请复查"]

    # The timeline shows every step, who took it, in order.
    timeline = page.inner_text("#timeline")
    steps = ["已登记", "受理", "拟办意见", "领导批示", "交办", "签收", "提交调查处理意见",
             "审核通过", "签发答复", "回访", "结案存档"]
    positions = [timeline.index(s) for s in steps]
    assert positions == sorted(positions), timeline
    for who in ("张丽娟", "杨振华", "陈志强"):
        assert who in timeline
    assert "满意" in timeline
    assert untranslated_words(page) == []
    assert page.js_errors == []

    # The reply notice prints from the case.
    with page.expect_popup() as popup:
        page.click(".xf-notice-link:has-text('答复意见书')")
    notice = popup.value
    notice.wait_for_load_state()
    assert "现已正常供水" in notice.inner_text("body")
    assert notice.locator(".navbar").count() == 0
    notice.close()
