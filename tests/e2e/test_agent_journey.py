"""Journey: 城关镇's clerk opens an accepted case, adds the petitioner's agent (信访代理) from the
case page — the form arrives with the case number — and finds the agent on the case page and
printed on the acceptance notice; 河东镇's clerk cannot open the agent's record."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.conftest import ARTIFACTS, browser_login, untranslated_words

pytestmark = pytest.mark.e2e


def _accepted_case(database_uri: str) -> tuple[int, str]:
    engine = create_engine(database_uri)
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT c.id, c.number FROM petition_case c JOIN org_unit o ON o.id = c.township_id "
            "WHERE o.name = '城关镇' AND c.accepted_at IS NOT NULL AND c.category = 'claim' "
            "AND c.id NOT IN (SELECT case_id FROM case_agent) ORDER BY c.id LIMIT 1")).one()
    engine.dispose()
    return row[0], row[1]


def test_an_agent_added_on_the_case_page_is_printed_on_the_notice(live_server, page, database_uri):
    base = live_server.url
    case_id, number = _accepted_case(database_uri)
    browser_login(page, base, "clerk")

    page.goto(f"{base}/cases/show/{case_id}")
    page.click("#add-agent")
    page.wait_for_url(re.compile(r".*/practices/agents/add\?case=\d+"))
    assert untranslated_words(page) == []
    assert page.input_value("#case_number") == number
    page.fill("#name", "李志刚")
    page.select_option("#relation", "relative")
    page.fill("#phone", "13945671234")
    page.fill("#note", "信访人之子，代为递交材料")
    page.click("form#model_form button[type=submit]")
    page.wait_for_url(re.compile(r".*/practices/agents/list/.*"))

    page.goto(f"{base}/cases/show/{case_id}")
    agents = page.inner_text("#case-agents")
    assert "李志刚（近亲属） 13945671234" in agents, agents
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "case_agent.png"), full_page=True)

    assert not page.js_errors, page.js_errors
    # (The bare notice page links no favicon: the browser's own /favicon.ico request is a 404.)
    page.goto(f"{base}/cases/notice/{case_id}/acceptance")
    assert page.inner_text("#notice-agents") == "代理人：李志刚（近亲属）"

    page.goto(f"{base}/practices/agents/list/")
    href = page.locator("tr", has_text="李志刚").first.locator("a[href*='/practices/agents/show/']").first \
        .get_attribute("href")
    browser_login(page, base, "clerk2")
    response = page.goto(f"{base}{href}" if href.startswith("/") else href)
    assert response.status == 404
