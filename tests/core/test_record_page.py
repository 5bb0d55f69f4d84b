"""A record's page with step forms answers a refused step the same way everywhere (ledger entry,
督办单, 领导包案): 422, the page again with the Chinese message next to the field, what the user
typed still in the form, and nothing changed in the database. Roles without the step get 403,
users of another township 404 — also nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.leaders.models import Holding, Leader
from app.ledgers.models import LedgerEntry
from app.supervision.models import OrderStatus, SupervisionOrder
from tests.ledgers.support import make_entry
from tests.supervision.support import issue_form, latest_orders, make_case, org, user
from tests.support import county_today, form_errors, page_text

TODAY = county_today()


def _entry_state(db_session, entry_id: int) -> tuple:
    db_session.rollback()  # end the read snapshot: see what the requests wrote
    entry = db_session.get(LedgerEntry, entry_id)
    return (entry.status, entry.level, entry.resolved_on, len(entry.notes), len(entry.level_changes), entry.version)


# --- the ledger entry's page (矛盾纠纷台账) ---------------------------------------------------------


@pytest.mark.parametrize("username", ["clerk", "handler", "county_clerk", "admin"])
def test_ledger_resolution_before_the_dispute_was_found_is_refused(client_as, db_session, username):
    entry = make_entry(db_session, level="3", found_on=TODAY - timedelta(days=10))
    before = _entry_state(db_session, entry.id)
    response = client_as(username).post(f"/ledgers/entries/resolve/{entry.id}", data={
        "resolved_on": (TODAY - timedelta(days=20)).isoformat(), "note": "双方签订调解协议书",
    })
    assert response.status_code == 422
    assert "化解日期不能早于发现日期" in form_errors(response)
    assert "双方签订调解协议书" in page_text(response)  # the note typed is kept
    assert _entry_state(db_session, entry.id) == before


@pytest.mark.parametrize("username", ["leader", "county_leader", "admin"])
def test_ledger_level_one_for_an_unresolved_dispute_is_refused(client_as, db_session, username):
    entry = make_entry(db_session, level="2")
    before = _entry_state(db_session, entry.id)
    response = client_as(username).post(f"/ledgers/entries/level/{entry.id}",
                                        data={"level": "1", "reason": "当事人表示不再追究"})
    assert response.status_code == 422
    assert "一级清单为已化解的矛盾纠纷：请先登记化解情况" in form_errors(response)
    assert "当事人表示不再追究" in page_text(response)
    assert _entry_state(db_session, entry.id) == before


def test_ledger_steps_without_the_grant_or_outside_the_township_change_nothing(client_as, db_session):
    entry = make_entry(db_session, level="3", found_on=TODAY - timedelta(days=10))
    before = _entry_state(db_session, entry.id)
    resolve = {"resolved_on": TODAY.isoformat(), "note": "已化解"}
    for username in ("county_supervisor", "county_manager", "supervisor", "manager"):
        assert client_as(username).post(f"/ledgers/entries/resolve/{entry.id}", data=resolve).status_code == 403
    assert client_as("clerk2").post(f"/ledgers/entries/resolve/{entry.id}", data=resolve).status_code == 404
    assert _entry_state(db_session, entry.id) == before


# --- the supervision order's page (督办单) ----------------------------------------------------------


def _order_state(db_session, order_id: int) -> tuple:
    db_session.rollback()
    order = db_session.get(SupervisionOrder, order_id)
    return (order.status, order.answered_at, order.closed_at, len(order.answers), len(order.events))


def _issue(db_session, client, case) -> SupervisionOrder:
    response = client.post("/supervision/orders/issue", data=issue_form(case.number))
    assert response.status_code == 302, form_errors(response)
    return latest_orders(db_session)[0]


@pytest.mark.parametrize("username", ["leader", "county_leader"])
def test_order_answer_by_a_unit_it_was_not_sent_to_is_refused(client_as, db_session, username):
    case = make_case(db_session, unit="县人力资源和社会保障局", title="人社局办理的超期案件", due_in_days=-5)
    order = _issue(db_session, client_as("supervisor"), case)
    assert order.unit_id == org(db_session, "县人力资源和社会保障局").id
    before = _order_state(db_session, order.id)
    response = client_as(username).post(f"/supervision/orders/answer/{order.id}",
                                        data={"text": "已约见信访人，本周内办结"})
    assert response.status_code == 422
    assert any("县人力资源和社会保障局" in e for e in form_errors(response)), form_errors(response)
    assert 'id="panel-answer"' not in response.get_data(as_text=True)  # no answer form for them
    assert _order_state(db_session, order.id) == before


def test_order_answer_too_long_is_refused_and_kept(client_as, db_session):
    case = make_case(db_session, unit="县人力资源和社会保障局", title="人社局办理的超期案件", due_in_days=-5)
    order = _issue(db_session, client_as("supervisor"), case)
    before = _order_state(db_session, order.id)
    text = "已约见信访人，本周内办结" + "。" * 5000
    response = client_as("handler_rsj").post(f"/supervision/orders/answer/{order.id}", data={"text": text})
    assert response.status_code == 422
    assert any("5000" in e for e in form_errors(response)), form_errors(response)
    assert text in response.get_data(as_text=True)
    assert _order_state(db_session, order.id) == before


def test_order_accepted_before_any_answer_is_refused(client_as, db_session):
    case = make_case(db_session, title="超期未答复的案件", due_in_days=-5)
    supervisor = client_as("supervisor")
    order = _issue(db_session, supervisor, case)
    before = _order_state(db_session, order.id)
    response = supervisor.post(f"/supervision/orders/accept/{order.id}", data={"note": "同意该答复意见"})
    assert response.status_code == 422
    assert any("单位尚未答复，无答复可审核。" in e for e in form_errors(response)), form_errors(response)
    assert _order_state(db_session, order.id) == before
    assert before[0] == OrderStatus.ISSUED.value
    # Roles without the decision, and another township, change nothing either.
    for username in ("county_manager", "manager", "handler", "clerk"):
        assert client_as(username).post(f"/supervision/orders/accept/{order.id}", data={}).status_code == 403
    assert client_as("leader_hd").post(f"/supervision/orders/answer/{order.id}", data={"text": "x"}).status_code == 404
    assert _order_state(db_session, order.id) == before


# --- the holding's page (领导包案) -------------------------------------------------------------------


def _holding(db_session, client, leader: Leader, case) -> Holding:
    response = client.post("/leaders/holdings/add", data={
        "leader": str(leader.id), "case_number": case.number, "entry_number": "",
        "taken_on": TODAY.isoformat(), "goal": "一案一策，限期化解。"})
    assert response.status_code == 302, form_errors(response)
    db_session.rollback()
    return db_session.execute(select(Holding).order_by(Holding.id.desc())).scalars().first()


def _holding_state(db_session, holding_id: int) -> tuple:
    db_session.rollback()
    holding = db_session.get(Holding, holding_id)
    return (holding.status, holding.ended_on, [d.done_on for d in holding.duties], len(holding.notes),
            holding.version)


@pytest.mark.parametrize("username", ["leader", "admin"])
def test_holding_duty_ticked_before_the_case_was_taken_is_refused(client_as, db_session, username):
    leader = db_session.execute(
        select(Leader).where(Leader.user_id == user(db_session, "leader").id)).scalar_one()
    holding = _holding(db_session, client_as("leader"), leader, make_case(db_session, title="重点包案案件"))
    before = _holding_state(db_session, holding.id)
    response = client_as(username).post(f"/leaders/holdings/tick/{holding.id}", data={
        "duty": str(holding.duties[0].id), "noted_on": (TODAY - timedelta(days=3)).isoformat(),
        "text": "召集自然资源局研究化解方案"})
    assert response.status_code == 422
    assert f"日期不能早于包案日期（{TODAY.isoformat()}）" in form_errors(response)
    assert "召集自然资源局研究化解方案" in page_text(response)
    assert _holding_state(db_session, holding.id) == before
    # Roles without the holding's steps, and another township's leader, change nothing.
    note = {"noted_on": TODAY.isoformat(), "text": "x"}
    for other in ("county_manager", "county_supervisor", "clerk", "handler"):
        assert client_as(other).post(f"/leaders/holdings/note/{holding.id}", data=note).status_code == 403
    assert client_as("leader_hd").post(f"/leaders/holdings/note/{holding.id}", data=note).status_code == 404
    assert _holding_state(db_session, holding.id) == before
