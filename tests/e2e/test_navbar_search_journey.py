"""Journey: a township clerk on the phone is told "three-one-six": she types 316 in the navbar's
box on the page she is on, sees the case of that number among 信访件, and opens it. The navbar
stays one line at 1366 px with the box in it; 河东镇's clerk is told nothing of it."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from tests.e2e.conftest import browser_login, untranslated_words
from tests.support import county_today

pytestmark = pytest.mark.e2e


def arrange(live_server) -> str:
    """This year's 316th case is a 城关镇 case (the demo county has fewer: renumber one)."""
    from app.cases.models import Case, CaseNumberSequence
    from app.extensions import db
    from app.org.models import OrgUnit

    year = county_today().year
    number = f"XF{year}-000316"
    with live_server.app.app_context():
        session = db.session
        town = session.execute(select(OrgUnit).where(OrgUnit.name == "城关镇")).scalar_one()
        case = session.execute(select(Case).where(Case.township_id == town.id, Case.category != "accusation")
                               .order_by(Case.id.desc())).scalars().first()
        case.number = number
        session.execute(update(CaseNumberSequence).where(CaseNumberSequence.year == year)
                        .values(last_value=400))
        session.commit()
        db.session.remove()
    return number


def test_navbar_search_by_316(page, live_server):
    number = arrange(live_server)
    browser_login(page, live_server.url, "clerk")
    page.goto(f"{live_server.url}/cases/list/")
    toggle = page.locator("#xf-search-toggle").bounding_box()
    first = page.locator(".navbar .nav:not(.navbar-right) > li").first.bounding_box()
    assert abs(toggle["y"] - first["y"]) < 10  # in the one line of the navbar
    page.click("#xf-search-toggle")
    box = page.locator("#xf-search")
    box.wait_for(state="visible")
    page.keyboard.type("316")  # the box has the focus as it opens
    with page.expect_navigation():
        box.press("Enter")
    assert page.locator("#group-cases").count() == 1
    link = page.locator("#results-cases a.xf-hit", has_text=number)
    assert link.count() == 1
    assert untranslated_words(page) == []
    with page.expect_navigation():
        link.click()
    assert page.locator(".xf-case-number").first.inner_text().strip() == number
    assert page.js_errors == []

    browser_login(page, live_server.url, "clerk2")
    page.goto(f"{live_server.url}/")
    page.click("#xf-search-toggle")
    page.fill("#xf-search", "316")
    with page.expect_navigation():
        page.press("#xf-search", "Enter")
    assert page.locator("#search-nothing").inner_text().strip() == "在您有权查看的记录中，没有找到与“316”相符的结果。"
