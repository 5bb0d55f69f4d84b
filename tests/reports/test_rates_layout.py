"""The rates report is wider than a 1440 px window: each table scrolls inside its own box and its
first column (township / unit) stays in view (checked by screenshot at 1440 px; this keeps the
structure that makes it so)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support import DEMO_PASSWORD, login

CSS = Path(__file__).resolve().parents[2] / "app" / "static" / "css" / "app.css"


@pytest.mark.parametrize("username", ["county_manager", "county_leader", "county_supervisor", "leader"])
def test_rates_tables_scroll_in_their_box_with_a_fixed_first_column(module_app, username):
    client = module_app.test_client()
    login(client, username, DEMO_PASSWORD)
    html = client.get("/reports/rates/").get_data(as_text=True)
    for table_id in ("rates-townships", "rates-units"):
        assert re.search(r'<div class="[^"]*xf-rates-scroll[^"]*">\s*<table[^>]*id="' + table_id, html), table_id
    css = CSS.read_text(encoding="utf-8")
    assert re.search(r"\.xf-rates-scroll \{[^}]*overflow-x: auto", css)
    assert re.search(r"\.xf-rates > tbody > tr > th:first-child \{[^}]*position: sticky; left: 0", css)
