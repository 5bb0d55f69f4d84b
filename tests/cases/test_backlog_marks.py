"""积案 / 上级交办 marks (seeds 001, 004): who may mark, what is kept (raw rows), the history event,
the case page (the referral's own deadline flagged apart from the statutory one), the list filter
and the export."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, text

from tests.support import county_today, form_errors, page_text

DEMO_ROLES = ("admin", "county_leader", "county_supervisor", "county_manager", "handler_rsj", "clerk2",
              "clerk", "leader", "supervisor", "manager", "handler", "xz_admin")
MAY_MARK = {"admin", "county_supervisor", "supervisor"}  # 督查员 and the administrator


def _rows(app, sql: str, **params):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).all()
    finally:
        engine.dispose()


def _open_case(app, township: str = "城关镇"):
    """An open case of the township, straight from the tables (no 检举控告)."""
    return _rows(app, """
        SELECT c.id, c.number, c.version, c.received_at FROM petition_case c JOIN org_unit o ON o.id = c.township_id
        WHERE o.name = :t AND c.status IN ('accepted', 'assigned', 'handling', 'instructed', 'proposed')
          AND c.category != 'accusation' ORDER BY c.id LIMIT 1""", t=township)[0]


def _mark(client, case_id, version, **fields):
    data = {"version": version, "note": "", "referred_by": "", "referral_number": "", "referral_due": ""}
    data.update(fields)
    return client.post(f"/cases/marks/{case_id}", data=data)


def test_a_supervisor_marks_and_unmarks_with_history(app, client_as):
    case_id, number, version, _ = _open_case(app)
    due = county_today() + timedelta(days=20)
    response = _mark(client_as("supervisor"), case_id, version, is_backlog="y", is_referred="y",
                     referred_by="市信访局", referral_number="市信交〔2026〕12号", referral_due=due.isoformat(),
                     note="上级督办")
    assert response.status_code == 302
    row = _rows(app, "SELECT is_backlog, is_referred, referred_by, referral_number, referral_due FROM petition_case "
                     "WHERE id = :i", i=case_id)[0]
    assert (bool(row[0]), bool(row[1]), row[2], row[3], str(row[4])[:10]) == (
        True, True, "市信访局", "市信交〔2026〕12号", due.isoformat())
    events = _rows(app, "SELECT step, text FROM case_event WHERE case_id = :i AND step = 'backlog'", i=case_id)
    assert len(events) == 1
    assert "市信访局" in events[0][1]
    audit = _rows(app, "SELECT count(*) FROM audit_entry WHERE model = 'petition_case' AND record_id = :i "
                       "AND kind = 'update'", i=str(case_id))[0][0]
    assert audit >= 1

    page = client_as("county_manager").get(f"/cases/show/{case_id}")
    assert page.status_code == 200
    words = page_text(page)
    assert "市信交〔2026〕12号" in words
    assert due.isoformat() in words

    # Unmark: the referral's fields are cleared, a second event says so.
    version = _rows(app, "SELECT version FROM petition_case WHERE id = :i", i=case_id)[0][0]
    response = _mark(client_as("county_supervisor"), case_id, version, note="已化解")
    assert response.status_code == 302
    row = _rows(app, "SELECT is_backlog, is_referred, referred_by, referral_due FROM petition_case WHERE id = :i",
                i=case_id)[0]
    assert (bool(row[0]), bool(row[1]), row[2], row[3]) == (False, False, None, None)
    count = _rows(app, "SELECT count(*) FROM case_event WHERE case_id = :i AND step = 'backlog'", i=case_id)[0][0]
    assert count == 2


def test_a_referral_without_body_or_deadline_is_refused_and_nothing_saved(app, client_as):
    case_id, _, version, received = _open_case(app)
    response = _mark(client_as("supervisor"), case_id, version, is_referred="y")
    assert response.status_code == 422
    assert set(form_errors(response)) >= {"请填写交办机关", "请填写交办期限"}
    early = (date.fromisoformat(str(received)[:10]) - timedelta(days=3)).isoformat()
    response = _mark(client_as("supervisor"), case_id, version, is_referred="y", referred_by="省信访局",
                     referral_due=early)
    assert response.status_code == 422
    assert len(form_errors(response)) == 1
    row = _rows(app, "SELECT is_referred, referred_by FROM petition_case WHERE id = :i", i=case_id)[0]
    assert (bool(row[0]), row[1]) == (False, None)
    assert _rows(app, "SELECT count(*) FROM case_event WHERE case_id = :i AND step = 'backlog'", i=case_id)[0][0] == 0
    # A stale form (someone changed the case since) changes nothing either.
    response = _mark(client_as("supervisor"), case_id, version - 1, is_backlog="y")
    assert response.status_code == 422
    assert _rows(app, "SELECT is_backlog FROM petition_case WHERE id = :i", i=case_id)[0][0] in (0, False)


@pytest.mark.parametrize("username", DEMO_ROLES)
def test_who_may_mark(app, client_as, username):
    case_id, _, version, _ = _open_case(app)
    response = _mark(client_as(username), case_id, version, is_backlog="y")
    if username not in MAY_MARK:
        assert response.status_code == 403
    else:
        assert response.status_code == 302
    other_id, _, other_version, _ = _open_case(app, "河东镇")
    response = _mark(client_as(username), other_id, other_version, is_backlog="y")
    # Another township's case: not found for a township supervisor, marked by county-wide ones.
    expected = 403 if username not in MAY_MARK else (404 if username == "supervisor" else 302)
    assert response.status_code == expected


def test_list_filter_and_export_show_the_marks(app, client_as):
    case_id, number, version, _ = _open_case(app)
    due = county_today() - timedelta(days=1)  # the referring body's deadline passed yesterday
    assert _mark(client_as("supervisor"), case_id, version, is_backlog="y", is_referred="y", referred_by="省信访局",
                 referral_number="省信〔2026〕3号", referral_due=due.isoformat()).status_code == 302
    expected = {r[0] for r in _rows(app, """
        SELECT c.number FROM petition_case c JOIN org_unit o ON o.id = c.township_id
        WHERE o.name = '城关镇' AND c.is_backlog = :yes""", yes=True)}
    assert number in expected
    for username in ("clerk", "county_manager", "clerk2"):
        listed = client_as(username).get("/cases/list/?q_marks=backlog&psize_CaseView=100")
        assert listed.status_code == 200
        shown = {n for n in expected if n in listed.get_data(as_text=True)}
        assert shown == (set() if username == "clerk2" else expected)
    overdue = client_as("county_manager").get("/cases/list/?q_marks=referral_overdue")
    assert overdue.status_code == 200
    assert number in overdue.get_data(as_text=True)
    # The case page flags the referral's deadline on its own.
    page = client_as("county_supervisor").get(f"/cases/show/{case_id}")
    assert 'id="badge-referral"' in page.get_data(as_text=True)

    exported = client_as("county_manager").post("/cases/export/csv?q_marks=backlog")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    header = rows[0]
    for label in ("积案", "上级交办", "交办机关", "交办文号", "交办期限"):
        assert any(label in h for h in header), label
    line = next(r for r in rows[1:] if r[header.index("信访件编号") if "信访件编号" in header else 0] == number)
    assert "省信〔2026〕3号" in line
    assert due.isoformat() in line
