"""A manager's journey: the dashboard's charts draw (offline, no console error), the rates report
is filtered to one township and exported with progress shown, the supervision report and a
bulletin open."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from sqlalchemy import insert, select

from app.cases.models import Case
from app.supervision.models import AccountabilityCase, AccountabilityRecord
from tests.e2e.conftest import browser_login, untranslated_words
from tests.reports.support import add_order, org_id


def test_manager_reads_dashboard_filters_rates_and_exports(page, live_server, tmp_path, db_session):
    # An open supervision order and an accountability decision on a case (the 督查督办 and 问责 reports).
    town = org_id(db_session, "城关镇")
    add_order(db_session, town, "issued", datetime(2026, 3, 2, 9), date(2026, 3, 9), targets="XF2026-000001")
    case_id = db_session.execute(select(Case.id).where(Case.township_id == town).limit(1)).scalar_one()
    record = AccountabilityRecord(kind="criticism", unit_id=town, township_id=town, reason="受理登记不及时",
                                  decided_by="县委县政府督查室", decided_on=date(2026, 3, 20))
    db_session.add(record)
    db_session.commit()
    db_session.execute(insert(AccountabilityCase.__table__), [{"record_id": record.id, "case_id": case_id}])
    db_session.commit()
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server.url)
            and not r.url.startswith(("data:", "blob:")) else None)
    browser_login(page, live_server.url, "county_manager")

    # The dashboard: figure cards and four charts, drawn by the vendored Chart.js.
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#xf-dashboard[data-ready='1']")
    # 信访量, 同比, 回复率, 到期回复率, 结案率, 到期结案率, 满意率, 按期受理率 (views.CARD_FIGURES).
    assert page.locator("#xf-figure-cards .xf-figure-card").count() == 8
    assert page.locator(".xf-chart[data-drawn='1']").count() == 4
    # Each canvas has pixels drawn on it (not an empty box).
    for name in ("monthly", "township", "category", "satisfaction"):
        painted = page.evaluate(
            """(id) => { const c = document.getElementById(id); const d = c.getContext('2d')
                 .getImageData(0, 0, c.width, c.height).data; let n = 0;
                 for (let i = 3; i < d.length; i += 4) { if (d[i]) { n++; } } return n; }""",
            f"chart-{name}",
        )
        assert painted > 500, name
    assert page.locator("#xf-figure-cards .xf-figure-card").first.get_attribute("title")
    assert page.locator("#queue").count() == 1  # the work queue stays on the home page
    page.screenshot(path="tests/e2e/artifacts/reports-dashboard.png", full_page=True)

    # The rates report, filtered to one township.
    page.goto(f"{live_server.url}/reports/rates/")
    page.select_option("#township", label="河东镇")
    page.click("#report-filter-submit")
    page.wait_for_url("**township=*")
    towns = page.locator("#rates-townships tbody tr th").all_inner_texts()
    assert towns == ["合计", "河东镇"]
    assert page.locator("#rates-townships thead th[title]").count() >= 15
    page.screenshot(path="tests/e2e/artifacts/reports-rates.png", full_page=True)
    assert untranslated_words(page) == []

    # Export it: the page shows progress, then the file arrives under its Chinese name.
    with page.expect_download() as download_info:
        page.click("#export-csv")
    download = download_info.value
    assert download.suggested_filename.startswith("指标报表_") and download.suggested_filename.endswith(".csv")
    path = tmp_path / "rates.csv"
    download.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert [r[1] for r in rows[1:] if r[0] == "乡镇（街道）"] == ["河东镇"]
    page.wait_for_selector(".xf-export-progress[data-done='1']")
    assert "导出完成" in page.inner_text(".xf-export-progress")

    with page.expect_download() as xlsx_info:
        page.click("#export-xlsx")
    assert xlsx_info.value.suggested_filename.endswith(".xlsx")

    # The supervision report, with the open supervision orders; to the overdue list and back.
    page.goto(f"{live_server.url}/reports/supervision/")
    assert page.locator("#units-ranked").count() == 1
    assert page.locator("#open-orders tbody tr a").count() >= 1  # the demo county's open orders
    page.screenshot(path="tests/e2e/artifacts/reports-supervision.png", full_page=True)
    assert untranslated_words(page) == []
    page.click("#to-overdue-list")
    page.wait_for_url("**/supervision/overdue/list/**")
    page.click("#to-supervision-report")
    page.wait_for_url("**/reports/supervision/**")

    # The 问责 report: by unit and kind, drill down to one unit's records, export them.
    page.goto(f"{live_server.url}/reports/accountability/?start=2026-01-01&end=2026-12-31")
    assert page.locator("#accountability-summary tbody tr").count() >= 2
    page.locator("#accountability-summary tbody tr:nth-child(2) td a").first.click()
    page.wait_for_url("**unit=*")
    assert page.locator("#accountability-records tbody tr").count() >= 1
    page.screenshot(path="tests/e2e/artifacts/reports-accountability.png", full_page=True)
    assert untranslated_words(page) == []
    with page.expect_download() as records_info:
        page.click("#records-export-csv")
    assert records_info.value.suggested_filename.startswith("问责记录_")
    page.goto(f"{live_server.url}/reports/bulletins/bimonthly?year=2026&part=2")
    assert page.locator("h1").inner_text() == "信访工作情况通报"
    page.screenshot(path="tests/e2e/artifacts/reports-bulletin.png", full_page=True)

    assert page.js_errors == []
    assert external == [], "everything loads from our own server (closed networks)"
