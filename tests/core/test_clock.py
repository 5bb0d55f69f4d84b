"""The county's clock, whatever zone the server runs in (issue 15, "The county's clock").

The whole suite runs with TZ=UTC (`make test`); this module also runs each check under a server
zone far from Beijing's (America/Los_Angeles, 15–16 hours behind), so a "now" taken from the
process's zone anywhere on these paths fails here at any time of day. Expected times come from
the tz database directly (`tests.support.county_now`), not from the app's helper.
"""

from __future__ import annotations

import os
import re
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.cases.models import Case, CaseStatus
from tests.api.support import case_payload, org, token
from tests.cases.test_flags import WATCHERS, queue, report_row, watch_list
from tests.security.expected_rows import viewer, visible_case_ids
from tests.security.test_list_counts import LOGINS
from tests.support import county_now, page_text

SERVER_ZONES = ["UTC", "America/Los_Angeles"]


@pytest.fixture(params=SERVER_ZONES, autouse=True)
def server_zone(request):
    """The process's own zone (TZ) for one test, put back afterwards."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield request.param
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_the_server_zone_really_differs_from_beijing(server_zone):
    """Guard: the checks below mean something only if the process's clock is not Beijing's."""
    local = datetime.now().replace(microsecond=0)
    assert abs(local - county_now()) >= timedelta(hours=7), (server_zone, local, county_now())


def test_now_and_today_are_beijings(app):
    from app.core import clock

    with app.app_context():
        assert abs(clock.now() - county_now()) <= timedelta(seconds=5)
        assert clock.today() == county_now().date() or clock.now().hour == 0


def test_another_county_zone_is_honoured(database_uri):
    """XF_TIMEZONE names the county's zone (a county in Xinjiang keeps Urumqi time)."""
    from app.core import clock
    from tests.conftest import make_app

    app = make_app(database_uri, XF_TIMEZONE="Asia/Urumqi")
    with app.app_context():
        expected = datetime.now(ZoneInfo("Asia/Urumqi")).replace(tzinfo=None)
        assert abs(clock.now() - expected) <= timedelta(seconds=5)


def test_an_unknown_zone_stops_the_start(database_uri):
    from tests.conftest import make_app

    with pytest.raises(ValueError, match="XF_TIMEZONE"):
        make_app(database_uri, XF_TIMEZONE="Asia/Beijing")  # not a tz database name


def test_an_api_item_received_a_minute_ago_is_registered(client, db_session):
    received = (datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(minutes=1)).replace(microsecond=0)
    township = org(db_session, "城关镇")
    payload = case_payload(township.id, received_at=received.isoformat())
    response = client.post("/api/v1/cases/", json=payload, headers=token(client, "clerk"))
    assert response.status_code == 201, response.get_data(as_text=True)
    result = response.get_json()["result"]
    stored = db_session.execute(select(Case.received_at).where(Case.id == result["id"])).scalar_one()
    assert stored == received.replace(tzinfo=None)
    assert result["received_at"] == received.isoformat()  # written back with Beijing's offset


def test_the_registration_form_defaults_to_beijing_now(client_as):
    body = client_as("clerk").get("/cases/add").get_data(as_text=True)
    found = re.search(r'name="received_at"[^>]*value="([^"]+)"', body) or re.search(
        r'value="([^"]+)"[^>]*name="received_at"', body
    )
    assert found, "the form has no received_at default"
    shown = datetime.fromisoformat(found.group(1))
    assert abs(shown - county_now()) <= timedelta(minutes=2)


def test_a_case_due_a_minute_ago_in_beijing_is_overdue(client_as, db_session):
    """Due at Beijing's now − 1 min: overdue, whatever the server's zone says the time is — on
    the case page of every demo role that sees the case (by the scope rule, computed from the
    raw rows), in the case list's 超期 filter (and not its 临期 one), in the 待办 of those whose
    queue holds it, on the 超期督办 list and in the 督查督办 report."""
    township = org(db_session, "城关镇")
    case = db_session.execute(
        select(Case).where(Case.status == CaseStatus.HANDLING.value, Case.paused_since.is_(None),
                           Case.township_id == township.id, Case.responsible_unit_id == township.id)
        .order_by(Case.id).limit(1)
    ).scalars().first()
    assert case is not None
    due = county_now() - timedelta(minutes=1)
    case.due_at = case.next_due_at = due
    db_session.commit()
    readers = [user for user in LOGINS if case.id in visible_case_ids(db_session, viewer(db_session, user))]
    assert {"admin", "county_leader", "county_clerk", "clerk", "handler", "leader"} <= set(readers), readers
    queued = []
    for user in readers:
        client = client_as(user)
        body = client.get(f"/cases/show/{case.id}")
        assert body.status_code == 200, user
        text = body.get_data(as_text=True)
        assert 'id="badge-overdue"' in text, user
        assert 'id="badge-near"' not in text, user
        overdue = client.get(f"/cases/list/?q_number={case.number}&q_due=overdue")
        near = client.get(f"/cases/list/?q_number={case.number}&q_due=near")
        assert (overdue.status_code, near.status_code) == (200, 200), user
        assert case.number in page_text(overdue), user
        assert case.number not in page_text(near), user
        rows = queue(client)[0]
        if case.number in rows:
            queued.append(user)
            assert "超期" in rows[case.number] and "临期" not in rows[case.number], (user, rows[case.number])
    assert "handler" in queued, queued  # the handling unit's 待办 holds it
    for user in WATCHERS:
        client = client_as(user)
        assert case.number in watch_list(client, case.number, "overdue"), user
        assert case.number not in watch_list(client, case.number, "near"), user
        row = report_row(client, case.number)
        assert row is not None and "超期" in row and "临期" not in row, (user, row)


# Forms that default to "today", and the field holding it.
DATE_DEFAULTS = [
    ("clerk", "/ledgers/entries/add", "found_on"),
    ("clerk", "/mediation/records/add", "applied_on"),
    ("admin", "/fund/applications/add", "applied_on"),
    ("admin", "/fund/disbursements/add", "paid_on"),
    ("county_supervisor", "/supervision/accountability/add", "decided_on"),
]


def test_form_dates_default_to_beijings_day_when_the_servers_day_differs(client_as):
    """00:30 in Beijing is 16:30 of the day before in UTC: a form opened then defaults to
    Beijing's day. The suite cannot move the real clock, so the server's zone is chosen for the
    moment the test runs so that its day differs from Beijing's (UTC−12 while Beijing is before
    20:00, UTC+14 after) — the same condition as a UTC server at 00:30 Beijing time."""
    beijing = datetime.now(ZoneInfo("Asia/Shanghai"))
    zone = "Etc/GMT+12" if beijing.hour < 20 else "Pacific/Kiritimati"
    os.environ["TZ"] = zone  # the server_zone fixture puts the process's zone back
    time.tzset()
    assert date.today() != beijing.date(), (zone, date.today(), beijing)  # noqa: DTZ011 — the server's own day
    for user, url, field in DATE_DEFAULTS:
        response = client_as(user).get(url)
        assert response.status_code == 200, (user, url)
        body = response.get_data(as_text=True)
        found = re.search(rf'name="{field}"[^>]*value="([^"]*)"', body) or re.search(
            rf'value="([^"]*)"[^>]*name="{field}"', body)
        assert found, (url, field)
        assert found.group(1) == county_now().date().isoformat(), (url, field, found.group(1))


# --- no other clock -----------------------------------------------------------------------------------

# Calls that read the process's own zone (or its date), and the names they go by.
_LOCAL_CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
                ("time", "localtime"), ("time", "mktime"), ("time", "ctime"), ("time", "strftime")}


def local_clock_calls(source: str) -> list[tuple[int, str]]:
    """Where `source` reads the server's clock in its own zone: datetime.now() without a zone,
    datetime.utcnow(), datetime.today(), date.today(), time.localtime() and friends (also when
    imported by name: `from time import localtime`)."""
    import ast

    tree = ast.parse(source)
    by_name = {alias.asname or alias.name: (node.module, alias.name)
               for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
               for alias in node.names if node.module in ("time",)}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name | ast.Attribute):
            owner = func.value.id if isinstance(func.value, ast.Name) else func.value.attr
            pair = (owner, func.attr)
        elif isinstance(func, ast.Name) and func.id in by_name:
            pair = by_name[func.id]
        else:
            continue
        if pair not in _LOCAL_CLOCK:
            continue
        if pair == ("datetime", "now") and (node.args or node.keywords):
            continue  # datetime.now(tz): an aware moment, not the server's wall clock
        found.append((node.lineno, f"{pair[0]}.{pair[1]}()"))
    return found


def test_nothing_outside_the_clock_module_reads_the_servers_zone(server_zone):  # noqa: ARG001 — once per zone is cheap
    """The county's time comes from app/core/clock.py alone (migrations included): one
    `datetime.now()` elsewhere is eight hours off on a UTC server."""
    from pathlib import Path

    import app as package

    root = Path(package.__file__).parent
    assert local_clock_calls("import time\nfrom datetime import date\ndate.today(); time.localtime()") == [
        (3, "date.today()"), (3, "time.localtime()")]  # the check itself sees what it looks for
    found = []
    for path in sorted(root.rglob("*.py")):
        if path == root / "core" / "clock.py":
            continue
        found += [f"{path.relative_to(root.parent)}:{line} {call}"
                  for line, call in local_clock_calls(path.read_text(encoding="utf-8"))]
    assert found == []
