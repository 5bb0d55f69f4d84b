"""Journey: a township clerk files this week's zero report for a village and records a dispute;
the leader raises it to 三级; a mediation settles it (调解成功); the unit's close-out application
is refused — six months have not passed, and a party petitioned recently (the case is named)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.e2e.conftest import browser_login, untranslated_words
from tests.support import county_now, county_today

pytestmark = pytest.mark.e2e


def arrange(live_server) -> dict:
    """A village without a report this week and without disputes found this week; a recent case."""
    from app.cases.models import Case
    from app.extensions import db
    from app.ledgers import sweeps
    from app.ledgers.models import LedgerEntry, SweepReport
    from app.mediation.models import MediationCommittee
    from app.org.models import OrgUnit

    with live_server.app.app_context():
        session = db.session
        town = session.execute(select(OrgUnit).where(OrgUnit.name == "城关镇")).scalar_one()
        period = sweeps.period_containing(sweeps.rules(session)["village"], county_today())
        reported = set(session.execute(select(SweepReport.org_unit_id).where(
            SweepReport.period_start == period.start, SweepReport.org_level == "village")).scalars())
        busy = set(session.execute(select(LedgerEntry.village_id).where(
            LedgerEntry.found_on >= period.start, LedgerEntry.found_on <= period.end)).scalars())
        villages = session.execute(select(OrgUnit).where(
            OrgUnit.township_id == town.id, OrgUnit.kind == "village").order_by(OrgUnit.sort_order)).scalars().all()
        quiet = next(v for v in villages if v.id not in reported and v.id not in busy)
        case = session.execute(select(Case).where(
            Case.township_id == town.id, Case.responsible_unit_id == town.id,
            Case.received_at >= county_now() - timedelta(days=150),
        ).order_by(Case.received_at.desc())).scalars().first()
        if case is None:  # the small test county may have none assigned to the township: assign one
            case = session.execute(select(Case).where(Case.township_id == town.id).order_by(
                Case.received_at.desc())).scalars().first()
            case.responsible_unit_id = town.id
            case.received_at = county_now() - timedelta(days=20)
            session.commit()
        committee = session.execute(select(MediationCommittee).where(
            MediationCommittee.name == "红旗村人民调解委员会")).scalar_one()
        return {
            "village": quiet.name,
            # Past the period's cut-off the missing report reads 逾期未报, before it 待报送.
            "village_state": "逾期未报" if period.is_due(county_now()) else "待报送",
            "case_number": case.number,
            "petitioner": case.petitioners[0].name,
            "committee_id": str(committee.id),
            "mediator_ids": [str(m.id) for m in committee.mediators[:2]],
            "hongqi": str(session.execute(select(OrgUnit.id).where(OrgUnit.name == "红旗村")).scalar_one()),
            "town": str(town.id),
        }


def test_zero_report_dispute_level_mediation_and_refused_closeout(page, live_server):
    base = live_server.url
    facts = arrange(live_server)

    # 1. The clerk files this week's zero report for a quiet village, in one click.
    browser_login(page, base, "clerk")
    page.goto(f"{base}/sweeps/?level=village")
    assert untranslated_words(page) == []
    row = page.locator(f"tr[data-unit='{facts['village']}']")
    assert facts["village_state"] in row.inner_text()
    row.locator(".xf-zero-report").click()
    page.wait_for_load_state()
    assert "零报告已报送" in page.inner_text(".alert-success")
    assert "零报告" in page.locator(f"tr[data-unit='{facts['village']}']").inner_text()

    # 2. … and records a dispute whose first party petitioned recently (case number quoted).
    page.goto(f"{base}/ledgers/entries/add")
    assert untranslated_words(page) == []
    page.fill("#title", "红旗村村民宅基地边界纠纷")
    page.select_option("#dispute_type", "land")
    page.fill("#found_on", (county_today() - timedelta(days=1)).isoformat())
    page.fill("#description", "两户因宅基地边界发生争执，多次口角。")
    page.fill("input[name='parties-0-name']", facts["petitioner"])
    page.fill("input[name='parties-0-case_number']", facts["case_number"])
    page.click("#add-party")
    page.fill("input[name='parties-1-name']", "孙二强")
    page.fill("input[name='parties-1-phone']", "13912345678")
    page.fill("#people_count", "2")
    page.select_option("#village", facts["hongqi"])
    page.select_option("#responsible_unit", facts["town"])
    page.fill("#responsible_person", "李书记")
    page.click("form#model_form button[type=submit]")
    page.wait_for_url(re.compile(r"/ledgers/entries/list/"))
    assert "已保存" in page.inner_text(".alert-success")
    first = page.locator("table.table tbody tr").first
    assert "红旗村村民宅基地边界纠纷" in first.inner_text()
    number = re.search(r"TZ\d{6}", first.inner_text()).group(0)
    entry_url = f"{base}/ledgers/entries/show/{int(number[2:])}"

    # 3. The leader raises it to 三级, giving the reason.
    browser_login(page, base, "leader")
    page.goto(entry_url)
    page.select_option("#level", "3")
    page.fill("#reason", "当事人扬言越级上访，列入重点管理")
    page.click("#submit-level")
    page.wait_for_load_state()
    assert "清单级别已调整" in page.inner_text(".alert-success")
    assert "三级" in page.inner_text("#entry-level")
    assert "当事人扬言越级上访" in page.inner_text("#entry-levels")

    # 4. The clerk records the mediation that settled it: 调解成功.
    browser_login(page, base, "clerk")
    page.goto(entry_url)
    page.click("#start-mediation")
    page.wait_for_url(re.compile(r"/mediation/records/add"))
    assert untranslated_words(page) == []
    assert page.input_value("#title") == "红旗村村民宅基地边界纠纷"
    page.select_option("#committee", facts["committee_id"])
    page.select_option("#mediators", facts["mediator_ids"])
    page.select_option("#method", "on_site")
    page.select_option("#outcome", "success")
    page.fill("#concluded_on", county_today().isoformat())
    page.fill("#agreement", "双方确认以原界桩为界，互不追究。")
    page.select_option("#honoured", "honoured")
    page.click("form#model_form button[type=submit]")
    page.wait_for_url(re.compile(r"/mediation/records/list/"))
    page.goto(entry_url)
    assert "一级" in page.inner_text("#entry-level")
    assert "已化解" in page.inner_text("#entry-status")
    assert "调解成功" in page.inner_text("#entry-mediations")

    # 5. The township applies for close-out: refused, with the reasons and the case number.
    browser_login(page, base, "handler")
    page.goto(entry_url)
    page.fill("#panel-apply textarea[name='reason']", "矛盾已调解化解，申请销号")
    page.click("#submit-apply")
    page.wait_for_load_state()
    refusal = " ".join(page.locator(".xf-field-error, .alert-danger").all_inner_texts())
    assert "不能销号" in refusal
    assert "观察期" in refusal
    assert facts["case_number"] in refusal
    assert "待审批" not in page.inner_text("body")
    assert untranslated_words(page) == []
    # The refused step answered 422 (the page with the message is the answer); Chromium logs that
    # status, and nothing else went wrong.
    assert [e for e in page.js_errors if "status of 422" not in e] == []
    assert any("status of 422" in e for e in page.js_errors)
