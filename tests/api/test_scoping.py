"""Scoping and masking through the API, for every resource: a 河东镇 user never gets 城关镇's
records (404 by id, absent from lists), and personal data is masked as on the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cases.models import Case
from app.ledgers.models import LedgerEntry
from app.mediation.models import MediationRecord
from tests.api.support import all_ids, issue_key, key_header, org, register_client, token
from tests.support import county_today


def _first(db_session, model, township: str):
    town = org(db_session, township)
    return db_session.execute(
        select(model).where(model.township_id == town.id).order_by(model.id).limit(1)
    ).scalars().first()


def _mediation(db_session, township: str) -> MediationRecord:
    """A mediation record placed in `township` (the demo has some; else one is made)."""
    found = _first(db_session, MediationRecord, township)
    if found is not None:
        return found
    from app.mediation.models import MediationCommittee

    town = org(db_session, township)
    committee = db_session.execute(
        select(MediationCommittee).where(MediationCommittee.org_unit_id == town.id)
    ).scalars().first()
    assert committee is not None, f"no committee in {township}"

    record = MediationRecord(committee_id=committee.id, org_unit_id=committee.org_unit_id, township_id=town.id,
                             title="测试调解", dispute_type="neighbours", parties="甲、乙", method="on_site",
                             applied_on=county_today())
    db_session.add(record)
    db_session.commit()
    return record


RESOURCES = [
    ("/api/v1/cases/", Case),
    ("/api/v1/ledger-entries/", LedgerEntry),
    ("/api/v1/mediation-records/", MediationRecord),
]


@pytest.mark.parametrize(("path", "model"), RESOURCES, ids=["cases", "ledger-entries", "mediation-records"])
def test_another_townships_records_are_not_found_and_not_listed(client, db_session, path, model):
    headers = token(client, "clerk2")  # 河东镇
    if model is MediationRecord:
        other, own = _mediation(db_session, "城关镇"), _mediation(db_session, "河东镇")
    else:
        other, own = _first(db_session, model, "城关镇"), _first(db_session, model, "河东镇")
    assert other is not None and own is not None
    response = client.get(f"{path}{other.id}", headers=headers)
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"
    assert client.get(f"{path}{own.id}", headers=headers).status_code == 200
    ids = all_ids(client, path, headers)
    assert own.id in ids and other.id not in ids
    hedong = org(db_session, "河东镇").id
    for row in client.get(f"{path}?page_size=200", headers=headers).get_json()["result"]:
        assert row.get("township_id") in (hedong, None) or model is MediationRecord


def test_steps_and_history_of_another_townships_case_are_404(client, db_session):
    headers = token(client, "clerk2")
    other = _first(db_session, Case, "城关镇")
    assert client.get(f"/api/v1/cases/{other.id}/steps", headers=headers).status_code == 404
    assert client.get(f"/api/v1/cases/{other.id}/events", headers=headers).status_code == 404
    response = client.post(f"/api/v1/cases/{other.id}/steps/accept", json={}, headers=headers)
    assert response.status_code == 404
    db_session.expire_all()
    assert db_session.get(Case, other.id).version == other.version


def test_a_key_acts_in_its_clients_area_only(admin_client, client, db_session):
    client_id = register_client(admin_client, db_session, name="河东镇网格平台", source="hedong-grid",
                                role="登记员", org_name="河东镇")
    headers = key_header(issue_key(admin_client, client_id))
    other = _first(db_session, Case, "城关镇")
    assert client.get(f"/api/v1/cases/{other.id}", headers=headers).status_code == 404
    assert other.id not in all_ids(client, "/api/v1/cases/", headers)
    own = _first(db_session, Case, "河东镇")
    assert client.get(f"/api/v1/cases/{own.id}", headers=headers).status_code == 200


def _with_petitioner(db_session) -> Case:
    town = org(db_session, "城关镇")
    from app.cases.models import Petitioner

    return db_session.execute(
        select(Case).where(Case.township_id == town.id, Case.id.in_(
            select(Petitioner.case_id).where(Petitioner.id_number.is_not(None), Petitioner.phone.is_not(None))
        )).order_by(Case.id).limit(1)
    ).scalars().first()


def test_petitioners_in_full_only_for_roles_that_handle_the_case(client, db_session):
    case = _with_petitioner(db_session)
    person = case.petitioners[0]
    clerk = client.get(f"/api/v1/cases/{case.id}", headers=token(client, "clerk")).get_json()["result"]
    assert clerk["petitioners"][0]["id_number"] == person.id_number
    assert clerk["personal_data_masked"] is False
    for reader in ("leader", "manager", "supervisor", "county_manager"):
        body = client.get(f"/api/v1/cases/{case.id}", headers=token(client, reader)).get_json()["result"]
        shown = body["petitioners"][0]
        assert shown["id_number"] != person.id_number and "*" in shown["id_number"], reader
        assert shown["phone"] != person.phone and "****" in shown["phone"], reader
        assert body["personal_data_masked"] is True
    # Lists mask the same way.
    rows = client.get("/api/v1/cases/?page_size=200", headers=token(client, "manager")).get_json()["result"]
    assert all("*" in p["id_number"] or not p["id_number"] for r in rows for p in r["petitioners"])


def test_ledger_parties_masked_for_readers(client, db_session):
    from app.ledgers.models import LedgerParty

    town = org(db_session, "城关镇")
    entry = db_session.execute(
        select(LedgerEntry).where(LedgerEntry.township_id == town.id, LedgerEntry.id.in_(
            select(LedgerParty.entry_id).where(LedgerParty.phone.is_not(None))
        )).limit(1)
    ).scalars().first()
    if entry is None:
        from tests.ledgers.support import make_entry

        entry = make_entry(db_session, parties=[("赵一", None, "13912345678")])
    phone = next(p.phone for p in entry.parties if p.phone)
    clerk = client.get(f"/api/v1/ledger-entries/{entry.id}", headers=token(client, "clerk")).get_json()["result"]
    assert phone in [p["phone"] for p in clerk["parties"]]
    manager = client.get(f"/api/v1/ledger-entries/{entry.id}", headers=token(client, "manager")).get_json()["result"]
    assert phone not in [p["phone"] for p in manager["parties"]]
    assert manager["personal_data_masked"] is True


def test_org_units_offer_own_places_and_county_units(client, db_session):
    headers = token(client, "clerk2")
    names = {r["name"] for r in client.get("/api/v1/org-units/?page_size=200", headers=headers).get_json()["result"]}
    assert "河东镇" in names and "城关镇" not in names
    assert "县人力资源和社会保障局" in names
    other = org(db_session, "城关镇")
    assert client.get(f"/api/v1/org-units/{other.id}", headers=headers).status_code == 404
