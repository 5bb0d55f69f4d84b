"""The petitioner's SMS at registration carries the 查询码 and, for a 检举控告, names no unit; the
petitioner can stop the messages on the portal with the code and the phone's last 4 digits."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.cases.models import Case
from app.notifications.models import OutboxMessage
from app.org.models import OrgUnit
from tests.cases.workflow_support import ok, step, unit
from tests.support import case_form, form_errors, page_text

CODE = r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}"


def register(client, db_session, title: str, **overrides) -> tuple[str, Case]:
    town = unit(db_session, "城关镇")
    response = client.post("/cases/add", data=case_form(town.id, title=title, **overrides))
    assert response.status_code == 302, form_errors(response)
    code = re.search(rf"#({CODE})$", response.headers["Location"]).group(1)
    db_session.expire_all()
    return code, db_session.execute(select(Case).where(Case.title == title)).scalar_one()


def messages(db_session, case: Case) -> list[OutboxMessage]:
    db_session.rollback()
    return list(db_session.execute(
        select(OutboxMessage).where(OutboxMessage.case_id == case.id).order_by(OutboxMessage.id)).scalars())


def test_the_sms_of_an_accusation_carries_the_code_and_names_no_unit(client_as, db_session):
    county_clerk = client_as("county_clerk")
    town = unit(db_session, "城关镇")
    code, case = register(county_clerk, db_session, "举报测试：查询码短信", category="accusation",
                          reported_unit=str(town.id))
    assert case.reported_unit_id == town.id
    [sms] = messages(db_session, case)
    assert code in sms.body and case.number in sms.body and sms.recipient == "13812345678"
    names = db_session.execute(select(OrgUnit.name)).scalars().all()
    assert [name for name in names if name in sms.body] == []


def test_the_petitioner_stops_the_messages_on_the_portal(app, client_as, db_session):
    clerk = client_as("clerk")
    code, case = register(clerk, db_session, "退订测试：查询码短信")
    assert len(messages(db_session, case)) == 1
    public = app.test_client()
    page = public.get("/portal/sms-stop")
    assert page.status_code == 200 and "退订短信" in page_text(page)
    assert "退订" in page_text(public.get("/portal/query"))  # linked from the look-up page

    # Not confirmed: nothing changes.
    refused = public.post("/portal/sms-stop", data={"code": code, "phone_tail": "5678"})
    assert refused.status_code == 422 and "请勾选" in page_text(refused)
    # A wrong phone tail: the look-up's answer, nothing changes.
    wrong = public.post("/portal/sms-stop", data={"code": code, "phone_tail": "1111", "confirm": "y"})
    assert wrong.status_code == 200 and "查询码或电话号码后4位不正确" in page_text(wrong)
    db_session.rollback()
    assert not db_session.get(Case, case.id).sms_opt_out

    done = public.post("/portal/sms-stop", data={"code": code.lower(), "phone_tail": "5678", "confirm": "y"})
    assert done.status_code == 200 and "已退订短信" in page_text(done) and case.number in page_text(done)
    db_session.rollback()
    assert db_session.get(Case, case.id).sms_opt_out
    # The next step that would tell the petitioner sends nothing.
    ok(step(clerk, case.id, "accept"))
    assert len(messages(db_session, case)) == 1


def test_a_wrong_code_changes_nothing_and_says_the_same_as_the_look_up(app, client_as, db_session):
    _, case = register(client_as("clerk"), db_session, "退订测试：错误查询码")
    public = app.test_client()
    wrong = public.post("/portal/sms-stop", data={"code": "ABCD-EFGH-JKMN", "phone_tail": "5678", "confirm": "y"})
    lookup = public.post("/portal/query", data={"code": "ABCD-EFGH-JKMN", "phone_tail": "5678"})
    message = "查询码或电话号码后4位不正确"
    assert wrong.status_code == 200 and message in page_text(wrong) and message in page_text(lookup)
    db_session.rollback()
    assert not db_session.get(Case, case.id).sms_opt_out
