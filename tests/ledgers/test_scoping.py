"""Scoping of everything the ledgers add: another township's users never reach 城关镇's records.

A record outside the user's area is a 404 (never a 403 that confirms it exists) on its page,
its edit form, every workflow step and every filing; lists and searches do not show it.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.ledgers.models import LedgerEntry, RiskAssessment, SweepReport
from tests.ledgers.support import entry_form, grant, make_entry, make_user, org
from tests.support import county_today, login


@pytest.fixture
def hedong(app, client_as):
    """Users of 河东镇 holding every ledger permission between them."""
    make_user(app, "hd_leader", "领导", "河东镇")
    make_user(app, "hd_handler", "承办人", "河东镇")
    return {"leader": client_as("hd_leader"), "handler": client_as("hd_handler")}


def test_entry_pages_and_workflow_are_404_for_another_township(clerk2_client, hedong, db_session):
    entry = make_entry(db_session, title="城关镇的纠纷")
    resolved = make_entry(db_session, title="城关镇已化解的纠纷", level="1", status="resolved",
                          resolved_on=county_today() - timedelta(days=300), found_on=county_today() - timedelta(days=320))
    town = org(db_session, "城关镇")
    for url in (f"/ledgers/entries/show/{entry.id}", f"/ledgers/entries/edit/{entry.id}"):
        assert clerk2_client.get(url).status_code == 404, url
    assert clerk2_client.post(f"/ledgers/entries/edit/{entry.id}", data=entry_form(town.id)).status_code == 404
    assert clerk2_client.post(f"/ledgers/entries/note/{entry.id}",
                              data={"noted_on": county_today().isoformat(), "text": "x"}).status_code == 404
    assert clerk2_client.post(f"/ledgers/entries/resolve/{entry.id}",
                              data={"resolved_on": county_today().isoformat(), "note": "x"}).status_code == 404
    assert hedong["leader"].post(f"/ledgers/entries/level/{entry.id}",
                                 data={"level": "3", "reason": "x"}).status_code == 404
    assert hedong["handler"].post(f"/ledgers/entries/closeout/{resolved.id}",
                                  data={"reason": "x"}).status_code == 404
    assert hedong["leader"].post(f"/ledgers/entries/closeout/{resolved.id}/decide",
                                 data={"request_id": "1", "decision": "approve"}).status_code == 404
    # Delete is not granted to clerks at all (the authorization matrix: administrator only): 403.
    assert clerk2_client.post(f"/ledgers/entries/delete/{entry.id}").status_code == 403
    listing = clerk2_client.get("/ledgers/entries/list/?q_keyword=城关镇").get_data(as_text=True)
    assert "城关镇的纠纷" not in listing
    by_number = clerk2_client.get(f"/ledgers/entries/list/?q_number={entry.number}").get_data(as_text=True)
    assert f">{entry.number}<" not in by_number
    db_session.rollback()
    entry = db_session.get(LedgerEntry, entry.id)
    assert (entry.level, entry.notes, entry.status) == ("2", [], "unresolved")


def test_handler_sees_only_the_entries_of_their_unit(handler_client, db_session):
    own = make_entry(db_session, title="镇里负责的纠纷")
    other = make_entry(db_session, title="人社局负责的纠纷",
                       responsible_unit_id=org(db_session, "县人力资源和社会保障局").id)
    assert handler_client.get(f"/ledgers/entries/show/{own.id}").status_code == 200
    assert handler_client.get(f"/ledgers/entries/show/{other.id}").status_code == 404


def test_sweep_reports_and_risk_assessments_are_scoped(clerk_client, clerk2_client, db_session):
    report = db_session.execute(
        select(SweepReport).where(SweepReport.township_id == org(db_session, "城关镇").id)
    ).scalars().first()
    assert clerk_client.get(f"/sweeps/reports/show/{report.id}").status_code == 200
    assert clerk2_client.get(f"/sweeps/reports/show/{report.id}").status_code == 404
    assert report.unit_name not in clerk2_client.get("/sweeps/reports/list/").get_data(as_text=True)

    risk = db_session.execute(
        select(RiskAssessment).where(RiskAssessment.township_id == org(db_session, "城关镇").id)
    ).scalars().first()
    assert clerk_client.get(f"/ledgers/risk/show/{risk.id}").status_code == 200
    for url in (f"/ledgers/risk/show/{risk.id}", f"/ledgers/risk/edit/{risk.id}"):
        assert clerk2_client.get(url).status_code == 404
    assert clerk2_client.post(f"/ledgers/risk/edit/{risk.id}", data={"name": "改名"}).status_code == 404
    assert risk.name not in clerk2_client.get("/ledgers/risk/list/").get_data(as_text=True)
    # A county-wide project (no township) is seen by the county, not by a township's clerk.
    county_wide = db_session.execute(select(RiskAssessment).where(RiskAssessment.township_id.is_(None))).scalars().first()
    assert clerk_client.get(f"/ledgers/risk/show/{county_wide.id}").status_code == 404


def test_risk_assessment_form_refuses_another_township(clerk_client, db_session):
    other = org(db_session, "河东镇")
    unit = org(db_session, "县自然资源局")
    response = clerk_client.post("/ledgers/risk/add", data={
        "name": "河东镇项目", "kind": "siting", "responsible_unit": str(unit.id), "township": str(other.id),
        "village": "__None", "risk_points": "选址争议", "risk_level": "high", "status": "assessing",
        "conclusion": "", "assessed_on": "",
    })
    assert response.status_code == 200  # the form again: 河东镇 is not a choice for this clerk
    db_session.rollback()
    assert db_session.execute(select(RiskAssessment).where(RiskAssessment.name == "河东镇项目")).first() is None


def test_sweep_status_shows_only_units_in_the_area(clerk2_client):
    page = clerk2_client.get("/sweeps/?level=village").get_data(as_text=True)
    assert 'data-unit="沿河村"' in page
    assert 'data-unit="红旗村"' not in page


def test_child_rows_follow_their_entry(app, db_session):
    """Parties, notes, level changes and close-out requests are scoped through their entry."""
    from app.core.scoping import Scope, scoped_select
    from app.ledgers.models import CloseOutRequest, LedgerParty, LevelChange, ProgressNote

    entry = make_entry(db_session, parties=[("城关镇当事人", None, None)])
    entry.notes.append(ProgressNote(noted_on=county_today(), text="回访"))
    entry.closeout_requests.append(CloseOutRequest(reason="申请"))
    db_session.commit()
    own = Scope(township_ids=frozenset({entry.township_id}))
    other = Scope(township_ids=frozenset({org(db_session, "河东镇").id}))
    with app.app_context():
        for model in (LedgerParty, LevelChange, ProgressNote, CloseOutRequest):
            def ids(scope, model=model):
                stmt = scoped_select(model, scope).where(model.entry_id == entry.id)
                return db_session.execute(stmt).scalars().all()

            assert ids(own), model.__name__
            assert ids(other) == [], model.__name__


def test_sweep_periods_are_for_the_administrator(clerk_client, leader_client, admin_client):
    assert clerk_client.get("/sweeps/rules/list/").status_code == 403
    assert leader_client.get("/sweeps/rules/list/").status_code == 403
    page = admin_client.get("/sweeps/rules/list/").get_data(as_text=True)
    assert "每周" in page and "每半月" in page and "16:00" in page


def test_delete_and_export_are_scoped_too(app, db_session):
    """Even a role given delete rights cannot delete another township's records; exports hold
    only the user's own area."""
    from app.mediation.models import MediationRecord

    entry = make_entry(db_session, title="城关镇的纠纷（删除测试）")
    risk = db_session.execute(
        select(RiskAssessment).where(RiskAssessment.township_id == org(db_session, "城关镇").id)
    ).scalars().first()
    record = db_session.execute(
        select(MediationRecord).where(MediationRecord.township_id == org(db_session, "城关镇").id)
    ).scalars().first()
    targets = [("LedgerEntryView", f"/ledgers/entries/delete/{entry.id}"),
               ("RiskAssessmentView", f"/ledgers/risk/delete/{risk.id}"),
               ("MediationRecordView", f"/mediation/records/delete/{record.id}")]
    for view, _url in targets:
        grant(db_session, "登记员", "can_delete", view)
    client = app.test_client()
    login(client, "clerk2")
    for _view, url in targets:
        assert client.post(url).status_code == 404, url
    db_session.expire_all()
    assert db_session.get(LedgerEntry, entry.id) is not None
    assert db_session.get(RiskAssessment, risk.id) is not None
    assert db_session.get(MediationRecord, record.id) is not None

    response = client.post("/ledgers/entries/export/csv")
    exported = response.get_data(as_text=True)
    response.close()  # a streamed response holds its connection until closed
    assert "城关镇的纠纷（删除测试）" not in exported and "河东镇" in exported
    # The export keeps the ledger number (台账编号) clerks quote, first: TZ and the padded id.
    header, first = exported.lstrip("\ufeff").splitlines()[:2]
    assert header.split(",")[0] == "台账编号"
    assert re.fullmatch(r"TZ\d{6}", first.split(",")[0])
