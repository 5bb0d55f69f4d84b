"""A menu entry never leads to a refusal: every link in every demo user's navigation menu opens
(200, or a redirect to a page that answers 200), for each role, county-level users included."""

from __future__ import annotations

import re

import pytest

from tests.support import DEMO_PASSWORD, login

DEMO_LOGINS = (
    "admin", "county_clerk", "county_leader", "county_supervisor", "county_manager",
    "xz_admin", "clerk", "handler", "leader", "supervisor", "manager", "clerk2",
)
MENU_LINK = re.compile(r'<a tabindex="-1" href="([^"]+)">')


def menu_links(html: str) -> list[str]:
    """The navigation menu's links (not the language switch)."""
    return [href for href in MENU_LINK.findall(html) if not href.startswith("/lang/")]


@pytest.mark.parametrize("username", DEMO_LOGINS)
def test_every_menu_link_opens(module_app, username):
    client = module_app.test_client()
    login(client, username, DEMO_PASSWORD)
    home = client.get("/")
    assert home.status_code == 200
    links = menu_links(home.get_data(as_text=True))
    assert links, f"{username} has no menu"
    refused = {}
    for href in links:
        response = client.get(href, follow_redirects=True)
        if response.status_code != 200:
            refused[href] = response.status_code
    assert not refused, f"{username}: menu links refused: {refused}"
