"""Supervision orders through real HTTP: the overdue list, issuing in one step, the unit's
written answer, accepting, the escalation chain (催办 → 督办 → 约谈), the work queues, the
">3 redo/transfer" flag, and refusals with a Chinese message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.cases.models import Case
from app.core.errors import DomainError
from app.supervision import orders
from app.supervision.models import OrderStatus, SupervisionOrder
from tests.ledgers.support import make_user
from tests.supervision.support import issue_form, latest_orders, make_case, org, user
from tests.support import county_now, county_today, form_errors, page_text


def _order(db_session, order_id: int) -> SupervisionOrder:
    db_session.rollback()
    return db_session.get(SupervisionOrder, order_id)


def _issue(client, db_session, *cases: Case, **overrides) -> SupervisionOrder:
    response = client.post("/supervision/orders/issue",
                           data=issue_form(" ".join(c.number for c in cases), **overrides))
    assert response.status_code == 302, form_errors(response)
    return latest_orders(db_session)[0]


# --- the overdue list --------------------------------------------------------------------------------


def test_overdue_list_shows_the_areas_overdue_near_and_flagged_cases(supervisor_client, db_session):
    overdue = make_case(db_session, title="超期未办结的城关镇案件", due_in_days=-4)
    near = make_case(db_session, title="即将到期的城关镇案件", due_in_days=1)
    flagged = make_case(db_session, title="多次重办的城关镇案件", due_in_days=30, redo_count=3, transfer_count=1)
    calm = make_case(db_session, title="期限充裕的城关镇案件", due_in_days=30, redo_count=3)
    elsewhere = make_case(db_session, "河东镇", title="河东镇超期案件", due_in_days=-4)
    closed = make_case(db_session, title="已结案的老案件", status="closed", due_in_days=None, redo_count=5)

    page = supervisor_client.get("/supervision/overdue/list/?psize_OverdueView=200")
    text = page_text(page)
    assert page.status_code == 200
    for case in (overdue, near, flagged):
        assert case.number in text, case.title
    for case in (calm, elsewhere, closed):
        assert case.number not in text, case.title
    assert "需督办" in text  # the flag on the 3 + 1 case

    only_flagged = page_text(supervisor_client.get("/supervision/overdue/list/?q_watch=flagged&psize_OverdueView=200"))
    assert flagged.number in only_flagged and overdue.number not in only_flagged
    only_overdue = page_text(supervisor_client.get("/supervision/overdue/list/?q_watch=overdue&psize_OverdueView=200"))
    assert overdue.number in only_overdue and near.number not in only_overdue


def test_needs_supervision_rule_and_clause_agree(db_session):
    cases = [
        make_case(db_session, title="三次", redo_count=3, due_in_days=10),
        make_case(db_session, title="二加二", redo_count=2, transfer_count=2, due_in_days=10),
        make_case(db_session, title="四次转办", transfer_count=4, due_in_days=10),
        make_case(db_session, title="结案的", redo_count=6, status="closed", due_in_days=None),
    ]
    assert [orders.needs_supervision(c) for c in cases] == [False, True, True, False]
    flagged = set(db_session.execute(
        select(Case.id).where(Case.id.in_([c.id for c in cases]), orders.needs_supervision_clause())
    ).scalars())
    assert flagged == {cases[1].id, cases[2].id}


def test_flag_shows_on_the_case_list_and_page(clerk_client, db_session):
    flagged = make_case(db_session, title="反复重办的案件", redo_count=2, transfer_count=2, due_in_days=10)
    page = clerk_client.get(f"/cases/show/{flagged.id}")
    assert 'id="badge-supervision"' in page.get_data(as_text=True)
    listing = clerk_client.get(f"/cases/list/?q_number={flagged.number}").get_data(as_text=True)
    assert "xf-flag-supervision" in listing
    plain = make_case(db_session, title="正常的案件", redo_count=1, due_in_days=10)
    assert 'id="badge-supervision"' not in clerk_client.get(f"/cases/show/{plain.id}").get_data(as_text=True)


# --- issuing -------------------------------------------------------------------------------------------


def test_issue_from_the_overdue_list_in_one_step(supervisor_client, db_session):
    first = make_case(db_session, title="超期一", due_in_days=-5)
    second = make_case(db_session, title="超期二", due_in_days=-2)
    # The bulk action shows the form with the two cases filled in …
    form = supervisor_client.post("/supervision/overdue/action_post",
                                  data={"action": "issue_order", "rowid": [str(first.id), str(second.id)]})
    assert form.status_code == 200
    body = page_text(form)
    assert first.number in body and second.number in body
    assert "督办" in body
    # … and issuing makes one order to their common unit (the township itself).
    order = _issue(supervisor_client, db_session, first, second)
    assert order.kind == "supervise" and order.status == OrderStatus.ISSUED.value
    assert order.unit_id == org(db_session, "城关镇").id
    assert {t.case_id for t in order.targets} == {first.id, second.id}
    assert order.issuer_township_id == org(db_session, "城关镇").id
    listed = page_text(supervisor_client.get("/supervision/overdue/list/?q_watch=overdue&psize_OverdueView=200"))
    assert "督办中" in listed


def test_cases_of_different_units_get_one_order_each(supervisor_client, db_session):
    town = make_case(db_session, title="镇办案件", due_in_days=-5)
    dept = make_case(db_session, unit="县人力资源和社会保障局", title="人社局办理的案件", due_in_days=-5)
    response = supervisor_client.post("/supervision/orders/issue", data=issue_form(f"{town.number}，{dept.number}"))
    assert response.status_code == 302
    issued = latest_orders(db_session, 2)
    assert {o.unit_id for o in issued} == {org(db_session, "城关镇").id, org(db_session, "县人力资源和社会保障局").id}
    assert all(o.target_count == 1 for o in issued)


def test_an_order_on_a_case_outside_the_supervisors_area_is_refused(supervisor_client, db_session):
    own = make_case(db_session, title="本镇案件", due_in_days=-5)
    other = make_case(db_session, "河东镇", title="河东镇案件", due_in_days=-5)
    before = db_session.execute(select(SupervisionOrder.id)).scalars().all()
    response = supervisor_client.post("/supervision/orders/issue", data=issue_form(f"{own.number} {other.number}"))
    assert response.status_code == 422
    assert any(other.number in e and "辖区" in e for e in form_errors(response)), form_errors(response)
    assert own.number in page_text(response)  # the input is kept
    # Through the overdue list's bulk action, the other township's case is simply not found.
    assert supervisor_client.post("/supervision/overdue/action_post",
                                  data={"action": "issue_order", "rowid": [str(other.id)]}).status_code == 404
    db_session.rollback()
    assert db_session.execute(select(SupervisionOrder.id)).scalars().all() == before


def test_bad_order_input_is_refused_and_kept(supervisor_client, db_session):
    case = make_case(db_session, title="超期案件", due_in_days=-5)
    yesterday = (county_today() - timedelta(days=1)).isoformat()
    response = supervisor_client.post("/supervision/orders/issue",
                                      data=issue_form(case.number, requirement="", due_on=yesterday))
    assert response.status_code == 422
    errors = form_errors(response)
    assert any("督办要求" in e for e in errors), errors
    response = supervisor_client.post("/supervision/orders/issue", data=issue_form(case.number, due_on=yesterday))
    assert response.status_code == 422
    assert any("不能早于今天" in e for e in form_errors(response)), form_errors(response)
    finished = make_case(db_session, title="已结案件", status="closed", due_in_days=None)
    response = supervisor_client.post("/supervision/orders/issue", data=issue_form(finished.number))
    assert response.status_code == 422
    assert any(finished.number in e for e in form_errors(response))


def test_only_supervisors_issue(leader_client, manager_client, db_session):
    case = make_case(db_session, title="超期案件", due_in_days=-5)
    for client in (leader_client, manager_client):
        assert client.post("/supervision/orders/issue", data=issue_form(case.number)).status_code == 403
        assert client.post("/supervision/overdue/action_post",
                           data={"action": "issue_order", "rowid": [str(case.id)]}).status_code == 403


# --- answer, accept, escalate ------------------------------------------------------------------------


def test_unit_answers_and_supervisor_accepts(supervisor_client, handler_client, db_session):
    case = make_case(db_session, title="超期案件", due_in_days=-5)
    order = _issue(supervisor_client, db_session, case)
    # The township's handler finds it in the work queue …
    home = handler_client.get("/").get_data(as_text=True)
    assert 'id="queue-orders-to-answer"' in home and order.number in home
    page = handler_client.get(f"/supervision/orders/show/{order.id}")
    assert 'id="panel-answer"' in page.get_data(as_text=True)
    empty = handler_client.post(f"/supervision/orders/answer/{order.id}", data={"text": "  "})
    assert empty.status_code == 422 and any("答复" in e for e in form_errors(empty))
    response = handler_client.post(f"/supervision/orders/answer/{order.id}",
                                   data={"text": "已约见信访人，本周内办结。"})
    assert response.status_code == 302
    assert _order(db_session, order.id).status == OrderStatus.ANSWERED.value
    assert order.number not in handler_client.get("/").get_data(as_text=True)
    # … the supervisor finds the answer waiting for review and accepts it.
    home = supervisor_client.get("/").get_data(as_text=True)
    assert 'id="queue-answers-to-review"' in home and order.number in home
    assert supervisor_client.post(f"/supervision/orders/accept/{order.id}", data={"note": "同意"}).status_code == 302
    done = _order(db_session, order.id)
    assert done.status == OrderStatus.CLOSED.value and done.closed_at is not None
    assert [e.kind for e in done.events] == ["issued", "answered", "accepted"]


def test_an_answer_by_a_unit_the_order_was_not_sent_to_is_refused(supervisor_client, leader_client,
                                                                   client_as, db_session):
    case = make_case(db_session, unit="县人力资源和社会保障局", title="人社局办理的超期案件", due_in_days=-5)
    order = _issue(supervisor_client, db_session, case)
    assert order.unit_id == org(db_session, "县人力资源和社会保障局").id
    # 城关镇's leader sees the township's order but is not of the addressed unit.
    response = leader_client.post(f"/supervision/orders/answer/{order.id}", data={"text": "我们来答复"})
    assert response.status_code == 422
    assert any("县人力资源和社会保障局" in e and "答复" in e for e in form_errors(response)), form_errors(response)
    # Another unit's handler does not even find it.
    assert client_as("handler_zjj").post(f"/supervision/orders/answer/{order.id}",
                                         data={"text": "x"}).status_code == 404
    assert _order(db_session, order.id).status == OrderStatus.ISSUED.value
    # The addressed unit answers.
    rsj = client_as("handler_rsj")
    assert order.number in rsj.get("/").get_data(as_text=True)
    assert rsj.post(f"/supervision/orders/answer/{order.id}", data={"text": "正在办理"}).status_code == 302


def test_escalation_chain_urge_supervise_talk(supervisor_client, handler_client, db_session):
    case = make_case(db_session, title="久拖不办的案件", due_in_days=-20)
    other = make_case(db_session, title="同批次另一件", due_in_days=-20)
    urge = _issue(supervisor_client, db_session, case, other, kind="urge")
    # Accepting before any answer is refused.
    early = supervisor_client.post(f"/supervision/orders/accept/{urge.id}", data={})
    assert early.status_code == 422 and any("尚未答复" in e for e in form_errors(early))
    # 催办 → 督办 without an answer (deadline passed), carrying both cases.
    due = (county_today() + timedelta(days=3)).isoformat()
    response = supervisor_client.post(f"/supervision/orders/escalate/{urge.id}", data={
        "targets": [str(t.id) for t in urge.targets], "requirement": "催办未果，现予督办。", "due_on": due})
    assert response.status_code == 302
    supervise = latest_orders(db_session)[0]
    assert supervise.kind == "supervise" and supervise.escalated_from_id == urge.id
    assert _order(db_session, urge.id).status == OrderStatus.ESCALATED.value
    # The unit answers the 督办; the supervisor escalates one case only to 约谈.
    handler_client.post(f"/supervision/orders/answer/{supervise.id}", data={"text": "正在研究"})
    keep = next(t for t in _order(db_session, supervise.id).targets if t.case_id == case.id)
    response = supervisor_client.post(f"/supervision/orders/escalate/{supervise.id}", data={
        "targets": [str(keep.id)], "requirement": "约谈单位主要负责人。", "due_on": due})
    assert response.status_code == 302
    talk = latest_orders(db_session)[0]
    assert talk.kind == "talk" and [t.case_id for t in talk.targets] == [case.id]
    assert [o.kind for o in orders.escalation_chain(talk)] == ["urge", "supervise", "talk"]
    page = page_text(supervisor_client.get(f"/supervision/orders/show/{talk.id}"))
    assert urge.number in page and supervise.number in page
    # 约谈 is the last step; an escalated (closed) order cannot be escalated again.
    last = supervisor_client.post(f"/supervision/orders/escalate/{talk.id}",
                                  data={"requirement": "再升级", "due_on": due})
    assert last.status_code == 422 and any("问责" in e for e in form_errors(last))
    closed = supervisor_client.post(f"/supervision/orders/escalate/{urge.id}",
                                    data={"requirement": "再升级", "due_on": due})
    assert closed.status_code == 422
    assert any("已办结的督办单不能升级" in e for e in form_errors(closed)), form_errors(closed)
    db_session.rollback()
    assert db_session.execute(select(SupervisionOrder).where(SupervisionOrder.escalated_from_id == urge.id)
                              ).scalars().all() == [_order(db_session, supervise.id)]


def test_escalation_rules_directly(db_session):
    """The chain as a function: 挂牌督办 → 约谈, nothing after 约谈."""
    assert orders.next_kind("urge") == "supervise"
    assert orders.next_kind("supervise") == "talk"
    assert orders.next_kind("listed") == "talk"
    assert orders.next_kind("talk") is None


# --- scoping -----------------------------------------------------------------------------------------------


def test_orders_are_invisible_and_untouchable_for_another_township(app, supervisor_client, client_as, db_session):
    case = make_case(db_session, title="城关镇超期案件", due_in_days=-5)
    order = _issue(supervisor_client, db_session, case)
    make_user(app, "hd_supervisor", "督查员", "河东镇")
    hd_leader, hd_handler, hd_supervisor = client_as("leader_hd"), client_as("handler_hd"), client_as("hd_supervisor")
    for client in (hd_leader, hd_handler, hd_supervisor):
        assert client.get(f"/supervision/orders/show/{order.id}").status_code == 404
        if client is not hd_supervisor:  # a supervisor may not answer anything (403 before any look-up)
            assert client.post(f"/supervision/orders/answer/{order.id}", data={"text": "x"}).status_code == 404
        listing = client.get(f"/supervision/orders/list/?q_number={order.number}").get_data(as_text=True)
        assert f">{order.number}<" not in listing
    client_as("handler").post(f"/supervision/orders/answer/{order.id}", data={"text": "已办"})
    for url in (f"/supervision/orders/accept/{order.id}", f"/supervision/orders/escalate/{order.id}"):
        assert hd_supervisor.post(url, data={"requirement": "x", "due_on": county_today().isoformat()}
                                  ).status_code == 404
    assert _order(db_session, order.id).status == OrderStatus.ANSWERED.value
    # The county oversees every township: it sees the order, and may step in.
    county = client_as("county_supervisor")
    assert county.get(f"/supervision/orders/show/{order.id}").status_code == 200
    assert order.number not in county.get("/").get_data(as_text=True)  # not in the county's review queue
    assert county.post(f"/supervision/orders/accept/{order.id}", data={}).status_code == 302
    export = supervisor_client.post("/supervision/orders/export/csv")
    assert export.status_code == 200 and case.number in export.get_data(as_text=True)
    assert case.number not in hd_leader.post("/supervision/orders/export/csv").get_data(as_text=True)


def test_accusation_cases_never_show_the_petitioner_on_an_order(supervisor_client, db_session):
    secret = make_case(db_session, title="举报村干部侵占补偿款", category="accusation", petitioner="举报人甲",
                       due_in_days=-5)
    plain = make_case(db_session, title="反映道路破损", petitioner="普通人乙", due_in_days=-5)
    order = _issue(supervisor_client, db_session, secret, plain)
    text = page_text(supervisor_client.get(f"/supervision/orders/show/{order.id}"))
    assert secret.number in text and "举报村干部侵占补偿款" in text
    assert "举报人甲" not in text
    assert "普通人乙" in text


def test_order_issue_uses_now_and_the_due_day(db_session):
    """Direct use of the rule (as the API will): a supervisor of the county, a due day in the past."""
    case = make_case(db_session, title="超期案件", due_in_days=-5)
    actor = user(db_session, "county_supervisor")
    with pytest.raises(DomainError) as refused:
        orders.issue_orders(db_session, actor, kind="urge", requirement="请办理", due_on=county_today() - timedelta(days=1),
                            cases=[case], now=county_now())
    assert refused.value.field == "due_on"
    issued = orders.issue_orders(db_session, actor, kind="listed", requirement="挂牌督办", due_on=county_today(),
                                 cases=[case], now=county_now())
    assert issued[0].issuer_township_id is None and issued[0].number.startswith("DB")
    with pytest.raises(DomainError):  # a manager is no supervisor
        orders.issue_orders(db_session, user(db_session, "county_manager"), kind="urge", requirement="x",
                            due_on=county_today(), cases=[case], now=county_now())


def test_order_export_names_the_order_and_who_issued_it(supervisor_client, db_session):
    case = make_case(db_session, title="导出测试超期件", due_in_days=-5)
    order = _issue(supervisor_client, db_session, case)
    issuer = user(db_session, "supervisor")
    response = supervisor_client.post("/supervision/orders/export/csv")
    text = response.get_data(as_text=True)
    response.close()
    header, *rows = text.lstrip("\ufeff").splitlines()
    assert header.startswith("督办单号,")
    row = next(r for r in rows if case.number in r)
    assert row.startswith(f"{order.number},") and f",{issuer.last_name}{issuer.first_name}," in row
