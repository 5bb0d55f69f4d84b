"""The case list's columns, multi-value filters and saved views (issue 19, "Finding things"),
and where a clerk lands after registering (the new case's receipt, not the list).

Expected values come from the raw rows: counts are COUNT(*) over petition_case with the user's
scope condition; 超期天数 is the calendar days from the deadline's day to the county's today
(DOMAIN.md: past the deadline = 超期; the overdue report counts calendar days too), computed here
with zoneinfo, not through the app's helpers.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask import g
from sqlalchemy import func, select, text

from app.cases.models import OPEN_STATUSES, Case, Subject
from app.core.scoping import scope_clause
from app.org.models import OrgUnit
from seed.data import DEMO_USERS, EXTRA_DEMO_USERS
from tests.support import DEMO_PASSWORD, case_form, form_errors, login

LOGINS = [row[0] for row in DEMO_USERS + EXTRA_DEMO_USERS]
_COUNT = re.compile(r"<strong>记录数目?:</strong>\s*([\d,]+)(\+?)")
STATUSES = ("handling", "accepted")


@pytest.fixture(scope="module")
def shared_app(module_app):
    return module_app


def _client(app, username):
    client = app.test_client()
    login(client, username, DEMO_PASSWORD)
    return client


def _oracle_count(app, username, statuses):
    from app.extensions import db
    from app.security.models import AppUser

    with app.test_request_context():
        g.user = db.session.execute(select(AppUser).where(AppUser.username == username)).scalar_one()
        count = db.session.execute(
            select(func.count()).select_from(Case).where(scope_clause(Case), Case.status.in_(statuses))
        ).scalar()
        db.session.remove()
    return count


@pytest.mark.parametrize("username", LOGINS)
def test_a_saved_view_with_several_statuses_lists_the_users_own_cases(shared_app, username):
    client = _client(shared_app, username)
    query = "&".join(f"q_status={s}" for s in STATUSES) + "&_oc_CaseView=number&_od_CaseView=asc&page_CaseView=2"
    saved = client.post("/cases/saved-views/save", data={"name": f"办理中 {username}", "query": query})
    assert saved.status_code == 302
    opened = client.get(saved.headers["Location"])
    assert opened.status_code == 302
    target = opened.headers["Location"]
    assert "page_CaseView" not in target  # filters and sort only, never the page
    page = client.get(target)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    shown = _COUNT.search(body)
    expected = _oracle_count(shared_app, username, STATUSES)
    assert shown is not None
    assert int(shown.group(1).replace(",", "")) == min(expected, 10_000)
    assert f"办理中 {username}" in body
    # The dropdown lists it; it is deleted after a confirmation page.
    view_id = int(saved.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert client.get(f"/cases/saved-views/{view_id}/delete").status_code == 200
    assert client.post(f"/cases/saved-views/{view_id}/delete").status_code == 302
    assert client.get(f"/cases/saved-views/{view_id}").status_code == 404


def test_a_personal_view_is_nobody_elses_and_sharing_is_for_managers(shared_app):
    clerk, clerk2, manager, leader = (_client(shared_app, u) for u in ("clerk", "clerk2", "manager", "leader"))
    saved = clerk.post("/cases/saved-views/save", data={"name": "我的", "query": "q_status=handling"})
    view_url = saved.headers["Location"]
    assert clerk2.get(view_url).status_code == 404
    assert leader.get(view_url).status_code == 404
    assert clerk.get("/cases/saved-views/99999999999").status_code == 404
    assert clerk.get("/cases/saved-views/x/delete").status_code == 404
    refused = clerk.post("/cases/saved-views/save", data={"name": "共享", "query": "", "shared": "1"}, follow_redirects=True)
    assert refused.status_code == 200
    assert "只有管理者才能把视图共享给本单位" in refused.get_data(as_text=True)
    assert 'data-name="共享"' not in clerk.get("/cases/list/").get_data(as_text=True)
    shared = manager.post("/cases/saved-views/save", data={"name": "本单位超期", "query": "q_due=overdue&q_person=张三", "shared": "1"})
    shared_url = shared.headers["Location"]
    # The same unit (城关镇) sees it; another township does not; the person search is not kept.
    assert leader.get(shared_url).status_code == 302
    assert "q_person" not in leader.get(shared_url).headers["Location"]
    assert clerk2.get(shared_url).status_code == 404
    # Only its owner deletes it.
    view_id = shared_url.rstrip("/").rsplit("/", 1)[1]
    assert leader.post(f"/cases/saved-views/{view_id}/delete").status_code == 403
    empty = clerk.post("/cases/saved-views/save", data={"name": "  ", "query": ""}, follow_redirects=True)
    assert "请为视图起个名字" in empty.get_data(as_text=True)


def _open_orders(app) -> set[str]:
    from app.extensions import db

    with app.app_context():
        rows = db.session.execute(text(
            "SELECT DISTINCT c.number FROM petition_case c JOIN supervision_order_target t ON t.case_id = c.id "
            "JOIN supervision_order o ON o.id = t.order_id WHERE o.status IN ('issued', 'answered')"
        )).scalars()
        found = set(rows)
        db.session.remove()
    return found


def _raw_cases(app) -> dict[str, tuple]:
    from app.extensions import db

    with app.app_context():
        rows = db.session.execute(text(
            "SELECT c.number, c.status, c.next_due_at, u.name FROM petition_case c "
            "LEFT JOIN org_unit u ON u.id = c.responsible_unit_id"
        )).all()
        db.session.remove()
    return {r[0]: r[1:] for r in rows}


@pytest.mark.parametrize("username", ["county_supervisor", "clerk"])
def test_chosen_columns_show_on_the_list_and_in_the_export(shared_app, username):
    client = _client(shared_app, username)
    chosen = ["number", "responsible_unit", "days_overdue", "open_supervision", "status"]
    saved = client.post("/cases/columns", data={"column": chosen, "query": "q_due=overdue"})
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith("/cases/list/?q_due=overdue")
    body = client.get("/cases/list/?q_due=overdue").get_data(as_text=True)
    head = body.split("<thead>", 1)[1].split("</thead>", 1)[0]
    for label in ("信访件编号", "责任单位", "超期天数", "督办单", "办理状态"):
        assert label in head
    assert "信访人" not in head  # not chosen
    export = client.post("/cases/export/csv?q_due=overdue")
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    # In the list's order, whatever order they were ticked in.
    assert rows[0] == ["信访件编号", "责任单位", "超期天数", "办理状态", "督办单"]
    assert len(rows) > 1, "the demo county has overdue cases"
    raw, supervised = _raw_cases(shared_app), _open_orders(shared_app)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    for number, unit, days, _status, order in rows[1:]:
        status, due, unit_name = raw[number]
        due = due if isinstance(due, datetime) else datetime.fromisoformat(str(due))
        assert status in {s.value for s in OPEN_STATUSES}
        assert due < datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
        assert int(days) == (today - due.date()).days
        assert unit == (unit_name or "")
        assert order == ("是" if number in supervised else "否")
    # Back to the defaults.
    client.post("/cases/columns", data={"column": [], "query": ""})
    head = client.get("/cases/list/").get_data(as_text=True).split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert "信访人" in head and "超期天数" not in head


@pytest.mark.parametrize("username", ["clerk", "county_clerk"])
def test_after_registering_the_clerk_lands_on_the_new_cases_receipt(client_as, db_session, username):
    client = client_as(username)
    town = db_session.execute(select(OrgUnit).where(OrgUnit.name == "城关镇")).scalar_one()
    subject = db_session.execute(select(Subject).limit(1)).scalar_one()
    response = client.post("/cases/add", data=case_form(town.id, subject.id))
    assert response.status_code == 302, form_errors(response)
    db_session.expire_all()
    case = db_session.execute(select(Case).order_by(Case.id.desc()).limit(1)).scalar_one()
    assert re.search(rf"/cases/receipt/{case.id}\?new=1#[A-Z0-9]{{4}}-", response.headers["Location"])
    page = client.get(response.headers["Location"].split("#", 1)[0])
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert f"信访件 {case.number} 已登记" in body
    assert f'href="/cases/show/{case.id}"' in body
    assert f'href="/cases/show/{case.id}#steps" id="accept-then-notice"' in body
