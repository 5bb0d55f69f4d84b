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
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.cases.models import Case, CaseStatus
from tests.api.support import case_payload, org, token
from tests.support import county_now

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
    """Due at Beijing's now − 1 min: overdue, whatever the server's zone says the time is."""
    township = org(db_session, "城关镇")
    case = db_session.execute(
        select(Case).where(Case.status == CaseStatus.HANDLING.value, Case.paused_since.is_(None),
                           Case.township_id == township.id)
        .order_by(Case.id).limit(1)
    ).scalars().first()
    assert case is not None
    due = county_now() - timedelta(minutes=1)
    case.due_at = case.next_due_at = due
    db_session.commit()
    for user in ("admin", "county_leader", "leader"):
        body = client_as(user).get(f"/cases/show/{case.id}")
        assert body.status_code == 200, user
        text = body.get_data(as_text=True)
        assert 'id="badge-overdue"' in text, user
        assert 'id="badge-near"' not in text, user
