"""What users set: the administrator's wording of each message (placeholders checked), and each
user's choice of channel per kind — the next notification follows it."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.notifications.models import MessageTemplate, NotificationPreference, OutboxMessage
from app.security.models import AppUser
from tests.cases.workflow_support import ok, register, step


def test_the_administrator_words_a_message_and_an_unknown_placeholder_is_refused(client_as, db_session):
    admin = client_as("admin")
    page = admin.get("/notifications/admin/templates")
    assert page.status_code == 200 and 'name="code" value="petition_refused"' in page.get_data(as_text=True)
    refused = admin.post("/notifications/admin/templates", data={
        "code": "petition_refused", "body": "{number} 不予受理，联系人 {name}"})
    assert refused.status_code == 422
    error = re.search(r'id="err-petition_refused">([^<]*)<', refused.get_data(as_text=True))
    assert error.group(1) == "未知的占位符：name"
    db_session.rollback()
    assert db_session.execute(select(MessageTemplate).where(MessageTemplate.code == "petition_refused")).first() is None

    wording = "您反映的事项（{number}）依规不予受理，详见书面告知书。"
    assert admin.post("/notifications/admin/templates", data={
        "code": "petition_refused", "body": wording}).status_code == 302
    for name in ("clerk", "county_clerk", "county_manager", "handler", "leader", "clerk2"):
        client = client_as(name)
        assert client.get("/notifications/admin/templates").status_code == 403, name
        assert client.post("/notifications/admin/templates", data={
            "code": "petition_refused", "body": "改写"}).status_code == 403, name
    # The next refusal is worded as saved.
    clerk = client_as("clerk")
    case = register(clerk, db_session, title="模板改写测试")
    ok(step(clerk, case.id, "refuse", reason="属于诉讼程序解决的事项"))
    db_session.rollback()
    body = db_session.execute(select(OutboxMessage.body).where(
        OutboxMessage.case_id == case.id, OutboxMessage.template == "petition_refused")).scalar_one()
    assert body == f"您反映的事项（{case.number}）依规不予受理，详见书面告知书。"


def test_the_choice_of_channel_is_saved_and_the_next_notification_follows_it(client_as, db_session):
    leader = client_as("leader")
    page = leader.get("/notifications/preferences")
    assert page.status_code == 200
    # SMS asked without a number: refused next to the field, nothing saved.
    missing = leader.post("/notifications/preferences", data={"mobile": "", "sms_instruction_awaited": "1"})
    assert missing.status_code == 422
    assert re.search(r'id="err-mobile">([^<]*)<', missing.get_data(as_text=True)).group(1) == "接收短信须填写手机号码。"
    saved = leader.post("/notifications/preferences", data={"mobile": "13900007777", "sms_instruction_awaited": "1"})
    assert saved.status_code == 302
    db_session.rollback()
    uid = db_session.execute(select(AppUser.id).where(AppUser.username == "leader")).scalar_one()
    prefs = {(p.kind, p.email, p.sms) for p in db_session.execute(
        select(NotificationPreference).where(NotificationPreference.user_id == uid)).scalars() if p.email or p.sms}
    assert prefs == {("instruction_awaited", False, True)}

    clerk = client_as("clerk")
    case = register(clerk, db_session, title="通知设置测试")
    ok(step(clerk, case.id, "accept"))
    ok(step(clerk, case.id, "propose", proposal="交城关镇"))  # a 批示 is awaited from the leader
    db_session.rollback()
    sms = db_session.execute(select(OutboxMessage.recipient, OutboxMessage.body).where(
        OutboxMessage.template == "notification", OutboxMessage.recipient == "13900007777")).all()
    assert len(sms) == 1 and sms[0].body.startswith(f"{case.number} 等待")
