"""四联四包 page (seed 004): the overdue and 积案 cases no county leader holds and the holdings per
county leader, each checked against an independent count over the raw rows, as every demo role;
a supervisor's proposal (the proposed leader notified) and the leader taking it through the holding form."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, text

from tests.support import county_now, form_errors

VIEWERS = {"admin", "county_leader", "county_supervisor", "county_manager", "leader", "supervisor", "manager"}
ALL_ROLES = sorted(VIEWERS | {"handler_rsj", "clerk2", "clerk", "handler", "xz_admin"})
OPEN = ("registered", "accepted", "proposed", "instructed", "assigned", "returned", "handling", "in_review",
        "approved", "reviewing")


def _rows(app, sql: str, **params):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).all()
    finally:
        engine.dispose()


def _expected_unheld(app, township: str | None) -> set[str]:
    """Open cases overdue or marked 积案, held by no active county-level leader — from the tables."""
    now = county_now().isoformat(" ")
    statuses = ", ".join(f"'{s}'" for s in OPEN)
    rows = _rows(app, f"""
        SELECT c.number, o.name, c.next_due_at, c.is_backlog FROM petition_case c JOIN org_unit o ON o.id = c.township_id
        WHERE c.status IN ({statuses}) AND c.id NOT IN (
            SELECT h.case_id FROM leader_holding h JOIN leader l ON l.id = h.leader_id
            WHERE h.status = 'holding' AND h.case_id IS NOT NULL AND l.rank = 'county')""")
    return {
        number for number, name, due, backlog in rows
        if (bool(backlog) or (due is not None and str(due) < now)) and (township is None or name == township)
    }


def _listed(body: str, table: str) -> set[str]:
    part = body.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return set(re.findall(r'data-case="([^"]+)"', part))


@pytest.fixture(scope="module")
def pages(module_app):
    from tests.support import login

    found = {}
    for username in ALL_ROLES:
        c = module_app.test_client()
        login(c, username)
        response = c.get("/leaders/coverage/")
        found[username] = (response.status_code, response.get_data(as_text=True))
    return found


@pytest.mark.parametrize("username", ALL_ROLES)
def test_unheld_cases_as_every_role(module_app, pages, username):
    status, body = pages[username]
    if username not in VIEWERS:
        assert status == 403
        return
    assert status == 200
    township = None if username in {"admin", "county_leader", "county_supervisor", "county_manager"} else "城关镇"
    expected = _expected_unheld(module_app, township)
    assert expected  # the demo leaves overdue cases no county leader holds
    # No 检举控告 in the demo reaches these viewers' own unit, so the scope is place only.
    assert _listed(body, "unheld-cases") == expected


def test_holdings_per_county_leader(module_app, pages):
    counts = dict(_rows(module_app, """
        SELECT l.id, (SELECT count(*) FROM leader_holding h WHERE h.leader_id = l.id AND h.status = 'holding'
                      AND h.case_id IS NOT NULL)
        FROM leader l WHERE l.rank = 'county' AND l.active = :yes""", yes=True))
    assert 0 in counts.values()  # the demo's deputy county head holds nothing: flagged
    body = pages["county_manager"][1]
    part = body.split('id="leader-holdings"', 1)[1].split("</table>", 1)[0]
    shown = {int(i): int(n) for i, n in re.findall(r'data-leader="(\d+)"[^>]*>\s*<td>.*?</td>\s*<td>(\d+)', part, re.S)}
    assert shown == counts
    assert part.count("xf-holds-none") == sum(1 for n in counts.values() if n == 0)
    # A township's users see no county leader (a leader record is its own org's).
    township = pages["supervisor"][1].split('id="leader-holdings"', 1)[1].split("</table>", 1)[0]
    assert "data-leader=" not in township


def test_propose_then_the_leader_takes_it(app, client_as):
    number, case_id = _rows(app, """
        SELECT c.number, c.id FROM petition_case c WHERE c.status IN ('assigned', 'handling') AND c.category != 'accusation'
        AND c.id NOT IN (SELECT case_id FROM leader_holding WHERE case_id IS NOT NULL)
        AND c.id NOT IN (SELECT case_id FROM leader_holding_proposal) ORDER BY c.id LIMIT 1""")[0]
    proposals = "SELECT case_id, leader_id, status FROM leader_holding_proposal WHERE case_id = :c"

    leaders = dict(_rows(app, "SELECT name, id FROM leader WHERE rank = 'county'"))
    county = leaders["周德明"]
    supervisor = client_as("county_supervisor")
    form = supervisor.get(f"/leaders/coverage/propose?case={number}")
    assert form.status_code == 200
    assert f'value="{number}"' in form.get_data(as_text=True)
    # Refused: no leader; a finished case; nothing saved.
    refused = supervisor.post("/leaders/coverage/propose", data={"case_number": number, "leader": ""})
    assert refused.status_code == 422
    assert form_errors(refused) == ["请选择领导"]
    closed = _rows(app, "SELECT number FROM petition_case WHERE status = 'closed' LIMIT 1")[0][0]
    refused = supervisor.post("/leaders/coverage/propose", data={"case_number": closed, "leader": county})
    assert refused.status_code == 422
    assert len(form_errors(refused)) == 1
    # A township supervisor cannot name another township's case.
    other = _rows(app, """SELECT c.number FROM petition_case c JOIN org_unit o ON o.id = c.township_id
                          WHERE o.name = '河东镇' AND c.status = 'handling' LIMIT 1""")[0][0]
    refused = client_as("supervisor").post("/leaders/coverage/propose", data={"case_number": other, "leader": county})
    assert refused.status_code == 422
    assert _rows(app, proposals, c=case_id) == []
    # Managers read the page but do not propose.
    assert client_as("county_manager").post("/leaders/coverage/propose",
                                            data={"case_number": number, "leader": county}).status_code == 403

    done = supervisor.post("/leaders/coverage/propose", data={"case_number": number, "leader": county,
                                                             "note": "超期未结，建议县级领导包案"})
    assert done.status_code == 302
    assert _rows(app, proposals, c=case_id) == [(case_id, county, "proposed")]
    again = supervisor.post("/leaders/coverage/propose", data={"case_number": number, "leader": county})
    assert again.status_code == 422
    # The proposed leader is told in the app (their own account), nobody else.
    told = _rows(app, """SELECT u.username, n.title, n.url FROM notification n JOIN ab_user u ON u.id = n.user_id
                         WHERE n.kind = 'holding_proposed' AND n.title LIKE :t""", t=f"%{number}%")
    assert told == [("county_leader", f"建议您包案：{number}", "/leaders/coverage/#proposals")]

    leader = client_as("county_leader")
    listed = leader.get("/notifications/")
    assert listed.status_code == 200 and f"建议您包案：{number}" in listed.get_data(as_text=True)
    assert f"建议您包案：{number}" not in client_as("leader").get("/notifications/").get_data(as_text=True)
    page = leader.get("/leaders/coverage/").get_data(as_text=True)
    assert f"/leaders/holdings/add?case={number}&amp;leader={county}" in page
    prefilled = leader.get(f"/leaders/holdings/add?case={number}&leader={county}").get_data(as_text=True)
    assert f'value="{number}"' in prefilled
    taken = leader.post("/leaders/holdings/add", data={
        "leader": county, "case_number": number, "entry_number": "", "taken_on": county_now().date().isoformat(),
        "goal": "包案化解"})
    assert taken.status_code == 302
    holding = _rows(app, "SELECT id FROM leader_holding WHERE case_id = :c AND leader_id = :l", c=case_id, l=county)
    assert len(holding) == 1
    assert _rows(app, "SELECT status, holding_id FROM leader_holding_proposal WHERE case_id = :c",
                 c=case_id) == [("taken", holding[0][0])]


def test_an_accusation_never_reaches_the_unit_it_accuses(app, client_as):
    """条例 Art. 30: a 积案 that accuses 城关镇 is listed for the county, never for 城关镇's own users."""
    town = _rows(app, "SELECT id FROM org_unit WHERE name = '城关镇'")[0][0]
    case_id, number = _rows(app, """
        SELECT c.id, c.number FROM petition_case c WHERE c.township_id = :t AND c.status = 'handling'
        AND c.id NOT IN (SELECT case_id FROM leader_holding WHERE case_id IS NOT NULL) ORDER BY c.id LIMIT 1""",
                            t=town)[0]
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as conn:
        conn.execute(text("UPDATE petition_case SET category = 'accusation', reported_unit_id = :t, is_backlog = :yes "
                          "WHERE id = :i"), {"t": town, "i": case_id, "yes": True})
    engine.dispose()
    for username, shown in (("county_supervisor", True), ("county_manager", True), ("supervisor", False),
                            ("leader", False), ("manager", False)):
        body = client_as(username).get("/leaders/coverage/").get_data(as_text=True)
        assert (number in _listed(body, "unheld-cases")) is shown, username
    refused = client_as("supervisor").post("/leaders/coverage/propose", data={"case_number": number, "leader": ""})
    assert refused.status_code == 422
    assert any(number in e for e in form_errors(refused))


def test_the_propose_button_shows_where_a_county_leader_can_be_proposed(pages):
    assert "xf-propose" in pages["county_supervisor"][1]
    assert "xf-propose" not in pages["supervisor"][1]  # no county leader in a township's view
    assert "xf-propose" not in pages["county_manager"][1]  # managers read


def test_the_demo_county_has_a_proposal_waiting_for_its_leader(module_app, pages):
    """The seed proposes that 周德明 hold 城关镇's oldest 积案: listed on the page, and he was told."""
    proposals = pages["county_supervisor"][1].split('id="proposals"', 1)[1].split("</table>", 1)[0]
    assert "周德明" in proposals
    told = _rows(module_app, """SELECT u.username FROM notification n JOIN ab_user u ON u.id = n.user_id
                                WHERE n.kind = 'holding_proposed'""")
    assert told == [("county_leader",)]
