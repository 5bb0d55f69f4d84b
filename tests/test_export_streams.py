"""Streamed exports end cleanly however the download ends, and every one of them is logged.

Issue 16 items 7 and 8: after dozens of exports, some cut off by the browser half-way, the
connection pool ran dry ("QueuePool limit … reached") and every request then failed. The rule:
a download gives its connection back whether it completed or was cancelled, and the audit log
records its start and then its end — "完成，N 行" or "中断，N 行".
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.cases.models import Case
from app.extensions import db
from tests.reports.support import add_cases, org_id

# Who may export what: the first of these users the export answers 200 to is used.
EXPORTERS = ("county_manager", "admin", "county_supervisor")
# Completed and cancelled downloads of each export, each way: one round suffices, since the
# pool is checked empty after every export (one connection kept is one too many).
ROUNDS = 1


def export_urls(app) -> list[str]:
    """Every export the application serves, as URLs (each table of a report, each format)."""
    from app.reports.views import SUPERVISION_TABLES

    tables = {"SupervisionReportView.export": list(SUPERVISION_TABLES),
              "AccountabilityReportView.export": ["summary", "records"]}
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.endswith(".export"):
            continue
        assert rule.arguments <= {"fmt", "table"}, rule  # a new kind of export: teach this test
        for fmt in ("csv", "xlsx"):
            for table in tables.get(rule.endpoint, [None]) if "table" in rule.arguments else [None]:
                urls.append(rule.rule.replace("<fmt>", fmt).replace("<table>", table or ""))
    return sorted(urls)


def checked_out(app) -> int:
    with app.app_context():
        return db.engine.pool.checkedout()


def cancel(client, url: str, chunks: int) -> None:
    """Start a download, read `chunks` chunks of it (the test client reads one, at least),
    and hang up: what a closed tab does."""
    response = client.post(url, buffered=False)
    assert response.status_code == 200, url
    body = iter(response.response)
    for _ in range(chunks):
        next(body, None)
    response.close()


def hang_up_at_once(app, client, url: str) -> None:
    """Start a download and close it before its first byte (the test client always reads one)."""
    from werkzeug.test import EnvironBuilder

    name = app.config["SESSION_COOKIE_NAME"]
    environ = EnvironBuilder(path=url, method="POST",
                             headers={"Cookie": f"{name}={client.get_cookie(name).value}"}).get_environ()
    statuses = []
    body = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    assert statuses == ["200 OK"], url
    body.close()


def test_completed_and_cancelled_downloads_of_every_export_leave_the_pool_at_rest(app, client_as):
    clients = {name: client_as(name) for name in EXPORTERS}
    urls = export_urls(app)
    assert len(urls) > 40, urls  # every list and report table, in two formats
    assert checked_out(app) == 0
    exported = 0
    for url in urls:
        client = next((c for c in clients.values() if c.post(url).status_code == 200), None)
        if client is None:  # a list nobody is granted the export of (the deadline rules)
            continue
        exported += 1
        for _ in range(ROUNDS):
            response = client.post(url)
            assert response.status_code == 200 and response.get_data(), url
            response.close()
            hang_up_at_once(app, client, url)
            cancel(client, url, chunks=1)  # hung up after the first chunk
        assert checked_out(app) == 0, url
    assert exported > 40


@pytest.fixture
def many_cases(db_session) -> int:
    """More cases than one chunk of a download (1,000 CSV rows), so a download can be cut mid-way."""
    town = org_id(db_session, "城关镇")
    start = datetime(2015, 1, 1)
    add_cases(db_session, [{"township_id": town, "received_at": start + timedelta(minutes=i)} for i in range(2500)])
    return db_session.execute(select(func.count()).select_from(AuditEntry)).scalar() or 0


def export_entries(db_session, after: int) -> list[AuditEntry]:
    return list(db_session.execute(
        select(AuditEntry).where(AuditEntry.id > after, AuditEntry.kind == "export").order_by(AuditEntry.id)
    ).scalars())


def test_a_download_cut_off_half_way_is_logged_with_the_rows_it_got(app, client_as, db_session, many_cases):
    manager = client_as("county_manager")
    last = db_session.execute(select(func.max(AuditEntry.id))).scalar()
    # The header chunk, then the first 1,000 rows: the browser goes away with those.
    cancel(manager, "/cases/export/csv?q_status=handling", chunks=2)
    start, end = export_entries(db_session, last)
    assert (start.username, start.summary, end.username, end.summary) == ("county_manager", "信访件") * 2
    assert json.loads(start.details)["result"] == "开始导出"
    details = json.loads(end.details)
    assert details["result"] == "中断，1000 行" and details["rows"] == 1000
    assert details["start"] == start.id and details["filters"] == {"q_status": "handling"}
    assert checked_out(app) == 0


def test_a_download_closed_before_its_first_byte_is_logged(app, client_as, db_session, many_cases):
    manager = client_as("county_manager")
    last = db_session.execute(select(func.max(AuditEntry.id))).scalar()
    hang_up_at_once(app, manager, "/reports/supervision/export/cases/xlsx")
    start, end = export_entries(db_session, last)
    assert (start.username, end.username) == ("county_manager", "county_manager")
    assert (end.path, end.method) == ("/reports/supervision/export/cases/xlsx", "POST")
    assert json.loads(end.details)["result"] == "中断，0 行"
    assert json.loads(end.details)["start"] == start.id


def test_a_completed_download_is_logged_with_its_row_count(client_as, db_session, many_cases):
    manager = client_as("county_manager")
    last = db_session.execute(select(func.max(AuditEntry.id))).scalar()
    town = org_id(db_session, "城关镇")
    expected = db_session.execute(select(func.count()).select_from(Case).where(Case.township_id == town)).scalar()
    response = manager.post(f"/cases/export/xlsx?q_township={town}")
    assert response.status_code == 200
    response.get_data()
    start, end = export_entries(db_session, last)
    details = json.loads(end.details)
    assert details["rows"] == expected > 2500
    assert details["result"] == f"完成，{expected} 行"
