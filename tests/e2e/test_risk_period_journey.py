"""Journey: the administrator declares a 风险期 (all townships, daily reports by 16:00, from today);
城关镇's clerk opens the township sweep page, finds today's own daily period with the 风险期
named above it, and files the township's 零报告 for today in one click."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.e2e.conftest import ARTIFACTS, browser_login, untranslated_words
from tests.support import county_today

pytestmark = pytest.mark.e2e

NAME = "元旦前安全稳定集中排查"


def test_a_risk_period_switches_the_township_sweep_to_daily(live_server, page):
    base = live_server.url
    today = county_today()
    browser_login(page, base, "admin")

    # 1. The administrator declares the 风险期.
    page.goto(f"{base}/sweeps/risk-periods/add")
    assert untranslated_words(page) == []
    page.fill("#name", NAME)
    page.fill("#starts_on", today.isoformat())
    page.fill("#ends_on", (today + timedelta(days=6)).isoformat())
    page.check("#all_townships")
    page.select_option("#frequency", "daily")
    page.fill("#cutoff", "16:00")
    page.click("form#model_form button[type=submit]")
    page.wait_for_url(re.compile(r".*/sweeps/risk-periods/list/.*"))
    assert NAME in page.inner_text("body")

    # 2. 城关镇's clerk: the township's own period is today, due 16:00, the 风险期 named above.
    browser_login(page, base, "clerk")
    page.goto(f"{base}/sweeps/?level=township")
    assert untranslated_words(page) == []
    assert page.inner_text("#period-label") == f"{today:%Y-%m-%d} ~ {today:%Y-%m-%d}"
    banner = page.inner_text("#risk-periods")
    assert NAME in banner
    assert "每日报送，16:00 前" in banner
    row = page.locator("tr[data-unit='城关镇']")
    assert row.count() == 1

    # 3. Nothing found today: the 零报告 in one click.
    row.locator("button.xf-zero-report").click()
    page.wait_for_url(re.compile(r".*/sweeps/.*"))
    state = page.locator("tr[data-unit='城关镇'] .label").inner_text()
    assert state.startswith("零报告")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "risk_period_daily_sweep.png"), full_page=True)
    assert not page.js_errors, page.js_errors
