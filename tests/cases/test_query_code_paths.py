"""Every way a case is registered gives it a 查询码 that works on the portal, and queues the SMS
carrying it when the petitioner gave a mobile phone: the API (answer carries the code once),
the Excel import (no one sees the code: SMS only), the portal (its receipt)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.cases.models import Case
from app.notifications.models import OutboxMessage
from app.portal.models import QueryCode
from tests.api.support import case_payload, org, token
from tests.cases.test_import import URL, row, run
from tests.ledgers.support import workbook
from tests.support import county_now

CODE = r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}"


def sms_of(db_session, case_id: int) -> list[OutboxMessage]:
    db_session.rollback()
    return list(db_session.execute(select(OutboxMessage).where(OutboxMessage.case_id == case_id)).scalars())


def looks_up(client, code: str, tail: str) -> bool:
    return client.post("/portal/query", data={"code": code, "phone_tail": tail}).status_code == 302


def test_a_case_registered_over_the_api_gets_its_code_in_the_answer_only(client, db_session):
    headers = token(client, "clerk")
    response = client.post("/api/v1/cases/", json=case_payload(org(db_session, "城关镇").id), headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    result = response.get_json()["result"]
    code = result["query_code"]
    assert re.fullmatch(CODE, code)
    assert db_session.execute(select(QueryCode).where(QueryCode.case_id == result["id"])).scalar_one()
    # Read again, the case never shows it.
    again = client.get(f"/api/v1/cases/{result['id']}", headers=headers).get_data(as_text=True)
    assert code not in again and "query_code" not in again
    [sms] = sms_of(db_session, result["id"])
    assert sms.recipient == "13900002222" and code in sms.body
    portal = client.application.test_client()
    assert looks_up(portal, code, "2222")


def test_an_imported_case_gets_a_code_and_the_sms_with_it(clerk_client, db_session):
    title = "导入查询码测试：反映路灯不亮"
    data = workbook(clerk_client, URL, [
        row(reference="QC-2026-001", title=title, phones="13911113333",
            received_at=county_now() - timedelta(days=1)),
        row(reference="QC-2026-002", title=title + "（无电话）"),
    ])
    state, _ = run(clerk_client, data)
    assert (state["status"], state["imported"]) == ("done", 2), state
    db_session.rollback()
    with_phone = db_session.execute(select(Case).where(Case.title == title)).scalar_one()
    without = db_session.execute(select(Case).where(Case.title == title + "（无电话）")).scalar_one()
    for case in (with_phone, without):
        assert db_session.execute(select(QueryCode).where(QueryCode.case_id == case.id)).scalar_one()
    [sms] = sms_of(db_session, with_phone.id)
    assert sms.recipient == "13911113333" and with_phone.number in sms.body
    code = re.search(CODE, sms.body).group(0)
    assert looks_up(clerk_client.application.test_client(), code, "3333")
    assert sms_of(db_session, without.id) == []


def test_a_portal_letter_gets_the_sms_with_the_code_of_its_receipt(app, db_session):
    from tests.portal.support import submit

    public = app.test_client()
    code, case = submit(public, db_session)
    [sms] = sms_of(db_session, case.id)
    assert sms.template == "petition_registered" and code in sms.body
