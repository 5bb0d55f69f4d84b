"""Issue 18's journey: the clerk registers a visit with a mobile phone → the 查询码 is shown once
(and printed on the receipt) → the SMS outbox holds it → once the case is assigned, the
handler's navbar bell shows it → the handler opens it and reads "等待 … 签收"."""

from __future__ import annotations

import re

from sqlalchemy import create_engine, text

from tests.e2e.conftest import ARTIFACTS, browser_login, untranslated_words
from tests.e2e.test_case_journey import open_case, switch_user, take_step
from tests.support import valid_id_number

CODE = r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}"


def bell(page) -> int:
    badge = page.locator("#xf-bell-count")
    return int(badge.inner_text()) if badge.count() else 0


def test_visit_code_sms_and_the_handlers_bell(page, live_server, database_uri):
    base = live_server.url
    browser_login(page, base, "handler")
    handler_before = bell(page)

    switch_user(page, base, "clerk")
    page.goto(f"{base}/cases/add")
    page.select_option("#channel", "visit")
    page.select_option("#category", "claim")
    page.fill("#title", "查询码旅程：反映红星村自来水停水")
    page.fill("#content", "红星村自来水停水三天，村民生活用水困难，请尽快恢复供水。")
    page.fill("input[name='petitioners-0-name']", "周海燕")
    page.fill("input[name='petitioners-0-id_number']", valid_id_number("19760304", "152"))
    page.fill("input[name='petitioners-0-phone']", "13904517788")
    page.click("form#model_form button[type=submit]")

    # The code, shown once, and the receipt carrying it; the address no longer holds it.
    page.wait_for_url(re.compile(r"/cases/receipt/\d+"))
    code = page.inner_text("#query-code").strip()
    assert re.fullmatch(CODE, code)
    assert "仅显示这一次" in page.inner_text("#code-once")
    assert code in page.inner_text("#notice-query-code")
    assert "#" not in page.url
    # Latin words on the page: only the code and the portal's address.
    latin = [w for w in untranslated_words(page) if w not in code and w not in ("portal", "query")]
    assert latin == []
    assert page.js_errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "query_code_shown_once.png"), full_page=True)
    number = re.search(r"XF\d{4}-\d{6}", page.inner_text("#code-once")).group(0)
    # Reloaded, the page no longer shows it.
    page.reload()
    assert page.locator("#query-code").is_hidden() and page.locator("#code-gone").is_visible()

    # The SMS outbox (SMS_BACKEND=log) holds the code for the petitioner's mobile.
    engine = create_engine(database_uri)
    with engine.connect() as connection:
        bodies = connection.execute(text(
            "SELECT o.recipient, o.body FROM outbox_message o JOIN petition_case c ON c.id = o.case_id "
            "WHERE c.number = :n"), {"n": number}).all()
    engine.dispose()
    assert [(r, code in b) for r, b in bodies] == [("13904517788", True)]

    # The case moves on to the township: accepted, proposed, instructed, assigned.
    page.click("#open-case")
    page.wait_for_url(re.compile(r"/cases/show/\d+"))
    take_step(page, "accept", {"note": "属本镇职责，予以受理。"})
    take_step(page, "propose", {"proposal": "建议交城关镇处理。"})
    switch_user(page, base, "leader")
    open_case(page, base, number)
    take_step(page, "instruct", {"text": "请城关镇尽快恢复供水。"})
    switch_user(page, base, "clerk")
    open_case(page, base, number)
    town_id = page.eval_on_selector("#assign-unit", "s => [...s.options].find(o => o.text === '城关镇').value")
    take_step(page, "assign", {"note": "请按期办理。"}, {"unit": town_id, "rule": "fast_track"})

    # The handler's bell shows it; opening the notification opens the case, awaiting 签收.
    switch_user(page, base, "handler")
    assert bell(page) == handler_before + 1
    page.click("#xf-bell")
    page.wait_for_url(re.compile(r"/notifications/"))
    page.click(f"a:has-text('{number}')")
    page.wait_for_url(re.compile(r"/cases/show/\d+"))
    awaited = page.inner_text("#case-awaited")
    assert re.search(r"等待 .+ 签收", awaited), awaited
    assert page.js_errors == []
