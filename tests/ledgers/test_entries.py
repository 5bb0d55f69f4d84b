"""The dispute ledger: recording entries through the form, level changes, resolution, notes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.ledgers.models import LedgerEntry
from tests.ledgers.support import entry_form, make_entry, org
from tests.support import county_today, form_errors, page_text


def count(db_session) -> int:
    db_session.rollback()  # end the read snapshot: see what the requests wrote
    return db_session.execute(select(func.count()).select_from(LedgerEntry)).scalar()


def test_clerk_records_entry_with_parties(clerk_client, db_session):
    town, village = org(db_session, "城关镇"), org(db_session, "红旗村")
    before = count(db_session)
    response = clerk_client.post("/ledgers/entries/add", data=entry_form(town.id, village.id))
    assert response.status_code == 302, form_errors(response)
    assert count(db_session) == before + 1
    entry = db_session.execute(select(LedgerEntry).order_by(LedgerEntry.id.desc())).scalars().first()
    assert [p.name for p in entry.parties] == ["王大山", "李小红"]
    assert entry.parties_summary == "王大山、李小红"
    assert (entry.level, entry.status) == ("2", "unresolved")
    assert [(c.from_level, c.to_level) for c in entry.level_changes] == [(None, "2")]
    page = page_text(clerk_client.get(f"/ledgers/entries/show/{entry.id}"))
    assert "王大山" in page and "13900001111" in page
    listing = page_text(clerk_client.get("/ledgers/entries/list/?q_party=王大山"))
    assert entry.number in listing


def test_bad_input_is_refused_with_messages_and_nothing_saved(clerk_client, admin_client, db_session):
    town = org(db_session, "城关镇")
    other_village = org(db_session, "沿河村")  # a village of 河东镇
    before = count(db_session)
    response = clerk_client.post("/ledgers/entries/add", data=entry_form(
        town.id, other_village.id,
        level="1",
        found_on=(county_today() + timedelta(days=3)).isoformat(),
        people_count="1",
    ))
    assert response.status_code == 200
    errors = " ".join(form_errors(response))
    assert "日期" in errors  # the found date is in the future
    assert count(db_session) == before
    # The form kept the input.
    assert "王大山与李小红宅基地边界纠纷" in response.get_data(as_text=True)

    # Another township's village cannot even be chosen by this clerk …
    response = clerk_client.post("/ledgers/entries/add", data=entry_form(town.id, other_village.id))
    assert response.status_code == 200 and form_errors(response)
    # … and for the county it must match the township.
    response = admin_client.post("/ledgers/entries/add", data=entry_form(
        town.id, other_village.id, level="1", people_count="1",
    ))
    errors = form_errors(response)
    assert any("不属于" in e for e in errors), errors  # village outside the township
    assert any("化解日期" in e for e in errors), errors  # level 1 needs a resolution date
    assert any("人数" in e for e in errors), errors  # fewer people than parties
    assert count(db_session) == before


def test_leader_raises_level_with_reason_and_history_is_kept(leader_client, clerk_client, db_session):
    entry = make_entry(db_session)
    response = leader_client.post(f"/ledgers/entries/level/{entry.id}", data={"level": "3", "reason": ""})
    assert response.status_code == 422
    assert any("理由" in e for e in form_errors(response))
    response = leader_client.post(
        f"/ledgers/entries/level/{entry.id}", data={"level": "3", "reason": "当事人扬言越级上访"}
    )
    assert response.status_code == 302
    db_session.rollback()  # end the read snapshot: see what the requests wrote
    entry = db_session.get(LedgerEntry, entry.id)
    assert entry.level == "3"
    assert [(c.from_level, c.to_level, c.reason) for c in entry.level_changes][-1] == ("2", "3", "当事人扬言越级上访")
    # Level 1 is only for resolved disputes.
    response = leader_client.post(f"/ledgers/entries/level/{entry.id}", data={"level": "1", "reason": "已平息"})
    assert any("先登记化解" in e for e in form_errors(response)), form_errors(response)
    # A clerk records, but does not change levels.
    assert clerk_client.post(
        f"/ledgers/entries/level/{entry.id}", data={"level": "2", "reason": "x"}
    ).status_code == 403


def test_resolution_moves_to_level_one_and_reopening_returns_it(clerk_client, leader_client, db_session):
    entry = make_entry(db_session, level="3")
    response = clerk_client.post(f"/ledgers/entries/resolve/{entry.id}", data={
        "resolved_on": (county_today() - timedelta(days=1)).isoformat(), "note": "双方签订协议",
    })
    assert response.status_code == 302, form_errors(response)
    db_session.rollback()  # end the read snapshot: see what the requests wrote
    entry = db_session.get(LedgerEntry, entry.id)
    assert (entry.level, entry.status) == ("1", "resolved")
    assert entry.level_changes[-1].to_level == "1"
    assert "双方签订协议" in entry.notes[0].text
    response = leader_client.post(f"/ledgers/entries/level/{entry.id}", data={"level": "2", "reason": "矛盾反复"})
    assert response.status_code == 302
    db_session.rollback()  # end the read snapshot: see what the requests wrote
    entry = db_session.get(LedgerEntry, entry.id)
    assert (entry.level, entry.status, entry.resolved_on) == ("2", "unresolved", None)


def test_progress_notes_are_dated_and_not_in_the_future(clerk_client, db_session):
    entry = make_entry(db_session)
    future = (county_today() + timedelta(days=1)).isoformat()
    response = clerk_client.post(f"/ledgers/entries/note/{entry.id}", data={"noted_on": future, "text": "回访"})
    assert response.status_code == 422
    assert form_errors(response)
    response = clerk_client.post(f"/ledgers/entries/note/{entry.id}", data={
        "noted_on": county_today().isoformat(), "text": "入户回访，当事人情绪稳定",
    })
    assert response.status_code == 302
    db_session.rollback()  # end the read snapshot: see what the requests wrote
    entry = db_session.get(LedgerEntry, entry.id)
    assert [n.text for n in entry.notes] == ["入户回访，当事人情绪稳定"]
    assert entry.last_progress_on == county_today()


def test_a_party_is_linked_to_the_case_they_brought_and_stays_linked_on_edit(clerk_client, db_session):
    from app.cases.models import Case

    town, village = org(db_session, "城关镇"), org(db_session, "红旗村")
    case = db_session.execute(select(Case).where(Case.township_id == town.id)).scalars().first()
    petitioner = case.petitioners[0]
    data = entry_form(town.id, village.id, **{"parties-0-name": petitioner.name,
                                              "parties-0-case_number": case.number})
    assert clerk_client.post("/ledgers/entries/add", data=data).status_code == 302
    db_session.rollback()
    entry = db_session.execute(select(LedgerEntry).order_by(LedgerEntry.id.desc())).scalars().first()
    party = entry.parties[0]
    assert (party.case_id, party.petitioner_id) == (case.id, petitioner.id)
    form = clerk_client.get(f"/ledgers/entries/edit/{entry.id}").get_data(as_text=True)
    assert f'value="{case.number}"' in form
    # Saving the edit form unchanged keeps the link.
    data = entry_form(town.id, village.id, **{
        "title": "改过的标题", "parties-0-id": str(party.id), "parties-0-name": petitioner.name,
        "parties-0-case_number": case.number, "parties-1-id": str(entry.parties[1].id),
        "row_version": str(entry.version),
    })
    response = clerk_client.post(f"/ledgers/entries/edit/{entry.id}", data=data)
    assert response.status_code == 302, form_errors(response)
    db_session.rollback()
    entry = db_session.get(LedgerEntry, entry.id)
    assert entry.title == "改过的标题" and entry.parties[0].case_id == case.id
    # A number from another township is refused.
    other = db_session.execute(select(Case).where(Case.township_id == org(db_session, "河东镇").id)).scalars().first()
    response = clerk_client.post("/ledgers/entries/add", data=entry_form(
        town.id, village.id, **{"parties-0-case_number": other.number}))
    assert any(other.number in e for e in form_errors(response)), form_errors(response)


def test_parties_personal_data_is_masked_for_readers_and_full_views_are_logged(clerk_client, leader_client, db_session):
    from app.audit.models import AuditEntry

    entry = make_entry(db_session, parties=[("郑秀英", "230101198001011237", "13712345678")])
    assert "13712345678" not in page_text(leader_client.get(f"/ledgers/entries/show/{entry.id}"))
    assert "137****5678" in page_text(leader_client.get(f"/ledgers/entries/show/{entry.id}"))
    before = db_session.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.kind == "personal_data", AuditEntry.record_id == str(entry.id))).scalar()
    assert "13712345678" in page_text(clerk_client.get(f"/ledgers/entries/show/{entry.id}"))
    after = db_session.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.kind == "personal_data", AuditEntry.record_id == str(entry.id))).scalar()
    assert after == before + 1
