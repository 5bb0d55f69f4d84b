"""The leader score (四联四包) from a fixed set of held cases with known expected points."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.leaders.models import Holding, Leader, ScoreRule
from app.leaders.score import compute_scores
from tests.ledgers.support import make_entry
from tests.supervision.support import make_case, org
from tests.support import county_today, form_errors, page_text

TODAY = county_today()


def at(days_ago: int) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days_ago), time(10, 0))


@pytest.fixture
def scored(db_session):
    """A leader holding eight cases and one dispute; expected: +5 −2 −3 +5 = 5 in the last 60 days."""
    town = org(db_session, "城关镇")
    leader = Leader(name="测试领导", rank="section", post="副镇长", org_unit_id=town.id, sort_order=1, active=True)
    rival = Leader(name="对照领导", rank="section", post="副镇长", org_unit_id=town.id, sort_order=2, active=True)
    db_session.add_all([leader, rival])
    db_session.commit()
    cases = {
        # resolved in the period while held: +5
        "A": make_case(db_session, title="A 期间内办结", status="closed", due_in_days=None, closed_at=at(10)),
        # resolved before the period: nothing
        "B": make_case(db_session, title="B 期间前办结", status="closed", due_in_days=None, closed_at=at(100)),
        # reply deadline passed in the period, no reply: −2
        "C": make_case(db_session, title="C 超期未答复", due_in_days=-5),
        # replied before its deadline: nothing
        "D": make_case(db_session, title="D 按期答复", status="replied", due_in_days=-20, replied_at=at(25)),
        # its petitioner came back over the leader's head (a repeat that skips levels): −3
        "E": make_case(db_session, title="E 原案", due_in_days=20),
        # closed after the holding was handed over: nothing
        "F": make_case(db_session, title="F 移交后办结", status="closed", due_in_days=None, closed_at=at(10)),
        # skipped levels before the leader took it: nothing
        "G": make_case(db_session, title="G 越级后才包案", due_in_days=20, skips_levels=True, received_days_ago=40),
        # deadline still ahead: nothing
        "H": make_case(db_session, title="H 期限未到", due_in_days=10),
    }
    repeat = make_case(db_session, title="E 的重复越级访", due_in_days=20, skips_levels=True, received_days_ago=3,
                       repeat_of_id=cases["E"].id)
    entry = make_entry(db_session, title="已化解的纠纷", status="resolved", level="1", resolved_on=TODAY - timedelta(days=7),
                       found_on=TODAY - timedelta(days=80))
    db_session.rollback()
    for key, case in cases.items():
        taken = TODAY - timedelta(days=5 if key == "G" else 50)
        holding = Holding(leader_id=leader.id, case_id=case.id, taken_on=taken, target_number=case.number,
                          target_title=case.title)
        if key == "F":
            holding.status, holding.ended_on = "handed_over", TODAY - timedelta(days=30)
        db_session.add(holding)
    db_session.add(Holding(leader_id=leader.id, ledger_entry_id=entry.id, taken_on=TODAY - timedelta(days=50)))
    # The rival holds C as well (overdue for both) and nothing else: −2.
    db_session.add(Holding(leader_id=rival.id, case_id=cases["C"].id, taken_on=TODAY - timedelta(days=50)))
    db_session.commit()
    return {"leader": leader, "rival": rival, "cases": cases, "repeat": repeat, "entry": entry}


def test_score_from_a_fixed_set_of_cases(db_session, scored):
    leader, rival = scored["leader"], scored["rival"]
    ranked = compute_scores(db_session, [rival, leader], TODAY - timedelta(days=60), TODAY)
    assert [s.leader.id for s in ranked] == [leader.id, rival.id]
    mine = ranked[0]
    lines = sorted((line.kind, line.number, line.points) for line in mine.lines)
    cases = scored["cases"]
    assert lines == sorted([
        ("resolved", cases["A"].number, 5),
        ("overdue", cases["C"].number, -2),
        ("skipped_levels", scored["repeat"].number, -3),
        ("resolved", scored["entry"].number, 5),
    ])
    assert mine.total == 5
    assert (mine.count("resolved"), mine.count("overdue"), mine.count("skipped_levels")) == (2, 1, 1)
    assert ranked[1].total == -2
    # A shorter period sees only what happened in it.
    recent = compute_scores(db_session, [leader], TODAY - timedelta(days=6), TODAY)[0]
    assert sorted(line.number for line in recent.lines) == sorted([cases["C"].number, scored["repeat"].number])
    assert recent.total == -5


def test_rules_are_editable_and_a_rule_without_points_is_refused(admin_client, db_session, scored):
    rule = db_session.execute(select(ScoreRule).where(ScoreRule.kind == "overdue")).scalar_one()
    form = {"kind": "overdue", "points": "0", "active": "y", "note": "", "row_version": str(rule.version)}
    response = admin_client.post(f"/leaders/score-rules/edit/{rule.id}", data=form)
    assert any("不能为0" in e for e in form_errors(response)), form_errors(response)
    form["points"] = "-10"
    assert admin_client.post(f"/leaders/score-rules/edit/{rule.id}", data=form).status_code == 302
    leader = scored["leader"]
    db_session.rollback()
    assert compute_scores(db_session, [leader], TODAY - timedelta(days=60), TODAY)[0].total == -3
    # An event kind has one rule only.
    duplicate = admin_client.post("/leaders/score-rules/add", data={"kind": "resolved", "points": "1", "active": "y"})
    assert any("已有规则" in e for e in form_errors(duplicate))


def test_score_page_ranks_and_drills_down(client_as, db_session, scored):
    leader, cases = scored["leader"], scored["cases"]
    period = {"from": (TODAY - timedelta(days=60)).isoformat(), "to": TODAY.isoformat()}
    manager = client_as("manager")
    table = manager.get("/leaders/score/", query_string=period)
    assert table.status_code == 200
    row = table.get_data(as_text=True).split(f'data-leader="{leader.id}"')[1].split("</tr>")[0]
    assert '<strong>5</strong>' in row
    detail = page_text(manager.get(f"/leaders/score/{leader.id}", query_string=period))
    for number in (cases["A"].number, cases["C"].number, scored["repeat"].number, scored["entry"].number):
        assert number in detail
    assert cases["B"].number not in detail and cases["F"].number not in detail
    assert "+5" in detail and "-3" in detail
    # Another township's manager-like reader does not see 城关镇's leader.
    assert client_as("leader_hd").get(f"/leaders/score/{leader.id}", query_string=period).status_code == 404
    assert "测试领导" not in page_text(client_as("leader_hd").get("/leaders/score/", query_string=period))
