"""Journey: 城关镇's clerk applies to the hard-case fund for a case (8,888.88 yuan, 钉子案); the
county leader approves it with an opinion; the clerk records a first payment of 5,000.00 from the
application's page; the county manager's report 专项资金使用情况 shows the new numbers exactly."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.e2e.conftest import browser_login, untranslated_words
from tests.support import county_today

pytestmark = pytest.mark.e2e


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


def arrange(live_server) -> dict:
    """An open 城关镇 case with no application yet; 城关镇's row and the fund before the journey."""
    from app.cases.models import OPEN_STATUSES, Case, Category
    from app.extensions import db
    from app.fund.models import ApplicationStatus, Fund, FundApplication, FundDisbursement
    from app.org.models import OrgUnit

    with live_server.app.app_context():
        session = db.session
        town = session.execute(select(OrgUnit).where(OrgUnit.name == "城关镇")).scalar_one()
        case = session.execute(select(Case).where(
            Case.township_id == town.id, Case.category == Category.CLAIM.value,
            Case.status.in_([s.value for s in OPEN_STATUSES]),
            Case.id.not_in(select(FundApplication.case_id)),
        ).order_by(Case.id)).scalars().first()
        fund = session.execute(select(Fund).where(Fund.year == county_today().year)).scalar_one()
        ours = select(FundApplication.id).join(Case).where(Case.township_id == town.id)
        facts = {
            "case": case.number,
            "applications": session.execute(select(func.count()).where(FundApplication.id.in_(ours))).scalar_one(),
            "approved": session.execute(select(func.coalesce(func.sum(FundApplication.amount), 0)).where(
                FundApplication.id.in_(ours), FundApplication.status == ApplicationStatus.APPROVED.value
            )).scalar_one(),
            "paid": session.execute(select(func.coalesce(func.sum(FundDisbursement.amount), 0)).where(
                FundDisbursement.application_id.in_(ours))).scalar_one(),
            "fund_paid": session.execute(select(func.coalesce(func.sum(FundDisbursement.amount), 0))).scalar_one(),
            "total": fund.total,
        }
        db.session.remove()
        return {k: Decimal(str(v)).quantize(Decimal("0.01")) if k in ("approved", "paid", "fund_paid") else v
                for k, v in facts.items()}


def test_apply_approve_disburse_and_report(page, live_server):
    base = live_server.url
    facts = arrange(live_server)

    # 1. The township clerk applies for the case.
    browser_login(page, base, "clerk")
    page.goto(f"{base}/fund/applications/add")
    assert untranslated_words(page) == []
    page.fill("#case_number", facts["case"])
    page.select_option("#kind", "nail")
    page.fill("#amount", "8888.888")  # a typo: three decimals
    page.fill("#reason", "征地补偿历史遗留问题，当事人年老多病，拟救助化解")
    page.click("form#model_form button[type=submit]")
    assert "金额最多保留两位小数" in page.inner_text("form#model_form")
    page.fill("#amount", "8888.88")
    page.click("form#model_form button[type=submit]")
    page.wait_for_url(re.compile(r"/fund/applications/list/"))
    assert "已保存" in page.inner_text(".alert-success")
    row = page.locator("table.table tbody tr", has_text=facts["case"])
    assert "待审批" in row.inner_text() and "8,888.88" in row.inner_text()
    row.locator("a[href*='/fund/applications/show/']").first.click()
    page.wait_for_url(re.compile(r"/fund/applications/show/\d+"))
    application_url = page.url
    assert page.locator("#approve-application").count() == 0  # a clerk does not approve

    # 2. The county leader approves it.
    browser_login(page, base, "county_leader")
    page.goto(application_url)
    assert untranslated_words(page) == []
    page.fill("#opinion", "同意，专款专用，做好息访工作")
    page.click("#approve-application")
    page.wait_for_load_state()
    assert "申请已批准" in page.inner_text(".alert-success")
    assert "已同意" in page.inner_text("#application-status")

    # 3. The clerk records the first payment from the application's page.
    browser_login(page, base, "clerk")
    page.goto(application_url)
    page.click("#record-disbursement")
    page.wait_for_url(re.compile(r"/fund/disbursements/add"))
    assert untranslated_words(page) == []
    assert page.input_value("#amount") == "8888.88"  # what is left of the approval
    page.fill("#amount", "9000")
    page.fill("#recipient", "当事人李某")
    page.fill("#purpose", "困难救助（第一笔）")
    page.click("form#model_form button[type=submit]")
    assert "超过批准金额的未拨付部分（8888.88 元）" in page.inner_text("form#model_form")
    page.fill("#amount", "5000.00")
    page.click("form#model_form button[type=submit]")
    page.wait_for_url(re.compile(r"/fund/disbursements/list/"))
    page.goto(application_url)
    assert page.inner_text("#application-disbursed") == "5000.00"

    # 4. The county manager reads the report.
    browser_login(page, base, "county_manager")
    page.goto(f"{base}/fund/report/")
    assert untranslated_words(page) == []
    cells = page.locator("#use-by-township tbody tr", has_text="城关镇").locator("td").all_inner_texts()
    approved = facts["approved"] + Decimal("8888.88")
    paid = facts["paid"] + Decimal("5000.00")
    assert cells[1] == str(facts["applications"] + 1)
    assert cells[4:] == [_yuan(approved), _yuan(paid), _yuan(approved - paid)]
    fund_paid = facts["fund_paid"] + Decimal("5000.00")
    assert page.inner_text("#fund-disbursed") == _yuan(fund_paid)
    assert page.inner_text("#fund-balance") == _yuan(facts["total"] - fund_paid)
    assert page.js_errors == []
