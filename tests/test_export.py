"""Exports: the list as the user sees it — same filters, scope and sort — in .csv and .xlsx."""

from __future__ import annotations

import csv
import io
from urllib.parse import unquote

import openpyxl
from sqlalchemy import select

from app.cases.models import Case
from app.core.export import export_done
from app.org.models import OrgUnit
from tests.support import libreoffice_csv


def csv_rows(response) -> list[list[str]]:
    text = response.get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_csv_export_has_chinese_headers_name_and_the_scoped_rows(clerk2_client, db_session):
    response = clerk2_client.post("/cases/export/csv")
    assert response.status_code == 200
    assert response.get_data()[:3] == b"\xef\xbb\xbf", "a BOM so Excel reads UTF-8 Chinese"
    disposition = unquote(response.headers["Content-Disposition"])
    assert "信访件_" in disposition and disposition.endswith(".csv")
    rows = csv_rows(response)
    assert rows[0][:3] == ["信访件编号", "收到时间", "信访渠道"]
    own = {n for (n,) in db_session.execute(
        select(Case.number).join(OrgUnit, Case.township_id == OrgUnit.id).where(OrgUnit.name == "河东镇"))}
    assert {r[0] for r in rows[1:]} == own
    assert all(r[2] in {"来信", "来访", "来电", "来邮", "网上信访", "上级交办", "领导信箱"} for r in rows[1:])


def test_export_applies_the_lists_filters(clerk_client, db_session):
    rows = csv_rows(clerk_client.post("/cases/export/csv?q_status=closed"))
    town = db_session.execute(select(OrgUnit).where(OrgUnit.name == "城关镇")).scalar_one()
    expected = db_session.execute(
        select(Case.number).where(Case.township_id == town.id, Case.status == "closed")
    ).scalars().all()
    assert sorted(r[0] for r in rows[1:]) == sorted(expected)
    status = rows[0].index("办理状态")
    assert all(r[status] == "已结案" for r in rows[1:])


def test_export_rows_equal_the_list_rows_in_order(clerk_client):
    page = clerk_client.get("/cases/list/?q_category=claim&psize_CaseView=100").get_data(as_text=True)
    import re

    listed = re.findall(r"XF\d{4}-\d{6}", page.split('class="xf-list"', 1)[1])
    exported = [r[0] for r in csv_rows(clerk_client.post("/cases/export/csv?q_category=claim"))[1:]]
    assert exported[: len(listed)] == listed


def test_xlsx_export_opens_and_matches_csv(clerk_client):
    csv_data = csv_rows(clerk_client.post("/cases/export/csv"))
    response = clerk_client.post("/cases/export/xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
    sheet = book.worksheets[0]
    xlsx_data = [[("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert xlsx_data == csv_data


def test_xlsx_export_opens_in_libreoffice(clerk_client, tmp_path):
    response = clerk_client.post("/cases/export/xlsx?q_status=closed")
    assert response.status_code == 200
    converted = libreoffice_csv(response.get_data(), tmp_path)
    expected = csv_rows(clerk_client.post("/cases/export/csv?q_status=closed"))
    assert len(expected) > 1, "the demo township has closed cases"
    assert [r[0] for r in converted] == [r[0] for r in expected]
    assert converted[0] == expected[0]


def test_export_needs_the_permission(handler_client):
    assert handler_client.post("/cases/export/csv").status_code == 403


def test_export_is_announced_for_the_audit_log(clerk_client):
    seen = []

    def listener(sender, **kwargs):
        seen.append(kwargs)

    export_done.connect(listener)
    try:
        rows = csv_rows(clerk_client.post("/cases/export/csv?q_status=closed"))
    finally:
        export_done.disconnect(listener)
    assert seen and seen[0]["rows"] == len(rows) - 1
    assert seen[0]["filters"] == {"q_status": ["closed"]}
    assert seen[0]["user"].username == "clerk"
