"""积案与领导包案报表: 积案 and resolved, 上级交办 closed on time, meetings by type, 下访 and problems
solved — each against an independent count over the raw rows (README "figures": the definitions),
as every demo role; a meeting's type and a visit's problems solved kept through their forms."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import create_engine, text

from tests.support import county_today, form_errors, login

READERS = {"admin", "county_leader", "county_supervisor", "county_manager", "leader", "supervisor", "manager"}
COUNTY = {"admin", "county_leader", "county_supervisor", "county_manager"}
ALL_ROLES = sorted(READERS | {"handler_rsj", "clerk2", "clerk", "handler", "xz_admin"})


def _rows(app, sql: str, **params):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).all()
    finally:
        engine.dispose()


def _day(value) -> date | None:
    return None if value is None else date.fromisoformat(str(value)[:10])


def _expected(app, township: str | None, first: date, last: date) -> dict[str, str]:
    today = county_today()
    cases = [
        (bool(b), bool(r), _day(due), _day(closed)) for b, r, due, closed, name in _rows(app, """
            SELECT c.is_backlog, c.is_referred, c.referral_due, c.closed_at, o.name
            FROM petition_case c JOIN org_unit o ON o.id = c.township_id
            WHERE c.status NOT IN ('merged', 'voided')""")
        if township is None or name == township
    ]
    backlog = [c for c in cases if c[0]]
    referred = [c for c in cases if c[1]]
    on_time = [c for c in referred if c[3] is not None and c[3] <= c[2]]
    counted = [c for c in referred if c[3] is not None or (c[2] is not None and c[2] < today)]
    rate = f"{100 * len(on_time) / len(counted):.1f}%" if counted else "—"
    found = {
        "fig-backlog": str(len(backlog)), "fig-backlog-resolved": str(sum(1 for c in backlog if c[3])),
        "fig-referred": str(len(referred)), "fig-referred-on-time": f"{rate} （{len(on_time)} / {len(counted)}）",
    }
    # A township sees its own meetings and those its units took part in or got a task from.
    meetings = _rows(app, """
        SELECT m.id, m.kind, m.held_on, o.name FROM joint_meeting m LEFT JOIN org_unit o ON o.id = m.township_id
        UNION
        SELECT m.id, m.kind, m.held_on, t.name FROM joint_meeting m
        JOIN (SELECT meeting_id, unit_id FROM joint_meeting_unit UNION SELECT meeting_id, unit_id FROM joint_meeting_task) p
          ON p.meeting_id = m.id
        JOIN org_unit u ON u.id = p.unit_id JOIN org_unit t ON t.id = COALESCE(u.township_id, u.id)""")
    for kind in ("joint", "standing", "executive", "special"):
        found[f"kind-{kind}"] = str(len({
            i for i, k, held, name in meetings
            if k == kind and first <= _day(held) <= last and (township is None or name == township)}))
    visits = [(n, _day(held)) for n, held, name in _rows(app, """
        SELECT r.problems_solved, r.held_on, o.name FROM reception r LEFT JOIN org_unit o ON o.id = r.township_id
        WHERE r.kind = 'visit'""") if first <= _day(held) <= last and (township is None or name == township)]
    found["fig-visits"] = str(len(visits))
    found["fig-solved"] = str(sum(n for n, _ in visits))
    return found


def _shown(body: str) -> dict[str, str]:
    found = {k: re.sub(r"<[^>]+>|\s+", " ", v).strip().replace("  ", " ")
             for k, v in re.findall(r'<td id="(fig-[a-z-]+)">(.*?)</td>', body, re.S)}
    found.update({f"kind-{k}": n for k, n in re.findall(r'data-kind="(\w+)"><td>[^<]*</td><td>(\d+)</td>', body)})
    return found


@pytest.fixture(scope="module")
def pages(module_app):
    found = {}
    for username in ALL_ROLES:
        c = module_app.test_client()
        login(c, username)
        response = c.get("/reports/backlog/?from=2000-01-01&to=2100-12-31")
        found[username] = (response.status_code, response.get_data(as_text=True))
    return found


@pytest.mark.parametrize("username", ALL_ROLES)
def test_figures_as_every_role(module_app, pages, username):
    status, body = pages[username]
    if username not in READERS:
        assert status == 403
        return
    assert status == 200
    expected = _expected(module_app, None if username in COUNTY else "城关镇", date(2000, 1, 1), date(2100, 12, 31))
    shown = _shown(body)
    shown["fig-referred-on-time"] = re.sub(r"\s+", " ", shown["fig-referred-on-time"]).replace("（ ", "（").replace(" ）", "）")
    assert shown == expected
    if username in COUNTY:  # the demo has every kind of figure to show
        assert int(expected["fig-backlog"]) >= 1
        assert int(expected["fig-referred"]) >= 1
        assert int(expected["fig-solved"]) >= 1
        assert int(expected["kind-special"]) == 1


def test_meeting_type_and_problems_solved_are_kept(app, client_as):
    supervisor = client_as("county_supervisor")
    today = county_today().isoformat()
    bureau = _rows(app, "SELECT id FROM org_unit WHERE name = '县信访局'")[0][0]
    response = supervisor.post("/supervision/meetings/add", data={
        "title": "信访积案化解专题会", "kind": "special", "held_on": today, "convener": "副县长 钱立华",
        "township": "", "units": [bureau], "case_numbers": "", "decisions": "逐件落实包案领导。"})
    assert response.status_code == 302, form_errors(response)
    assert _rows(app, "SELECT kind FROM joint_meeting WHERE title = '信访积案化解专题会'") == [("special",)]

    leader_id = _rows(app, "SELECT id FROM leader WHERE name = '周德明'")[0][0]
    township = _rows(app, "SELECT id FROM org_unit WHERE name = '城关镇'")[0][0]
    form = {"kind": "visit", "leader": leader_id, "slot": "", "held_on": today, "place": "城关镇东村村委会",
            "township": township, "village": "", "batches": "2", "persons": "5", "case_numbers": "", "summary": ""}
    refused = client_as("county_leader").post("/leaders/receptions/add", data={**form, "problems_solved": "-1"})
    assert refused.status_code == 200  # the model forms answer a refusal with the form again
    assert form_errors(refused) == ["不能为负数"]
    done = client_as("county_leader").post("/leaders/receptions/add", data={**form, "problems_solved": "3"})
    assert done.status_code == 302
    assert _rows(app, "SELECT problems_solved FROM reception WHERE place = '城关镇东村村委会'") == [(3,)]
