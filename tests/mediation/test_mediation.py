"""Mediation: records and their rules, the ledger entry a success resolves, committee figures, scoping."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.ledgers.models import LedgerEntry
from app.mediation.models import MediationCommittee, MediationRecord, Mediator
from tests.ledgers.support import make_entry, org
from tests.support import county_today, form_errors, page_text


def committee(db_session, name: str) -> MediationCommittee:
    return db_session.execute(select(MediationCommittee).where(MediationCommittee.name == name)).scalar_one()


def record_form(committee: MediationCommittee, **overrides) -> dict[str, str]:
    data = {
        "committee": str(committee.id),
        "title": "邻里排水纠纷",
        "dispute_type": "neighbours",
        "description": "",
        "parties": "张三、李四",
        "ledger_entry": "__None",
        "case_number": "",
        "township": "__None",
        "village": "__None",
        "method": "on_site",
        "mediators": [str(m.id) for m in committee.mediators[:1]],
        "applied_on": (county_today() - timedelta(days=5)).isoformat(),
        "mediated_on": "",
        "concluded_on": "",
        "outcome": "pending",
        "referral": "",
        "agreement": "",
        "honoured": "",
    }
    data.update(overrides)
    return data


def figures(db_session, committee_id: int) -> tuple[int, int, int]:
    db_session.rollback()
    c = db_session.get(MediationCommittee, committee_id)
    return c.records_total, c.records_success, c.records_failed


def test_success_resolves_the_ledger_entry_and_counts_update(clerk_client, db_session):
    village_committee = committee(db_session, "红旗村人民调解委员会")
    entry = make_entry(db_session, level="3")
    total, success, failed = figures(db_session, village_committee.id)
    data = record_form(village_committee, ledger_entry=str(entry.id), outcome="success",
                       concluded_on=(county_today() - timedelta(days=1)).isoformat(), agreement="赔偿两千元",
                       honoured="honoured")
    response = clerk_client.post("/mediation/records/add", data=data)
    assert response.status_code == 302, form_errors(response)
    assert figures(db_session, village_committee.id) == (total + 1, success + 1, failed)
    entry = db_session.get(LedgerEntry, entry.id)
    assert (entry.level, entry.status, entry.resolved_on) == ("1", "resolved", county_today() - timedelta(days=1))
    assert "调解成功" in entry.level_changes[-1].reason
    record = db_session.execute(select(MediationRecord).order_by(MediationRecord.id.desc())).scalars().first()
    assert record.township_id == entry.township_id and record.mediator_names
    page = page_text(clerk_client.get(f"/mediation/committees/show/{village_committee.id}"))
    rate = f"{(success + 1) / (success + 1 + failed) * 100:.1f}%"
    assert rate in page


def test_outcome_rules(clerk_client, db_session):
    village_committee = committee(db_session, "红旗村人民调解委员会")
    before = figures(db_session, village_committee.id)
    response = clerk_client.post("/mediation/records/add", data=record_form(
        village_committee, outcome="failed", concluded_on=county_today().isoformat()))
    assert any("引导" in e for e in form_errors(response)), form_errors(response)  # where were they sent?
    response = clerk_client.post("/mediation/records/add", data=record_form(village_committee, outcome="success"))
    assert "请填写调解结束日期" in form_errors(response), form_errors(response)  # a success has ended
    response = clerk_client.post("/mediation/records/add", data=record_form(
        village_committee, mediated_on=(county_today() - timedelta(days=9)).isoformat()))
    assert form_errors(response)  # mediated before it was applied for
    outsider = committee(db_session, "团结村人民调解委员会").mediators[0]
    response = clerk_client.post("/mediation/records/add", data=record_form(village_committee, mediators=[str(outsider.id)]))
    assert any(outsider.name in e for e in form_errors(response)), form_errors(response)
    assert figures(db_session, village_committee.id) == before
    response = clerk_client.post("/mediation/records/add", data=record_form(
        village_committee, outcome="failed", concluded_on=county_today().isoformat(), referral="litigation"))
    assert response.status_code == 302, form_errors(response)
    assert figures(db_session, village_committee.id) == (before[0] + 1, before[1], before[2] + 1)


def test_a_case_is_linked_by_its_number(clerk_client, db_session):
    from app.cases.models import Case

    village_committee = committee(db_session, "红旗村人民调解委员会")
    case = db_session.execute(select(Case).where(Case.township_id == org(db_session, "城关镇").id)).scalars().first()
    other = db_session.execute(select(Case).where(Case.township_id == org(db_session, "河东镇").id)).scalars().first()
    response = clerk_client.post("/mediation/records/add", data=record_form(village_committee, case_number=other.number))
    assert any(other.number in e for e in form_errors(response))
    response = clerk_client.post("/mediation/records/add", data=record_form(village_committee, case_number=case.number.lower()))
    assert response.status_code == 302, form_errors(response)
    db_session.rollback()
    record = db_session.execute(select(MediationRecord).order_by(MediationRecord.id.desc())).scalars().first()
    assert (record.case_id, record.case_number) == (case.id, case.number)


def test_mediation_is_scoped(clerk_client, clerk2_client, db_session):
    record = db_session.execute(
        select(MediationRecord).where(MediationRecord.township_id == org(db_session, "城关镇").id)
        .order_by(MediationRecord.id)
    ).scalars().first()
    own = record.committee
    mediator = committee(db_session, "红旗村人民调解委员会").mediators[0]
    for url in (f"/mediation/committees/show/{own.id}", f"/mediation/committees/edit/{own.id}",
                f"/mediation/records/show/{record.id}", f"/mediation/records/edit/{record.id}",
                f"/mediation/mediators/show/{mediator.id}", f"/mediation/mediators/edit/{mediator.id}"):
        assert clerk_client.get(url).status_code == 200, url
        assert clerk2_client.get(url).status_code == 404, url
    assert clerk2_client.post(f"/mediation/records/edit/{record.id}", data={"title": "x"}).status_code == 404
    # Choosing another township's committee in a form is refused.
    hedong = committee(db_session, "沿河村人民调解委员会")
    response = clerk_client.post("/mediation/records/add", data=record_form(hedong))
    assert response.status_code == 200 and form_errors(response)
    assert "红旗村人民调解委员会" not in clerk2_client.get("/mediation/committees/list/").get_data(as_text=True)
    add_form = clerk2_client.get("/mediation/records/add").get_data(as_text=True)
    assert "红旗村人民调解委员会" not in add_form and "沿河村人民调解委员会" in add_form
    # A county department's specialised committee: its own department sees it, townships do not.
    medical = committee(db_session, "县医疗纠纷人民调解委员会")
    assert clerk_client.get(f"/mediation/committees/show/{medical.id}").status_code == 404


def test_mediator_belongs_to_a_committee(clerk_client, db_session):
    village = org(db_session, "红旗村")
    response = clerk_client.post("/mediation/mediators/add", data={
        "name": "新调解员", "phone": "", "org_unit": str(village.id), "specialty": "", "active": "y"})
    assert any("调解委员会" in e for e in form_errors(response)), form_errors(response)
    own = committee(db_session, "红旗村人民调解委员会")
    response = clerk_client.post("/mediation/mediators/add", data={
        "name": "新调解员", "phone": "", "org_unit": str(village.id), "committees": [str(own.id)],
        "specialty": "婚姻家庭", "active": "y"})
    assert response.status_code == 302, form_errors(response)
    db_session.rollback()
    person = db_session.execute(select(Mediator).where(Mediator.name == "新调解员")).scalar_one()
    assert person.committee_names == "红旗村人民调解委员会"
