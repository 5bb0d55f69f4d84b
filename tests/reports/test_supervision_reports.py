"""Supervision order and accountability figures (by hand), the open orders of the 督查督办 report,
the 问责 report: scope, drill-down, exports, the links between the report and the overdue list.

Everything is arranged in 2015 (nothing else of the demo county lives there) and the reports are
filtered to 2015, so every expected number below is counted by hand from the lists here.
"""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import func, insert, select

from app.audit.models import AuditEntry
from app.cases.models import Case
from app.core.scoping import Scope
from app.reports import figures as F
from app.reports.figures import ReportFilters, ReportPeriod
from app.supervision.models import AccountabilityCase, AccountabilityRecord
from tests.reports.support import add_cases, add_order, org_id
from tests.reports.test_report_pages import csv_rows
from tests.support import county_today, table_rows

YEAR = ReportPeriod.year(2015)
Q2015 = "start=2015-01-01&end=2015-12-31"


@pytest.fixture
def orders(db_session):
    town, other = org_id(db_session, "城关镇"), org_id(db_session, "河东镇")
    dept = org_id(db_session, "县人力资源和社会保障局")
    issued, due = datetime(2015, 3, 5, 9, 0), date(2015, 3, 10)
    ids = {
        "o1": add_order(db_session, town, "issued", issued, due, targets="RT-CG-1"),               # open
        "o2": add_order(db_session, town, "answered", issued, date(2015, 3, 20), answered=True),  # open, answered
        "o3": add_order(db_session, town, "closed", issued, due, answered=True),                  # answered
        "o4": add_order(db_session, town, "escalated", issued, due, answered=True),               # answered, escalated
        "o5": add_order(db_session, town, "escalated", issued, due, kind="urge"),                 # escalated (no answer)
        "o6": add_order(db_session, other, "issued", issued, due, targets="RT-HD-6"),             # 河东镇: open
        # A county department addressed by 城关镇's supervisors: counts in 城关镇 (the issuer's).
        "o7": add_order(db_session, dept, "issued", issued, date(2015, 4, 1), issuer_township=town),
        "o8": add_order(db_session, town, "issued", datetime(2014, 12, 31, 9), due),             # not in 2015
    }
    ids["o9"] = add_order(db_session, town, "issued", datetime(2015, 3, 12, 9), date(2015, 3, 15), kind="talk",
                       escalated_from=ids["o4"])                                                 # open, level 3
    return town, other, dept, ids


def test_order_figures_by_hand(app, orders):
    town, other, dept, _ids = orders
    with app.app_context():
        # 城关镇 (its own units, and o7 issued by its supervisors): open o1 o2 o7 o9; answered
        # o2 o3 o4; escalated o4 o5. o6 is 河东镇's, o8 was issued in 2014.
        counts = F.supervision_orders(ReportFilters(YEAR, township_id=town, scope=Scope.all()))
        assert {k: v.numerator for k, v in counts.items()} == {
            "orders_open": 4, "orders_answered": 3, "orders_escalated": 2}
        # The whole county adds o6 (open).
        county = F.supervision_orders(ReportFilters(YEAR, scope=Scope.all()))
        assert county["orders_open"].text == "5"
        # Per township and per unit, from the same count.
        by_town = F.supervision_orders(ReportFilters(YEAR, scope=Scope.all()), by="township")["orders_open"]
        assert (by_town[town].numerator, by_town[other].numerator) == (4, 1)
        by_unit = F.supervision_orders(ReportFilters(YEAR, scope=Scope.all()), by="unit")["orders_open"]
        assert (by_unit[town].numerator, by_unit[dept].numerator, by_unit[other].numerator) == (3, 1, 1)
        # A 河东镇 user's scope: only o6, whatever the township filter says.
        hedong = Scope(township_ids=frozenset({other}))
        assert F.supervision_orders(ReportFilters(YEAR, scope=hedong))["orders_open"].numerator == 1
        assert F.supervision_orders(ReportFilters(YEAR, township_id=town, scope=hedong))["orders_open"].numerator == 0
        # Nothing issued in 2013: zeros, not errors.
        empty = F.supervision_orders(ReportFilters(ReportPeriod.year(2013), scope=Scope.all()))
        assert [v.text for v in empty.values()] == ["0", "0", "0"]


@pytest.fixture
def records(db_session):
    town, other = org_id(db_session, "城关镇"), org_id(db_session, "河东镇")
    office, dept = org_id(db_session, "城关镇信访办"), org_id(db_session, "县人力资源和社会保障局")
    add_cases(db_session, [{"township_id": town, "title": "城关镇的信访件", "petitioner_names": "王秀英"},
                           {"township_id": other, "title": "河东镇的信访件", "petitioner_names": "李四"}])
    cg_case, hd_case = (db_session.execute(select(Case.id, Case.number).where(Case.title == title)).one()
                        for title in ("城关镇的信访件", "河东镇的信访件"))

    def record(kind: str, unit: int | None, township: int | None, decided: date, person: str | None = None,
               cases: tuple = ()) -> int:
        row = AccountabilityRecord(kind=kind, unit_id=unit, township_id=township, person_name=person,
                                   reason=f"{kind}的原因", decided_by="县委县政府督查室", decided_on=decided,
                                   document_number=f"青督〔{decided.year}〕{decided.month}号",
                                   case_numbers="、".join(c[1] for c in cases))
        db_session.add(row)
        db_session.commit()
        if cases:
            db_session.execute(insert(AccountabilityCase.__table__),
                               [{"record_id": row.id, "case_id": c[0]} for c in cases])
            db_session.commit()
        return row.id

    ids = {
        "a1": record("criticism", town, town, date(2015, 4, 1), cases=(cg_case,)),
        "a2": record("criticism", office, town, date(2015, 5, 1)),
        "a3": record("talk", None, town, date(2015, 6, 1), person="张某某"),
        "a4": record("accountability", other, other, date(2015, 7, 1), cases=(hd_case, cg_case)),
        "a5": record("admonition", dept, None, date(2015, 8, 1)),
        "a6": record("criticism", town, town, date(2014, 12, 1)),  # the previous period
    }
    return town, other, office, dept, ids, cg_case, hd_case


def test_accountability_figures_by_hand(app, records):
    town, other, office, dept, *_ = records
    with app.app_context():
        # 2015 county-wide: a1–a5 → 5; criticism a1 a2, talk a3, accountability a4, admonition a5.
        county = F.accountability_counts(ReportFilters(YEAR, scope=Scope.all()))
        assert {k: v.numerator for k, v in county.items()} == {
            "accountability_count": 5, "accountability_criticism": 2, "accountability_talk": 1,
            "accountability_admonition": 1, "accountability_accountability": 1, "accountability_referral": 0}
        # 城关镇's records: a1 a2 a3 (a6 is 2014).
        assert F.accountability_counts(ReportFilters(YEAR, township_id=town, scope=Scope.all()))[
            "accountability_count"].numerator == 3
        by_unit = F.accountability_counts(ReportFilters(YEAR, scope=Scope.all()), by="unit")["accountability_count"]
        assert {k: v.numerator for k, v in by_unit.items()} == {town: 1, office: 1, other: 1, dept: 1, None: 1}
        by_town = F.accountability_counts(ReportFilters(YEAR, scope=Scope.all()), by="township")
        assert {k: v.numerator for k, v in by_town["accountability_count"].items()} == {town: 3, other: 1, None: 1}
        # A 河东镇 user sees a4 only.
        hedong = ReportFilters(YEAR, scope=Scope(township_ids=frozenset({other})))
        assert F.accountability_counts(hedong)["accountability_count"].numerator == 1
        # The rates report's figure list carries them, with a definition each.
        assert {"orders_open", "orders_answered", "orders_escalated", "accountability_count"} <= set(F.BY_CODE)
        assert all(str(f.definition) for f in F.FIGURES)


# --- the 督查督办 report's open orders ------------------------------------------------------------------


def test_supervision_report_lists_open_orders(client_as, orders):
    town, _other, _dept, ids = orders
    county = client_as("county_manager")
    page = county.get(f"/reports/supervision/?{Q2015}").get_data(as_text=True)
    rows = table_rows(page, "open-orders")
    numbers = [r[0] for r in rows]
    # Open, issued in 2015, the oldest answer deadline first (o1, o6 due 03-10 before o9, o2, o7).
    assert numbers == [f"DB{ids[k]:06d}" for k in ("o1", "o6", "o9", "o2", "o7")]
    o1 = rows[0]
    today = county_today()
    assert o1[1:6] == ["督办", "城关镇", "待单位答复", "2015-03-05", "2015-03-10"]
    assert o1[6] == str((today - date(2015, 3, 10)).days)  # days overdue
    assert o1[7] == "第2级" and o1[8] == "RT-CG-1"
    o9 = rows[2]
    assert o9[1] == "约谈" and o9[7] == f"第3级，由 DB{ids['o4']:06d} 升级"
    assert f'href="/supervision/orders/show/{ids["o1"]}"' in page
    assert 'id="orders-total">5<' in page
    # The export has the page's rows.
    exported = csv_rows(county.post(f"/reports/supervision/export/orders/csv?{Q2015}"))
    assert exported[0][0] == "督办单号" and exported[1:] == rows
    # The township filter: 城关镇's open orders.
    town_rows = table_rows(county.get(f"/reports/supervision/?{Q2015}&township={town}").get_data(as_text=True),
                           "open-orders")
    assert [r[0] for r in town_rows] == [f"DB{ids[k]:06d}" for k in ("o1", "o9", "o2", "o7")]


def test_hedong_never_sees_chengguan_orders(client_as, orders):
    _town, _other, _dept, ids = orders
    leader = client_as("leader_hd")  # 河东镇's leader: reads the reports of 河东镇
    page = leader.get(f"/reports/supervision/?{Q2015}").get_data(as_text=True)
    assert [r[0] for r in table_rows(page, "open-orders")] == [f"DB{ids['o6']:06d}"]
    assert "RT-CG-1" not in page
    exported = csv_rows(leader.post(f"/reports/supervision/export/orders/csv?{Q2015}"))
    assert [r[0] for r in exported[1:]] == [f"DB{ids['o6']:06d}"]
    assert leader.get(f"/supervision/orders/show/{ids['o1']}").status_code == 404


def test_report_and_overdue_list_link_both_ways(client_as):
    supervisor = client_as("county_supervisor")
    report = supervisor.get("/reports/supervision/?unit=5").get_data(as_text=True)
    assert 'id="to-overdue-list"' in report and "/supervision/overdue/list/?q_unit=5" in report
    overdue = supervisor.get("/supervision/overdue/list/?q_unit=5")
    assert overdue.status_code == 200
    html = overdue.get_data(as_text=True)
    assert 'id="to-supervision-report"' in html and "/reports/supervision/?unit=5" in html
    # A 承办人 reads neither the report nor the overdue list: no link offered to what they cannot open.
    assert client_as("handler").get("/reports/supervision/").status_code == 403


# --- the 问责 report ------------------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["county_manager", "manager", "county_supervisor", "supervisor", "leader"])
def test_readers_of_the_accountability_report(client_as, login):
    assert client_as(login).get("/reports/accountability/").status_code == 200


@pytest.mark.parametrize("login", ["clerk", "handler"])
def test_clerks_and_handlers_do_not_read_it(client_as, login):
    client = client_as(login)
    assert client.get("/reports/accountability/").status_code == 403
    assert client.post("/reports/accountability/export/records/csv").status_code == 403


def test_accountability_report_by_unit_kind_and_period(client_as, records):
    town, other, office, dept, ids, cg_case, hd_case = records
    county = client_as("county_manager")
    page = county.get(f"/reports/accountability/?{Q2015}").get_data(as_text=True)
    summary = {r[0]: r[1:] for r in table_rows(page, "accountability-summary")}
    # Columns: 通报批评, 约谈, 诫勉, 问责/追责, 移送, total, total of the previous period (2014).
    assert summary["合计"] == ["2", "1", "1", "1", "0", "5", "1"]
    assert summary["城关镇"] == ["1", "0", "0", "0", "0", "1", "1"]
    assert summary["城关镇信访办"] == ["1", "0", "0", "0", "0", "1", "0"]
    assert summary["仅问责个人"] == ["0", "1", "0", "0", "0", "1", "0"]
    records_rows = table_rows(page, "accountability-records")
    assert [r[0] for r in records_rows] == ["2015-08-01", "2015-07-01", "2015-06-01", "2015-05-01", "2015-04-01"]
    assert records_rows[2][1:4] == ["约谈", "", "张某某"]
    assert records_rows[0][5] == "县级"  # a county record
    # Drill-down: the cases behind a record link to their case pages; no petitioner data.
    assert f'href="/cases/show/{cg_case[0]}"' in page and cg_case[1] in page
    assert "王秀英" not in page and "李四" not in page
    # A cell drills down to the records of that unit and kind.
    drill = f"/reports/accountability/?start=2015-01-01&amp;end=2015-12-31&amp;unit={town}&amp;kind=criticism#records"
    assert drill in page
    drilled = county.get(drill.replace("&amp;", "&").split("#")[0]).get_data(as_text=True)
    assert [r[0] for r in table_rows(drilled, "accountability-records")] == ["2015-04-01"]
    # The kind filter alone.
    talks = county.get(f"/reports/accountability/?{Q2015}&kind=talk").get_data(as_text=True)
    assert [r[3] for r in table_rows(talks, "accountability-records")] == ["张某某"]


def test_hedong_never_sees_chengguan_records(client_as, records):
    town, other, office, dept, ids, cg_case, hd_case = records
    leader = client_as("leader_hd")
    page = leader.get(f"/reports/accountability/?{Q2015}").get_data(as_text=True)
    rows = table_rows(page, "accountability-records")
    assert [r[0] for r in rows] == ["2015-07-01"]  # a4, 河东镇's
    assert "城关镇" not in page.split('id="accountability-summary"')[1].split("</table>")[0]
    # a4 is also about a 城关镇 case: its number stays, but no link to a page 河东镇 may not open.
    assert f'href="/cases/show/{hd_case[0]}"' in page and f'href="/cases/show/{cg_case[0]}"' not in page
    assert leader.get(f"/cases/show/{cg_case[0]}").status_code == 404
    # Asking for 城关镇 explicitly changes nothing.
    asked = leader.get(f"/reports/accountability/?{Q2015}&township={town}").get_data(as_text=True)
    assert table_rows(asked, "accountability-records")[0][0] != "2015-04-01"
    for table in ("records", "summary"):
        exported = csv_rows(leader.post(f"/reports/accountability/export/{table}/csv?{Q2015}&township={town}"))
        assert not any("城关镇" in cell for row in exported for cell in row), table
    exported = csv_rows(leader.post(f"/reports/accountability/export/records/csv?{Q2015}"))
    assert [r[0] for r in exported[1:]] == ["2015-07-01"]


def test_accountability_export_equals_page_and_is_logged(client_as, records, db_session, tmp_path):
    county = client_as("county_manager")
    page = county.get(f"/reports/accountability/?{Q2015}").get_data(as_text=True)
    exported = csv_rows(county.post(f"/reports/accountability/export/records/csv?{Q2015}"))
    assert exported[0][:3] == ["决定日期", "问责方式", "被问责单位"]
    # (The page's case numbers are links: the helper reads "a 、 b" where the file has "a、b".)
    shown = [[c.replace(" 、 ", "、") for c in r] for r in table_rows(page, "accountability-records")]
    assert [r[:10] for r in exported[1:]] == [r[:10] for r in shown]
    assert not any(name in cell for row in exported for cell in row for name in ("王秀英", "李四"))
    response = county.post(f"/reports/accountability/export/summary/xlsx?{Q2015}")
    assert response.status_code == 200
    path = tmp_path / "summary.xlsx"
    path.write_bytes(response.get_data())
    sheet = openpyxl.load_workbook(path).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert [str(v) for v in values[1]] == ["合计", "2", "1", "1", "1", "0", "5", "1"]
    db_session.rollback()
    logged = db_session.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.username == "county_manager", AuditEntry.summary.in_(["问责记录", "按单位和方式统计的问责"]))).scalar()
    assert logged == 4  # two exports, each logged at its start and at its end


def test_accountability_report_bad_input_keeps_the_page(client_as):
    county = client_as("county_manager")
    response = county.get("/reports/accountability/?start=2015-13-40&kind=nonsense&unit=abc&page=x")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # The bad start date is kept in its field and named beside it; the other values are ignored.
    start = html.split('id="report-filters"', 1)[1].split('name="end"', 1)[0]
    assert "has-error" in start and 'value="2015-13-40"' in start
    assert '<span class="help-block">请按 2026-01-31 的格式填写日期。</span>' in start
