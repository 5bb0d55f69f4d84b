"""Journey: a clerk filters the case list on two statuses at once, saves it as a view, opens it
again from the dropdown above the list, and sees the filtered list; then picks the columns."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.e2e.conftest import browser_login, untranslated_words

pytestmark = pytest.mark.e2e


def _statuses(url: str) -> list[str]:
    return sorted(parse_qs(urlparse(url).query).get("q_status", []))


def test_save_a_view_and_open_it_from_the_dropdown(page, live_server):
    base = live_server.url
    browser_login(page, base, "clerk")
    page.goto(f"{base}/cases/list/")
    assert page.locator("#accordion1").count() == 0  # one filter panel, not two
    page.select_option("#q_status", ["handling", "assigned"])
    with page.expect_navigation():
        page.click("#quick-search-submit")
    assert _statuses(page.url) == ["assigned", "handling"]
    filtered = page.inner_text(".xf-list")

    page.click("#save-view-toggle")
    page.wait_for_selector("#save-view-panel.in")
    page.fill("#view-name", "在办和已交办")
    with page.expect_navigation():
        page.click("#save-view-submit")
    assert "视图“在办和已交办”已保存" in page.inner_text(".alert-success")

    # From the plain list, the saved view brings the filters back.
    page.goto(f"{base}/cases/list/")
    page.click("#saved-views-toggle")
    with page.expect_navigation():
        page.click("#saved-views-menu a.xf-saved-view-open[data-name='在办和已交办']")
    assert _statuses(page.url) == ["assigned", "handling"]
    selected = page.eval_on_selector("#q_status", "s => [...s.selectedOptions].map(o => o.value).sort()")
    assert selected == ["assigned", "handling"]
    assert page.inner_text(".xf-list") == filtered
    headers = [h.strip() for h in page.locator("table.table thead th").all_inner_texts()]
    # Found by its header: other areas add columns after it.
    column = next((i for i, h in enumerate(headers, 1) if h == "办理状态"), None)
    assert column, headers
    statuses = page.locator(f"table.table tbody tr td:nth-child({column})").all_inner_texts()
    assert statuses and set(statuses) <= {"办理中", "已交办"}

    # Columns: add 责任单位 and 超期天数.
    page.click("#columns-toggle")
    page.wait_for_selector("#columns-panel.in")
    page.check("#columns-form input[value='responsible_unit']")
    page.check("#columns-form input[value='days_overdue']")
    with page.expect_navigation():
        page.click("#columns-submit")
    head = page.inner_text("table.table thead")
    assert "责任单位" in head and "超期天数" in head
    assert _statuses(page.url) == ["assigned", "handling"]
    assert untranslated_words(page) == []
