"""Accountability records (问责): recorded by supervisors against a unit and/or a person, seen by
county-level users, the 纪委 and the township concerned — never revealing a 检举控告 petitioner."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.supervision.models import AccountabilityRecord
from tests.supervision.support import issue_form, latest_orders, make_case, org
from tests.support import county_today, form_errors, page_text


def accountability_form(db_session, **overrides):
    data = {
        "kind": "criticism",
        "unit": str(org(db_session, "城关镇信访办").id),
        "person_name": "",
        "person_post": "",
        "reason": "多件信访件超过法定期限未受理。",
        "case_numbers": "",
        "order_numbers": "",
        "decided_by": "县委县政府督查室",
        "decided_on": county_today().isoformat(),
        "document_number": "青督通〔2026〕9号",
    }
    data.update(overrides)
    return data


def _latest(db_session) -> AccountabilityRecord:
    db_session.rollback()
    return db_session.execute(select(AccountabilityRecord).order_by(AccountabilityRecord.id.desc())).scalars().first()


def test_record_with_cases_and_orders_and_who_sees_it(supervisor_client, client_as, db_session):
    secret = make_case(db_session, title="举报村干部优亲厚友", category="accusation", petitioner="举报人丙", due_in_days=-9)
    plain = make_case(db_session, title="反映低保评定不公", petitioner="村民丁", due_in_days=-9)
    supervisor_client.post("/supervision/orders/issue", data=issue_form(f"{secret.number} {plain.number}"))
    order = latest_orders(db_session)[0]
    # The form opened from the order is filled in with it.
    prefilled = page_text(supervisor_client.get(f"/supervision/accountability/add?order={order.id}"))
    assert order.number in prefilled and secret.number in prefilled
    response = supervisor_client.post("/supervision/accountability/add", data=accountability_form(
        db_session, kind="accountability", person_name="李某", person_post="信访办主任",
        case_numbers=f"{secret.number}、{plain.number}", order_numbers=order.number))
    assert response.status_code == 302, form_errors(response)
    record = _latest(db_session)
    assert record.township_id == org(db_session, "城关镇").id
    assert {c.id for c in record.cases} == {secret.id, plain.id} and [o.id for o in record.orders] == [order.id]
    assert "李某" in record.target_label

    # County-level users, the 纪委 and the township's readers see it …
    for login in ("county_manager", "handler_jw", "manager", "county_supervisor"):
        client = client_as(login)
        page = client.get(f"/supervision/accountability/show/{record.id}")
        assert page.status_code == 200, login
        text = page_text(page)
        # … with the cases behind it that they may open: the 纪委's handler opens only what is
        # assigned to the 纪委, so these two read "（无权查看的信访件）" there.
        if login == "handler_jw":
            assert secret.number not in text and "举报村干部优亲厚友" not in text and "（无权查看的信访件）" in text
        else:
            assert secret.number in text and "举报村干部优亲厚友" in text
        # … and no page about officials reveals who reported (检举控告).
        assert "举报人丙" not in text and "村民丁" not in text
        assert "举报人丙" not in page_text(client.get("/supervision/accountability/list/"))
    # Another township and the township's own handlers do not.
    for login in ("leader_hd", "handler"):
        client = client_as(login)
        assert client.get(f"/supervision/accountability/show/{record.id}").status_code == 404, login
        assert "李某" not in page_text(client.get("/supervision/accountability/list/")), login
    assert client_as("leader_hd").post(f"/supervision/accountability/edit/{record.id}",
                                       data=accountability_form(db_session)).status_code == 403  # supervisors edit


def test_bad_accountability_input_is_refused_and_kept(supervisor_client, db_session):
    elsewhere = make_case(db_session, "河东镇", title="河东镇案件")
    response = supervisor_client.post("/supervision/accountability/add", data=accountability_form(
        db_session, unit="__None", person_name="", case_numbers=elsewhere.number, order_numbers="DB999999"))
    errors = form_errors(response)
    assert response.status_code == 200
    assert any("被问责" in e for e in errors), errors
    assert any(elsewhere.number in e for e in errors), errors
    assert any("DB999999" in e for e in errors), errors
    assert "多件信访件超过法定期限未受理。" in response.get_data(as_text=True)  # the input is kept
    other_town = supervisor_client.post("/supervision/accountability/add", data=accountability_form(
        db_session, unit=str(org(db_session, "河东镇信访办").id)))
    # Not even offered in the select box; posted anyway, it is refused.
    assert form_errors(other_town) == ["不是有效的选项"]
    future = supervisor_client.post("/supervision/accountability/add", data=accountability_form(
        db_session, decided_on=(county_today() + timedelta(days=3)).isoformat()))
    assert form_errors(future) == ["该日期晚于今天"]
    assert _latest(db_session) is None or _latest(db_session).reason != "多件信访件超过法定期限未受理。"


def test_rule_refuses_a_unit_of_another_township(db_session):
    from app.org.scoping import scope_for_user
    from app.supervision.accountability import record_problems
    from tests.supervision.support import user

    record = AccountabilityRecord(kind="criticism", unit=org(db_session, "河东镇信访办"), reason="x",
                                  decided_by="x", decided_on=county_today())
    problems = record_problems(record, scope_for_user(user(db_session, "supervisor")))
    assert [p.field for p in problems] == ["unit"]
    assert record_problems(record, scope_for_user(user(db_session, "county_supervisor"))) == []


def test_only_supervisors_record_accountability(client_as, db_session):
    for login in ("manager", "leader", "handler_jw"):
        response = client_as(login).post("/supervision/accountability/add", data=accountability_form(db_session))
        assert response.status_code == 403, login
