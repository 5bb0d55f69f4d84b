"""The administrator edits deadline rules and holidays; the workflow follows at once."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.deadlines.models import DeadlineRule, HolidayOverride
from tests.cases.workflow_support import fresh, ok, register, step, unit
from tests.support import county_now, county_today, form_errors, page_text


def _rule(db_session, code: str) -> DeadlineRule:
    db_session.expire_all()
    return db_session.execute(select(DeadlineRule).where(DeadlineRule.code == code)).scalar_one()


def _edit(client, rule: DeadlineRule, **fields):
    body = client.get(f"/deadline-rules/edit/{rule.id}").get_data(as_text=True)
    tag = re.search(r'<input[^>]*name="row_version"[^>]*>', body).group(0)
    version = re.search(r'value="(\d+)"', tag).group(1)
    data = {"days": str(rule.days), "day_kind": rule.day_kind, "basis": rule.basis or "", "row_version": version}
    data.update(fields)
    return client.post(f"/deadline-rules/edit/{rule.id}", data=data)


def test_rule_table_lists_the_statutory_defaults(admin_client):
    text = page_text(admin_client.get("/deadline-rules/list/"))
    for words in ("登记受理、交办转送", "交办不当的退回", "办理答复（自受理之日起）", "工作日", "自然日",
                  "《信访工作条例》第三十四条"):
        assert words in text


def test_admin_shortens_the_acceptance_rule_and_new_cases_follow(admin_client, clerk_client, db_session):
    rule = _rule(db_session, "accept")
    response = _edit(admin_client, rule, days="7")
    assert response.status_code == 302, form_errors(response)
    case = register(clerk_client, db_session, title="规则修改后的登记")
    assert case.accept_due_at.date() >= (case.received_at + timedelta(days=7)).date()
    assert case.accept_due_at.date() < (case.received_at + timedelta(days=12)).date()


def test_extension_ceiling_is_statutory(admin_client, db_session):
    rule = _rule(db_session, "extension")
    response = _edit(admin_client, rule, days="45")
    assert response.status_code == 200
    assert "请填写1至30之间的天数" in " ".join(form_errors(response))
    assert _rule(db_session, "extension").days == 30


def test_rules_cannot_be_added_or_deleted(admin_client, db_session):
    rule = _rule(db_session, "handle")
    # Not offered to anyone, the administrator included: the permission does not exist (403).
    assert admin_client.get("/deadline-rules/add").status_code == 403
    assert admin_client.post(f"/deadline-rules/delete/{rule.id}").status_code == 403
    assert _rule(db_session, "handle") is not None


def test_clerk_reads_but_cannot_edit_rules(clerk_client, db_session):
    rule = _rule(db_session, "handle")
    assert clerk_client.get("/deadline-rules/list/").status_code == 200
    assert clerk_client.post(f"/deadline-rules/edit/{rule.id}", data={"days": "90"}).status_code == 403
    assert _rule(db_session, "handle").days == 60
    assert clerk_client.post("/holidays/add", data={"day": "2027-01-01", "name": "元旦"}).status_code == 403


def test_holiday_override_moves_working_day_deadlines(admin_client, client_as, db_session):
    """A local day off entered by the administrator is skipped by the send-back window."""
    clerk, leader = client_as("clerk"), client_as("leader")
    town = unit(db_session, "城关镇")
    case = register(clerk, db_session, title="节假日调整测试")
    for client, code, fields in [
        (clerk, "accept", {}), (clerk, "propose", {"proposal": "交城关镇"}),
        (leader, "instruct", {"text": "请办理"}),
    ]:
        ok(step(client, case.id, code, **fields))
    # Mark every one of the next 10 days a day off (e.g. a local emergency closure).
    start = county_today()
    for offset in range(1, 11):
        day = start + timedelta(days=offset)
        response = admin_client.post("/holidays/add", data={"day": day.isoformat(), "name": "本地放假"})
        assert response.status_code == 302, form_errors(response)
    assert len(db_session.execute(select(HolidayOverride)).all()) == 10
    ok(step(clerk, case.id, "assign", unit=str(town.id)))
    from app.cases.workflow_models import Assignment

    db_session.expire_all()
    assignment = db_session.execute(select(Assignment).where(Assignment.case_id == fresh(db_session, case.id).id)).scalar_one()
    assert assignment.send_back_until.date() > start + timedelta(days=10)
    assert assignment.send_back_until > county_now() + timedelta(days=10)


def test_unknown_year_is_flagged_to_the_administrator(admin_client):
    from app.core.calendar import library_knows

    text = page_text(admin_client.get("/holidays/list/"))
    year = county_today().year
    missing = [y for y in (year, year + 1) if not library_knows(y)]
    for y in missing:
        assert f"尚未收录{y}年的节假日安排" in text
