"""One rule for "redone or transferred more than 3 times" (DOMAIN.md: 12345 platforms escalate an
item redone or transferred more than 3 times), read the same by the supervisors' watch list and
the 督查督办 report, for county and township readers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.reports.support import add_cases, org_id
from tests.support import county_now, page_text, table_rows

# (redo, transfer) → escalated?  The oracle: times redone plus times transferred, more than 3.
GRID = [(0, 0, False), (3, 0, False), (0, 3, False), (2, 1, False), (2, 2, True), (1, 3, True),
        (4, 0, True), (0, 4, True), (3, 3, True)]


def _title(redo: int, transfer: int) -> str:
    return f"重办{redo}次转办{transfer}次"


@pytest.fixture
def grid_cases(db_session):
    town = org_id(db_session, "城关镇")
    unit = org_id(db_session, "县人力资源和社会保障局")
    now = county_now()
    add_cases(db_session, [
        {"township_id": town, "responsible_unit_id": unit, "title": _title(redo, transfer), "status": "handling",
         "received_at": now - timedelta(days=20), "redo_count": redo, "transfer_count": transfer,
         "next_due_at": now + timedelta(days=40), "due_at": now + timedelta(days=40)}
        for redo, transfer, _ in GRID
    ])
    return {_title(r, t): expected for r, t, expected in GRID}


@pytest.mark.parametrize("login", ["county_manager", "county_supervisor", "admin", "manager", "supervisor"])
def test_report_and_watch_list_flag_the_same_cases(client_as, grid_cases, login):
    client = client_as(login)
    expected = {title for title, flagged in grid_cases.items() if flagged}
    report = client.get("/reports/supervision/?psize=500")
    assert report.status_code == 200
    in_report = {row[1] for row in table_rows(report.get_data(as_text=True), "repeated-cases")} & set(grid_cases)
    assert in_report == expected
    if login in ("county_supervisor", "admin", "supervisor"):
        listed = page_text(client.get("/supervision/overdue/list/?q_watch=flagged&psize_OverdueView=200"))
        assert {t for t in grid_cases if t in listed} == expected
