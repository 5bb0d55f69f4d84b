"""The navbar holds every area and the user's menu on one line at a common office screen (1366 px):
a second row pushed the bell and the user menu under the areas and every page down."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import browser_login


@pytest.mark.parametrize("username", ["admin", "clerk"])
def test_the_navbar_is_one_line_at_1366(page, live_server, username):
    browser_login(page, live_server.url, username)
    page.goto(f"{live_server.url}/")
    areas = page.locator(".navbar .nav:not(.navbar-right) > li").count()
    assert areas >= 5  # the areas are there, not hidden away
    bar = page.evaluate("document.querySelector('.navbar').getBoundingClientRect().height")
    bell = page.locator("#xf-bell").bounding_box()
    first = page.locator(".navbar .nav:not(.navbar-right) > li").first.bounding_box()
    assert bar < 60, bar
    assert abs(bell["y"] - first["y"]) < 10  # the bell on the same line as the areas
