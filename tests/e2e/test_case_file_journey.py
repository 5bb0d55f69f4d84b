"""Journey: 城关镇's clerk opens a closed case, follows 打印卷宗 and gets an A4 case file: a cover,
the registration, every step with who signed it, the reply and the rating, then the notices —
each a page of its own. The screenshot and the PDF are kept in tests/e2e/artifacts to look at."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.e2e.conftest import ARTIFACTS, browser_login, untranslated_words

pytestmark = pytest.mark.e2e


def arrange(live_server) -> tuple[int, str, int]:
    from app.cases.models import Case, CaseStatus
    from app.cases.workflow_models import CaseEvent
    from app.extensions import db
    from app.org.models import OrgUnit

    with live_server.app.app_context():
        town = db.session.execute(select(OrgUnit.id).where(OrgUnit.name == "城关镇")).scalar_one()
        case = db.session.execute(select(Case).where(
            Case.township_id == town, Case.status == CaseStatus.CLOSED.value, Case.reply_text.is_not(None),
            Case.category != "accusation").order_by(Case.id)).scalars().first()
        events = len(db.session.execute(select(CaseEvent.id).where(CaseEvent.case_id == case.id)).all())
        found = (case.id, case.number, events)
        db.session.remove()
    return found


def test_print_the_case_file(page, live_server):
    pk, number, events = arrange(live_server)
    browser_login(page, live_server.url, "clerk")
    page.goto(f"{live_server.url}/cases/show/{pk}")
    href = page.get_attribute("#case-print-file", "href")
    page.goto(f"{live_server.url}{href}")
    assert page.inner_text("#cover-number").strip() == number
    assert page.locator("#file-steps tbody tr").count() == events
    assert page.locator(".sheet").count() >= 3  # cover, the file, at least one notice
    assert untranslated_words(page) == []
    assert page.js_errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "case_file_screen.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(ARTIFACTS / "case_file_print.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=False)
    (ARTIFACTS / "case_file.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages >= 3, pages
