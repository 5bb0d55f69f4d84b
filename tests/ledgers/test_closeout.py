"""Close-out (销号): resolved, six months observed, and no party petitioned in the last six months."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.ledgers.closeout import add_months
from app.ledgers.models import CloseOutRequest, LedgerEntry
from tests.ledgers.support import make_case, make_entry
from tests.support import (
    county_now,
    county_today,
    form_errors,
    table_rows,
    valid_id_number,
)

LONG_AGO = county_today() - timedelta(days=400)
OBSERVED = county_today() - timedelta(days=200)
ID_NUMBER = valid_id_number("19650304", "217")


def resolved_entry(db_session, resolved_on: date = OBSERVED, **fields):
    return make_entry(
        db_session, level="1", status="resolved", resolved_on=resolved_on, found_on=LONG_AGO,
        parties=fields.pop("parties", [("钱德福", ID_NUMBER, "13700000001")]), **fields,
    )


def apply(client, entry_id: int, reason: str = "观察期满，未再信访"):
    return client.post(f"/ledgers/entries/closeout/{entry_id}", data={"reason": reason})


def decide(client, entry_id: int, decision: str, note: str = ""):
    return client.post(f"/ledgers/entries/closeout/{entry_id}/decide",
                       data={"request_id": _pending_id(client, entry_id), "decision": decision, "note": note})


def _pending_id(client, entry_id: int) -> str:
    from app.extensions import db

    with client.application.app_context():
        row = db.session.execute(
            select(CloseOutRequest.id).where(CloseOutRequest.entry_id == entry_id, CloseOutRequest.status == "pending")
        ).scalar()
    return str(row or "")


def test_add_months_clamps_to_month_end():
    assert add_months(date(2026, 8, 31), -6) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 15), 6) == date(2026, 7, 15)
    assert add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)


def test_unit_applies_and_leader_approves_after_six_quiet_months(handler_client, leader_client, db_session):
    entry = resolved_entry(db_session)
    response = apply(handler_client, entry.id)
    assert response.status_code == 302, form_errors(response)
    response = decide(leader_client, entry.id, "approve", "同意销号")
    assert response.status_code == 302, form_errors(response)
    db_session.rollback()
    entry = db_session.get(LedgerEntry, entry.id)
    assert entry.status == "closed"
    assert entry.closed_on == county_today()
    assert entry.closeout_requests[0].status == "approved"


def test_refused_while_unresolved_or_in_observation(handler_client, db_session):
    unresolved = make_entry(db_session)
    # An unresolved entry has no close-out form at all, and the rule refuses it too.
    response = apply(handler_client, unresolved.id)
    assert response.status_code == 422
    assert any("尚未化解" in e for e in form_errors(response)), form_errors(response)

    recent = resolved_entry(db_session, resolved_on=county_today() - timedelta(days=30))
    response = apply(handler_client, recent.id)
    assert response.status_code == 422
    ends = add_months(recent.resolved_on, 6).isoformat()
    assert any(ends in e and "观察期" in e for e in form_errors(response)), form_errors(response)
    db_session.rollback()
    assert db_session.get(LedgerEntry, recent.id).closeout_requests == []


def test_refused_with_the_case_number_when_a_party_petitioned_last_month(handler_client, db_session):
    entry = resolved_entry(db_session)
    case = make_case(db_session, "城关镇", county_now() - timedelta(days=30), "钱德福", id_number=ID_NUMBER)
    old = make_case(db_session, "城关镇", county_now() - timedelta(days=300), "钱德福", id_number=ID_NUMBER)
    response = apply(handler_client, entry.id)
    assert response.status_code == 422
    message = " ".join(form_errors(response))
    assert case.number in message
    assert old.number not in message  # older than six months: does not count
    db_session.rollback()
    assert db_session.get(LedgerEntry, entry.id).status == "resolved"


def test_party_matches_by_name_and_phone_without_id_number(handler_client, db_session):
    entry = resolved_entry(db_session, parties=[("孙桂兰", None, "13611112222")])
    same_name_other_phone = make_case(db_session, "城关镇", county_now() - timedelta(days=10), "孙桂兰",
                                      phone="13600000000")
    response = apply(handler_client, entry.id)
    assert response.status_code == 302, form_errors(response)  # a namesake is not the party
    db_session.rollback()
    db_session.execute(CloseOutRequest.__table__.delete())
    db_session.commit()
    case = make_case(db_session, "城关镇", county_now() - timedelta(days=10), "孙桂兰", phone="13611112222")
    response = apply(handler_client, entry.id)
    assert response.status_code == 422
    text = " ".join(form_errors(response))
    assert case.number in text and same_name_other_phone.number not in text


def test_approval_checks_again_and_names_the_new_petition(handler_client, leader_client, db_session):
    entry = resolved_entry(db_session)
    assert apply(handler_client, entry.id).status_code == 302
    # The party petitions while the application waits for the leader.
    case = make_case(db_session, "城关镇", county_now() - timedelta(days=1), "钱德福", id_number=ID_NUMBER)
    response = decide(leader_client, entry.id, "approve")
    assert response.status_code == 422
    assert any(case.number in e for e in form_errors(response)), form_errors(response)
    db_session.rollback()
    entry = db_session.get(LedgerEntry, entry.id)
    assert entry.status == "resolved"
    assert entry.closeout_requests[0].status == "pending"
    # The leader refuses it, giving the reason.
    assert any("理由" in e for e in form_errors(decide(leader_client, entry.id, "refuse")))  # reason required
    assert decide(leader_client, entry.id, "refuse", "当事人近期仍在信访").status_code == 302
    db_session.rollback()
    assert db_session.get(LedgerEntry, entry.id).closeout_requests[0].status == "refused"


def test_petitions_the_user_may_not_see_are_counted_not_named(handler_client, db_session):
    """A report of wrongdoing (检举控告) must never reveal its petitioner to the unit concerned."""
    entry = resolved_entry(db_session)
    accusation = make_case(db_session, "城关镇", county_now() - timedelta(days=20), "钱德福",
                           id_number=ID_NUMBER, category="accusation")
    elsewhere = make_case(db_session, "河东镇", county_now() - timedelta(days=20), "钱德福", id_number=ID_NUMBER)
    response = apply(handler_client, entry.id)
    text = " ".join(form_errors(response))
    assert response.status_code == 422
    assert accusation.number not in text and elsewhere.number not in text
    assert "另有2件不在您查看范围内的信访件" in text  # the accusation and 河东镇's petition


def test_who_may_apply_and_approve(clerk_client, handler_client, leader_client, db_session):
    entry = resolved_entry(db_session)
    assert apply(clerk_client, entry.id).status_code == 403
    assert apply(leader_client, entry.id).status_code == 403
    assert apply(handler_client, entry.id).status_code == 302
    assert any("待审批" in e for e in form_errors(apply(handler_client, entry.id)))  # one pending at a time
    assert decide(handler_client, entry.id, "approve").status_code == 403
    # The leader finds the one pending application on the entry, with its grounds, to decide on.
    shown = leader_client.get(f"/ledgers/entries/show/{entry.id}")
    assert shown.status_code == 200
    html = shown.get_data(as_text=True)
    [application] = table_rows(html, "entry-closeouts")
    assert application[2:4] == ["观察期满，未再信访", "待审批"]
    assert 'id="panel-decide"' in html and 'id="approve-closeout"' in html
    # The applying unit waits: no approval buttons on its page.
    assert 'id="approve-closeout"' not in handler_client.get(f"/ledgers/entries/show/{entry.id}").get_data(as_text=True)
