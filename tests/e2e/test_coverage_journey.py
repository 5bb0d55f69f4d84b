"""Journey (四联四包, seed 004): the county supervisor marks an open case 积案 on its page, finds it
on the 四联四包 page among the cases no county leader holds, and proposes that the deputy county
head — who holds nothing yet, flagged — hold it. Every page in Chinese; screenshots kept."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.e2e.conftest import ARTIFACTS, browser_login, untranslated_words

pytestmark = pytest.mark.e2e


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"coverage_{name}.png"), full_page=True)


def test_mark_backlog_find_it_and_propose_a_holding(page, live_server, db_session):
    from app.cases.models import Case
    from app.core import clock
    from app.leaders.models import Holding, HoldingProposal, Leader

    base = live_server.url
    held = select(Holding.case_id).where(Holding.case_id.is_not(None))
    case = db_session.execute(
        select(Case).where(Case.status == "handling", Case.category != "accusation", Case.id.not_in(held),
                           Case.is_backlog.is_(False), Case.next_due_at > clock.now())
        .order_by(Case.id)
    ).scalars().first()
    assert case is not None
    deputy = db_session.execute(select(Leader).where(Leader.name == "钱立华")).scalar_one()

    browser_login(page, base, "county_supervisor")
    page.goto(f"{base}/leaders/coverage/")
    assert page.locator(f'#unheld-cases tr[data-case="{case.number}"]').count() == 0  # not overdue, not 积案

    page.goto(f"{base}/cases/show/{case.id}")
    page.click("#marks-form-box summary")
    page.check("#is_backlog")
    page.fill("#note", "久拖未决，列为信访积案")
    with page.expect_navigation():
        page.click("#submit-marks")
    assert page.locator("#badge-backlog").inner_text() == "积案"
    assert "积案/上级交办标记变更" in page.inner_text("body")  # the history event
    shot(page, "1_case_marked")
    assert untranslated_words(page) == []

    page.goto(f"{base}/leaders/coverage/")
    row = page.locator(f'#unheld-cases tr[data-case="{case.number}"]')
    assert row.count() == 1
    assert page.locator(f'#leader-holdings tr[data-leader="{deputy.id}"] .xf-holds-none').count() == 1
    shot(page, "2_coverage")
    assert untranslated_words(page) == []
    with page.expect_navigation():
        row.locator("a.xf-propose").click()
    assert page.input_value("#case_number") == case.number
    page.select_option("#leader", str(deputy.id))
    page.fill("#note", "积案，建议县级领导包案化解")
    with page.expect_navigation():
        page.click("#submit-proposal")
    assert "已建议" in page.inner_text(".alert-success")
    proposals = page.locator(f'#proposals tr[data-case="{case.number}"]')
    assert proposals.count() == 1
    assert "钱立华" in proposals.inner_text()
    shot(page, "3_proposed")
    assert untranslated_words(page) == []
    assert page.js_errors == []
    saved = db_session.execute(select(HoldingProposal.leader_id, HoldingProposal.status)
                               .where(HoldingProposal.case_id == case.id, HoldingProposal.leader_id == deputy.id)).all()
    assert saved == [(deputy.id, "proposed")]  # (the demo may have proposed 周德明 for it too)
