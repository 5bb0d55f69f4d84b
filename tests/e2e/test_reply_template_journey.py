"""Journey: the 人社局's handler drafts the reply of a case in hand — chooses 通用答复意见书 beside
the draft, inserts it (the server fills it from the case: the petitioner, the number, the dates),
sees the related policies of the case's subject, and submits the findings with that draft."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.conftest import ARTIFACTS, browser_login, untranslated_words

pytestmark = pytest.mark.e2e


def _case_in_hand(database_uri: str):
    engine = create_engine(database_uri)
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT c.id, c.number, c.petitioner_names, c.title FROM petition_case c "
            "JOIN ab_user u ON u.org_unit_id = c.responsible_unit_id "
            "WHERE u.username = 'handler_rsj' AND c.status = 'handling' AND c.paused_since IS NULL "
            "AND c.accepted_at IS NOT NULL AND c.subject_id IN (SELECT id FROM subject WHERE name = '劳动社保') "
            "ORDER BY c.id LIMIT 1")).one()
    engine.dispose()
    return row


def _draft(database_uri: str, case_id: int) -> tuple[str, str]:
    engine = create_engine(database_uri)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT status, reply_draft FROM petition_case WHERE id = :id"), {"id": case_id}).one()
    engine.dispose()
    return row[0], row[1]


def test_a_reply_template_is_inserted_filled_and_submitted(live_server, page, database_uri):
    base = live_server.url
    case_id, number, petitioners, title = _case_in_hand(database_uri)
    browser_login(page, base, "handler_rsj")

    page.goto(f"{base}/cases/show/{case_id}")
    page.click("#step-submit_findings .xf-step-toggle")
    page.wait_for_selector("#submit_findings-reply_draft-template", state="visible")
    assert untranslated_words(page) == []
    page.select_option("#submit_findings-reply_draft-template", label="通用答复意见书")
    page.click("#submit_findings-reply_draft-insert")
    expect(page.locator("#submit_findings-reply_draft")).to_have_value(re.compile(r".+", re.S))
    draft = page.input_value("#submit_findings-reply_draft")
    assert draft.startswith(f"{petitioners}：\n    您于")
    assert f"“{title}”（编号{number}）" in draft
    assert not re.search(r"\{[^{}\s]+\}", draft), draft  # every placeholder filled for this case
    assert page.inner_text("#submit_findings-reply_draft-message") == ""
    related = page.locator("#step-submit_findings .xf-related-policies a").all_inner_texts()
    assert "《保障农民工工资支付条例》（国务院令第724号）" in related
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reply_template.png"), full_page=True)

    page.fill("#submit_findings-findings", "经调查，用工单位已于本月结清拖欠工资。")
    page.click("#submit-submit_findings")
    page.wait_for_url(re.compile(rf".*/cases/show/{case_id}.*"))
    assert not page.js_errors, page.js_errors
    status, stored = _draft(database_uri, case_id)
    # (A browser sends a textarea's line breaks as CRLF.)
    assert (status, stored.replace("\r\n", "\n")) == ("in_review", draft)
