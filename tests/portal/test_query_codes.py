"""查询码 for every registered case (issue 18, "petitioners informed"): a visit registered at the
desk gets a code shown once, usable on the portal with the phone's last 4 digits; the clerk can
issue a new one (the old stops at once); the code is never kept in clear; who may reissue."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from app.cases.models import Case
from app.notifications.models import OutboxMessage
from app.portal.models import QueryCode
from tests.portal.support import errors, look_up, unit
from tests.support import case_form, form_errors, page_text

CODE = r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}"
# Where a code must never be in clear (the outbox's SMS is the one message that carries it).
TABLES = ("petition_case", "petitioner", "case_event", "portal_query_code", "audit_entry", "notification")


def register_visit(client, db_session, title: str, **overrides) -> tuple[str, Case, str]:
    """Register a visit through the form; (the code, the case, the receipt page's address)."""
    town = unit(db_session, "城关镇")
    response = client.post("/cases/add", data=case_form(town.id, title=title, **overrides))
    assert response.status_code == 302, form_errors(response)
    location = response.headers["Location"]
    found = re.search(rf"(/cases/receipt/\d+\?new=1)#({CODE})$", location)
    assert found, location
    db_session.expire_all()
    case = db_session.execute(select(Case).where(Case.title == title)).scalar_one()
    return found.group(2), case, found.group(1)


def assert_nowhere_in_clear(db_session, code: str) -> None:
    db_session.rollback()
    plain = code.replace("-", "")
    for table in TABLES:
        for row in db_session.execute(text(f"SELECT * FROM {table}")):  # noqa: S608 — our constants
            assert plain not in str(row) and code not in str(row), table


def test_a_visit_gets_a_code_shown_once_that_opens_its_progress(staff, public, db_session):
    clerk = staff("clerk")
    code, case, receipt_url = register_visit(clerk, db_session, "查询码测试：来访登记")
    assert case.channel == "visit"
    # The page after saving: the receipt with a place for the code, the note that it is shown once.
    page = clerk.get(receipt_url)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    body = page.get_data(as_text=True)
    assert "仅显示这一次" in body and "登记回执" in body and case.number in body
    assert code not in body and code.replace("-", "") not in body  # the code never travels to the server
    # Opened again later: it says a code was issued, not the code.
    assert "查询码已发放" in page_text(clerk.get(f"/cases/receipt/{case.id}"))

    # The petitioner follows the visit on the portal with the code and the phone's last digits.
    assert look_up(public, code, "5678").status_code == 302
    progress = public.get("/portal/progress")
    assert progress.status_code == 200 and case.number in page_text(progress)
    # A wrong phone tail: the same answer as an unknown code.
    wrong = look_up(public, code, "0000")
    assert wrong.status_code == 200 and errors(wrong)["_form"] == errors(look_up(public, "ABCD-EFGH-JKMN", "5678"))["_form"]
    assert db_session.execute(select(QueryCode).where(QueryCode.case_id == case.id)).scalar_one()
    assert_nowhere_in_clear(db_session, code)
    # The SMS to the petitioner's mobile carries the code (the outbox is where it waits to go out).
    sms = db_session.execute(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).scalars().all()
    assert [(m.recipient, m.template) for m in sms] == [("13812345678", "petition_registered")]
    # No PUBLIC_BASE_URL here: the opt-out page is named, not given as a bare path.
    assert code in sms[0].body and case.number in sms[0].body and sms[0].body.endswith("退订：网上信访平台“退订短信”页面")


def test_a_new_code_replaces_the_old_at_once(staff, public, db_session):
    clerk = staff("clerk")
    old, case, _ = register_visit(clerk, db_session, "查询码测试：重新发放")
    assert look_up(public, old, "5678").status_code == 302  # the petitioner's browser holds the case

    confirm = clerk.get(f"/cases/query-code/{case.id}")
    assert confirm.status_code == 200 and "原查询码将立即失效" in page_text(confirm)
    assert "重新发放查询码" in page_text(clerk.get(f"/cases/show/{case.id}"))
    response = clerk.post(f"/cases/query-code/{case.id}")
    assert response.status_code == 302
    new = re.search(rf"/cases/receipt/{case.id}#({CODE})$", response.headers["Location"]).group(1)
    assert new != old

    assert public.get("/portal/progress").status_code == 302  # the old look-up no longer opens it
    assert look_up(public, old, "5678").status_code == 200  # refused
    assert look_up(public, new, "5678").status_code == 302
    assert case.number in page_text(public.get("/portal/progress"))
    # The audit log says a new code was issued, by whom — never the code.
    db_session.rollback()
    entry = db_session.execute(text(
        "SELECT summary, username FROM audit_entry WHERE model = 'petition_case' AND record_id = :id "
        "AND summary LIKE '%查询码%' ORDER BY id DESC"), {"id": str(case.id)}).first()
    assert entry is not None and entry.username == "clerk" and case.number in entry.summary
    assert_nowhere_in_clear(db_session, old)
    assert_nowhere_in_clear(db_session, new)
    # The new code goes to the petitioner's mobile by SMS, like the first (the old one is not in it).
    sms = db_session.execute(select(OutboxMessage).where(OutboxMessage.case_id == case.id)
                             .order_by(OutboxMessage.id)).scalars().all()
    assert [(m.recipient, m.template) for m in sms] == [("13812345678", "petition_registered"),
                                                        ("13812345678", "petition_reissued")]
    assert sms[1].body.startswith(f"您的信访事项（编号{case.number}）已重新发放查询码{new}，原查询码已失效。")
    assert old not in sms[1].body
    # A petitioner who stopped the messages gets none for the next code.
    db_session.execute(text("UPDATE petition_case SET sms_opt_out = :yes WHERE id = :id"), {"yes": True, "id": case.id})
    db_session.commit()
    assert clerk.post(f"/cases/query-code/{case.id}").status_code == 302
    db_session.rollback()
    assert len(db_session.execute(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).all()) == 2


@pytest.mark.parametrize(("username", "allowed"), [
    ("admin", True), ("county_clerk", True), ("clerk", True),
    ("county_leader", False), ("county_supervisor", False), ("county_manager", False),
    ("handler", False), ("leader", False),
])
def test_who_may_issue_a_new_code(staff, db_session, username, allowed):
    _, case, _ = register_visit(staff("clerk"), db_session, f"查询码权限测试：{username}")
    before = db_session.execute(select(QueryCode.code_hash).where(QueryCode.case_id == case.id)).scalar_one()
    client = staff(username)
    shown = client.get(f"/cases/show/{case.id}")
    response = client.post(f"/cases/query-code/{case.id}")
    db_session.rollback()
    after = db_session.execute(select(QueryCode.code_hash).where(QueryCode.case_id == case.id)).scalar_one()
    if allowed:
        assert "重新发放查询码" in page_text(shown)
        assert response.status_code == 302 and "/cases/receipt/" in response.headers["Location"]
        assert after != before
    else:
        assert "重新发放查询码" not in page_text(shown)
        assert "/cases/receipt/" not in response.headers.get("Location", "")
        assert after == before


def test_another_township_can_neither_reissue_nor_open_the_receipt(staff, db_session):
    _, case, receipt_url = register_visit(staff("clerk"), db_session, "查询码范围测试")
    before = db_session.execute(select(QueryCode.code_hash).where(QueryCode.case_id == case.id)).scalar_one()
    other = staff("clerk2")  # 河东镇
    assert other.post(f"/cases/query-code/{case.id}").status_code == 404
    assert other.get(f"/cases/query-code/{case.id}").status_code == 404
    assert other.get(receipt_url).status_code == 404
    db_session.rollback()
    assert db_session.execute(select(QueryCode.code_hash).where(QueryCode.case_id == case.id)).scalar_one() == before


def test_a_case_without_a_phone_pairs_the_code_with_0000_and_gets_no_sms(staff, public, db_session):
    code, case, receipt_url = register_visit(staff("clerk"), db_session, "查询码测试：未留电话",
                                             **{"petitioners-0-phone": ""})
    assert "0000" in page_text(staff("clerk").get(receipt_url))
    assert db_session.execute(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).first() is None
    assert look_up(public, code, "0000").status_code == 302
    assert look_up(public, code, "5678").status_code == 200


def test_a_landline_pairs_its_digits_but_gets_no_sms(staff, public, db_session):
    code, case, _ = register_visit(staff("clerk"), db_session, "查询码测试：座机",
                                   **{"petitioners-0-phone": "0451-87654321"})
    assert db_session.execute(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).first() is None
    assert look_up(public, code, "4321").status_code == 302


def test_later_prints_of_the_acceptance_notice_say_a_code_was_issued(staff, db_session):
    from tests.cases.workflow_support import ok, step

    clerk = staff("clerk")
    code, case, _ = register_visit(clerk, db_session, "查询码测试：受理告知书")
    ok(step(clerk, case.id, "accept"))
    notice = clerk.get(f"/cases/notice/{case.id}/acceptance")
    assert notice.status_code == 200
    text_ = page_text(notice)
    assert "查询码已发放" in text_ and "重新发放" in text_ and code not in text_
    # A reissue now prints the acceptance notice itself, with a place for the new code.
    response = clerk.post(f"/cases/query-code/{case.id}")
    page = clerk.get(response.headers["Location"].split("#")[0])
    assert "受理告知书" in page_text(page) and 'id="notice-query-code"' in page.get_data(as_text=True)
