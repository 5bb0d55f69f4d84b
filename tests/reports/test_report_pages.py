"""Report pages over HTTP: who may read them, scoping, filters, exports equal to the page."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from urllib.parse import unquote

import openpyxl
import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.cases.models import Case
from tests.reports.support import add_cases, org_id
from tests.support import county_now, libreoffice_csv, table_rows


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


# --- permissions and scope --------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/reports/rates/", "/reports/supervision/", "/reports/bulletins/",
                                 "/reports/bulletins/weekly", "/reports/bulletins/bimonthly"])
def test_readers_of_reports(url, manager_client, supervisor_client, leader_client, clerk_client,
                            handler_client, client_as):
    county = {name: client_as(name) for name in ("county_manager", "county_supervisor", "county_leader",
                                                  "county_clerk")}
    for client in (manager_client, supervisor_client, leader_client, county["county_manager"],
                   county["county_supervisor"], county["county_leader"]):
        assert client.get(url).status_code == 200
    # 登记员 and 承办人 work cases (the county's 登记员 too); the reports are not theirs.
    for client in (clerk_client, handler_client, county["county_clerk"]):
        assert client.get(url).status_code == 403


def test_exports_need_the_permission(clerk_client):
    assert clerk_client.post("/reports/rates/export/csv").status_code == 403
    assert clerk_client.post("/reports/supervision/export/cases/csv").status_code == 403


def test_a_township_manager_sees_only_their_township(manager_client, client_as, db_session):
    own = org_id(db_session, "城关镇")
    page = manager_client.get("/reports/rates/").get_data(as_text=True)
    towns = [r[0] for r in table_rows(page, "rates-townships")]
    assert towns[0] == "合计" and towns[1:] == ["城关镇"]
    # Filtering on another township shows nothing of it (the scope still applies).
    other = org_id(db_session, "河东镇")
    rows = csv_rows(manager_client.post(f"/reports/rates/export/csv?township={other}"))
    assert [r[1] for r in rows[1:] if r[0] == "乡镇（街道）"] == []
    total = next(r for r in rows[1:] if r[0] == "合计")
    assert total[2] == "0"  # 信访量
    county = client_as("county_manager").get("/reports/rates/").get_data(as_text=True)
    assert len(table_rows(county, "rates-townships")) == 1 + 8
    assert own


# --- the rates report ---------------------------------------------------------------------------------


def test_rates_report_page_and_export_agree(county_manager, db_session):
    town = org_id(db_session, "城关镇")
    received = datetime(2015, 3, 2, 9, 0)
    rows = [
        {"township_id": town, "replied_at": received + timedelta(days=10), "closed_at": received + timedelta(days=20),
         "status": "closed", "satisfaction": "satisfied"},
        {"township_id": town},
    ]
    add_cases(db_session, rows)
    query = f"start=2015-01-01&end=2015-12-31&township={town}"
    page = county_manager.get(f"/reports/rates/?{query}").get_data(as_text=True)
    assert "2015-01-01 — 2015-12-31" in page and "2014-01-01 — 2014-12-31" in page
    shown = table_rows(page, "rates-townships")
    assert [r[0] for r in shown] == ["合计", "城关镇"]
    exported = csv_rows(county_manager.post(f"/reports/rates/export/csv?{query}"))
    headers = exported[0]
    assert headers[:4] == ["分组", "名称", "信访量", "信访量（上期）"]
    reply_col = headers.index("回复率")
    town_row = next(r for r in exported[1:] if r[1] == "城关镇")
    assert town_row[2] == "2" and town_row[reply_col] == "50.0%" and town_row[reply_col + 1] == "—"
    # The page shows the same values: each cell is "this period  previous period".
    page_cells = shown[1][1:]
    export_cells = [f"{town_row[i]} {town_row[i + 1]}" for i in range(2, len(town_row), 2)]
    assert page_cells == export_cells
    # Tooltips and footnotes carry the definitions, in Chinese: 回复率's column head and footnote.
    assert 'title="Cases answered' not in page
    head = re.search(r'<th class="xf-figure-head" title="([^"]*)" data-code="reply_rate">回复率<sup>', page)
    assert head, "the 回复率 column has no header with its definition"
    assert head.group(1).startswith("已答复件数 ÷ 收到件数。")
    footnote = re.search(r'<li data-code="reply_rate"><strong>回复率</strong>：([^<]*)</li>', page)
    assert footnote and footnote.group(1) == head.group(1)
    # The 城关镇 cell's tooltip is its count: answered / received, from the rows added above.
    answered = sum(1 for r in rows if r.get("replied_at"))
    town_html = page.split('data-name="城关镇"', 1)[1].split("</tr>", 1)[0]
    cell = re.search(r'<td class="xf-figure" data-code="reply_rate"><span class="xf-now" title="([^"]*)">([^<]*)<', town_html)
    assert cell and cell.groups() == (f"{answered} / {len(rows)}", town_row[reply_col])
    assert 'id="footnotes"' in page and page.count('<li data-code=') >= 15


def test_rates_report_bad_dates_keep_the_page(county_manager):
    response = county_manager.get("/reports/rates/?start=2015-13-40&end=abc")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("help-block") >= 2 and 'value="2015-13-40"' in html


def test_rates_export_xlsx_equals_csv_and_is_logged(county_manager, db_session):
    before = db_session.execute(select(func.count()).select_from(AuditEntry)).scalar()
    csv_data = csv_rows(county_manager.post("/reports/rates/export/csv?category=claim"))
    response = county_manager.post("/reports/rates/export/xlsx?category=claim")
    assert response.status_code == 200
    disposition = unquote(response.headers["Content-Disposition"])
    assert "指标报表_" in disposition and disposition.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
    xlsx_data = [[("" if v is None else str(v)) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
    assert xlsx_data == csv_data
    after = db_session.execute(select(func.count()).select_from(AuditEntry)).scalar()
    assert after == before + 4  # two exports, each logged at its start and at its end


@pytest.fixture
def county_manager(client_as):
    return client_as("county_manager")


# --- the supervision report ------------------------------------------------------------------------------


def test_supervision_report_lists_overdue_cases_by_unit(county_manager, db_session):
    town = org_id(db_session, "城关镇")
    unit = org_id(db_session, "县人力资源和社会保障局")
    now = county_now()
    add_cases(db_session, [
        {"township_id": town, "responsible_unit_id": unit, "title": "超期测试甲", "status": "handling",
         "received_at": now - timedelta(days=90), "next_due_at": now - timedelta(days=5), "due_at": now - timedelta(days=5)},
        {"township_id": town, "responsible_unit_id": unit, "title": "多次转办测试", "status": "handling",
         "received_at": now - timedelta(days=90), "transfer_count": 4, "next_due_at": now + timedelta(days=40)},
        {"township_id": town, "responsible_unit_id": unit, "title": "三次重办不算", "status": "handling",
         "received_at": now - timedelta(days=90), "redo_count": 3, "next_due_at": now + timedelta(days=40)},
    ])
    page = county_manager.get(f"/reports/supervision/?unit={unit}").get_data(as_text=True)
    units = table_rows(page, "units-ranked")
    assert units[0][1] == "县人力资源和社会保障局" and int(units[0][2]) >= 1
    cases = table_rows(page, "overdue-cases")
    mine = next(r for r in cases if r[1] == "超期测试甲")
    assert mine[6] == "超期" and mine[7] == "5"
    repeated = [r[1] for r in table_rows(page, "repeated-cases")]
    assert "多次转办测试" in repeated and "三次重办不算" not in repeated
    # Each table's export has the page's rows.
    exported = csv_rows(county_manager.post(f"/reports/supervision/export/cases/csv?unit={unit}"))
    assert [r[1] for r in exported[1:]] == [r[1] for r in cases]
    exported_units = csv_rows(county_manager.post(f"/reports/supervision/export/units/csv?unit={unit}"))
    assert exported_units[1:] == units


def test_supervision_report_counts_match_the_case_list_filters(county_manager, db_session):
    page = county_manager.get("/reports/supervision/").get_data(as_text=True)
    total = int(re.search(r'id="cases-total">(\d+)<', page).group(1))
    overdue = county_manager.get("/cases/list/?q_due=overdue&psize_CaseView=100").get_data(as_text=True)
    near = county_manager.get("/cases/list/?q_due=near&psize_CaseView=100").get_data(as_text=True)

    def listed(html: str) -> set[str]:
        return set(re.findall(r"XF\d{4}-\d{6}", html.split('class="xf-list"', 1)[1]))

    assert total == len(listed(overdue) | listed(near))


def test_supervision_scope(client_as, db_session):
    other = org_id(db_session, "河东镇")
    add_cases(db_session, [{"township_id": other, "title": "河东镇转办多次", "transfer_count": 5,
                            "received_at": datetime(2025, 1, 1)}])
    page = client_as("manager").get("/reports/supervision/").get_data(as_text=True)
    assert "河东镇转办多次" not in page
    county = client_as("county_manager").get("/reports/supervision/").get_data(as_text=True)
    assert "河东镇转办多次" in county


# --- bulletins ----------------------------------------------------------------------------------------------


def test_bulletins_are_printable_pages(county_manager):
    weekly = county_manager.get("/reports/bulletins/weekly?week=2026-03-04").get_data(as_text=True)
    assert "信访工作周报" in weekly and "2026-03-02 — 2026-03-08" in weekly
    assert "bulletin.css" in weekly and "navbar" not in weekly
    assert 'id="footnotes"' in weekly and "回复率" in weekly
    bimonthly = county_manager.get("/reports/bulletins/bimonthly?year=2026&part=2").get_data(as_text=True)
    assert "信访工作情况通报" in bimonthly and "2026-03-01 — 2026-04-30" in bimonthly
    assert "2026-01-01 — 2026-02-28" in bimonthly  # the previous period beside it
    assert len(table_rows(bimonthly, "township-ranking")) == 8
    assert county_manager.get("/reports/bulletins/bimonthly?year=2026&part=9").status_code == 404
    assert county_manager.get("/reports/bulletins/weekly?week=nonsense").status_code == 200


# --- dashboard ---------------------------------------------------------------------------------------------------


def test_dashboard_data_per_scope(client_as, db_session):
    county = client_as("county_manager").get("/reports/dashboard/data").get_json()
    assert [c["code"] for c in county["cards"]][:3] == ["volume", "volume_yoy", "reply_rate"]
    assert all(c["definition"] for c in county["cards"])
    assert len(county["charts"]["monthly"]["labels"]) == 12
    assert set(county["charts"]) == {"monthly", "category", "township", "satisfaction"}
    year = county["year"]
    in_year = db_session.execute(select(func.count()).select_from(Case).where(
        Case.received_at >= datetime(year, 1, 1), Case.received_at < datetime(year + 1, 1, 1),
        Case.status != "merged")).scalar()
    assert sum(county["charts"]["category"]["data"]) == in_year
    assert int(county["cards"][0]["text"]) == in_year
    town = client_as("manager").get("/reports/dashboard/data").get_json()
    assert town["charts"]["township"]["labels"] in (["城关镇"], [])


def test_home_page_has_the_dashboard_for_managers_and_the_queue_for_clerks(client_as):
    home = client_as("county_manager").get("/").get_data(as_text=True)
    assert 'id="xf-dashboard"' in home and "vendor/chartjs/chart.umd.min.js" in home
    clerk_home = client_as("clerk").get("/").get_data(as_text=True)
    assert 'id="queue"' in clerk_home
    assert client_as("xz_admin").get("/").status_code == 200


def test_report_xlsx_opens_in_libreoffice_with_the_page_rows(county_manager, tmp_path):
    response = county_manager.post("/reports/supervision/export/cases/xlsx")
    assert response.status_code == 200
    converted = libreoffice_csv(response.get_data(), tmp_path)
    page = county_manager.get("/reports/supervision/").get_data(as_text=True)
    shown = table_rows(page, "overdue-cases")
    assert shown, "the demo county has overdue cases"
    assert converted[0][0] == "信访件编号"
    assert [r[0] for r in converted[1:]][: len(shown)] == [r[0] for r in shown]


# --- scope and audit of the supervision report's exports, bulletins and the dashboard --------------------


def test_supervision_exports_stay_in_the_township_and_are_logged(client_as, db_session):
    other = org_id(db_session, "河东镇")
    now = county_now()
    add_cases(db_session, [
        {"township_id": other, "title": "河东镇超期件", "received_at": now - timedelta(days=90),
         "next_due_at": now - timedelta(days=3), "due_at": now - timedelta(days=3)},
        {"township_id": other, "title": "河东镇重办多次", "redo_count": 4, "received_at": now - timedelta(days=90),
         "next_due_at": now + timedelta(days=40)},
    ])
    manager = client_as("manager")  # 城关镇
    for query in ("", f"?township={other}"):
        for table in ("cases", "repeated"):
            rows = csv_rows(manager.post(f"/reports/supervision/export/{table}/csv{query}"))
            assert all(r[2] != "河东镇" for r in rows[1:]), (table, query)
            assert "河东镇超期件" not in {r[1] for r in rows} and "河东镇重办多次" not in {r[1] for r in rows}
    county = client_as("county_manager")
    last = db_session.execute(select(func.max(AuditEntry.id))).scalar() or 0
    rows = csv_rows(county.post(f"/reports/supervision/export/repeated/csv?township={other}"))
    assert [r[1] for r in rows[1:]] == ["河东镇重办多次"]
    start, end = db_session.execute(
        select(AuditEntry).where(AuditEntry.id > last, AuditEntry.kind == "export").order_by(AuditEntry.id)
    ).scalars().all()
    for entry in (start, end):
        assert entry.username == "county_manager" and entry.summary == "重办或转办超过3次的信访件"
    assert end.details_data["rows"] == 1 and end.details_data["filters"] == {"township": str(other)}


def test_bulletins_and_dashboard_show_only_the_users_township(client_as, db_session):
    own, other = org_id(db_session, "城关镇"), org_id(db_session, "河东镇")
    manager, county = client_as("manager"), client_as("county_manager")
    town_bulletin = manager.get("/reports/bulletins/bimonthly?year=2026&part=2").get_data(as_text=True)
    assert [r[1] for r in table_rows(town_bulletin, "township-ranking")] == ["城关镇"]
    county_bulletin = county.get("/reports/bulletins/bimonthly?year=2026&part=2").get_data(as_text=True)
    assert "河东镇" in [r[1] for r in table_rows(county_bulletin, "township-ranking")]
    data = manager.get("/reports/dashboard/data").get_json()
    year = data["year"]

    def in_year(*where) -> int:
        return db_session.execute(select(func.count()).select_from(Case).where(
            Case.received_at >= datetime(year, 1, 1), Case.received_at < datetime(year + 1, 1, 1),
            Case.status != "merged", *where)).scalar()

    assert int(data["cards"][0]["text"]) == in_year(Case.township_id == own)
    assert in_year(Case.township_id == other) > 0  # the other township has cases the manager does not count
    assert int(county.get("/reports/dashboard/data").get_json()["cards"][0]["text"]) == in_year()
