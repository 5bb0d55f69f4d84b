"""A 检举控告 always names the unit reported on, or says 不清楚 (信访工作条例 Art. 30) — on the
registration form, in the Excel import and through the API alike (issue 16 item 3). Left empty,
the accused unit would see the accuser at once; 不清楚 holds it for screening exactly as a portal
letter: only the county petition office's clerks and the discipline organs see it until a clerk
of that office names the unit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.cases.models import Case
from app.org.models import OrgUnit
from tests.api.support import token
from tests.cases.test_import import URL, row, run
from tests.ledgers.support import workbook
from tests.support import case_form, county_now, form_errors, page_text

REQUIRED = "检举控告类须填写被反映单位，或选择“不清楚”。"


def _unit(db_session, name: str) -> OrgUnit:
    return db_session.execute(select(OrgUnit).where(OrgUnit.name == name)).scalars().one()


def _held(db_session, case_id: int) -> None:
    """Held for screening: reported on as the county itself, no unit claimed."""
    db_session.expire_all()
    case = db_session.get(Case, case_id)
    assert (case.reported_unit_id, case.claimed_reported_unit_id) == (_unit(db_session, "青山县").id, None)


def _count(db_session, title: str) -> int:
    db_session.rollback()
    return db_session.execute(select(func.count()).select_from(Case).where(Case.title == title)).scalar()


def test_the_form_asks_for_the_unit_or_not_sure(client_as, db_session):
    town = _unit(db_session, "城关镇")
    clerk = client_as("clerk")
    title = "举报村干部优亲厚友"
    form = case_form(town.id, category="accusation", title=title)
    refused = clerk.post("/cases/add", data=form)
    assert refused.status_code == 200
    assert form_errors(refused) == [REQUIRED]
    assert _count(db_session, title) == 0
    # Both answers at once are no answer.
    both = clerk.post("/cases/add", data={**form, "reported_unit": str(_unit(db_session, "县自然资源局").id),
                                          "reported_unit_not_sure": "y"})
    assert both.status_code == 200 and form_errors(both) == ["请选择被反映单位或“不清楚”，不能同时选择。"]
    # 不清楚: registered and held — the township's clerk no longer sees it, the county office does.
    saved = clerk.post("/cases/add", data={**form, "reported_unit_not_sure": "y"})
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith("/cases/list/")
    assert _count(db_session, title) == 1
    case_id = db_session.execute(select(Case.id).where(Case.title == title)).scalar_one()
    _held(db_session, case_id)
    assert clerk.get(f"/cases/show/{case_id}").status_code == 404
    assert client_as("leader").get(f"/cases/show/{case_id}").status_code == 404
    assert "来信人不清楚被反映单位" in page_text(client_as("county_clerk").get(f"/cases/show/{case_id}"))
    # Not an accusation: 不清楚 is no answer to anything.
    claim = clerk.post("/cases/add", data={**form, "category": "claim", "title": "普通求决", "reported_unit_not_sure": "y"})
    assert claim.status_code == 200 and form_errors(claim) == ["只有检举控告类信访件才填写被反映单位。"]


def test_the_api_answers_422_by_field_and_holds_not_sure(client_as, db_session):
    town = _unit(db_session, "城关镇")
    clerk = client_as("clerk")
    headers = token(clerk, "clerk")
    body = {"channel": "letter", "received_at": (county_now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S"),
            "category": "accusation", "title": "举报站所工作人员", "content": "某站所工作人员吃拿卡要。",
            "township_id": town.id, "petitioners": [{"name": "检举人甲"}]}
    refused = clerk.post("/api/v1/cases/", json=body, headers=headers)
    assert refused.status_code == 422
    answer = refused.get_json()
    problems = answer.get("errors") or [answer]
    assert [(p["field"], p["message"]) for p in problems] == [("reported_unit_id", REQUIRED)]
    assert _count(db_session, body["title"]) == 0
    held = clerk.post("/api/v1/cases/", json={**body, "reported_unit_not_sure": True}, headers=headers)
    assert held.status_code == 201, held.get_json()
    result = held.get_json()["result"]
    assert result["held_for_screening"] is True
    _held(db_session, result["id"])
    assert clerk.get(f"/api/v1/cases/{result['id']}", headers=headers).status_code == 404


def test_the_import_has_the_column_and_requires_it_per_row(clerk_client, db_session):
    import io

    import openpyxl

    template = openpyxl.load_workbook(io.BytesIO(clerk_client.get(f"{URL}/template").data))
    headers = [cell.value for cell in template.worksheets[0][1]]
    assert "被反映单位" in headers
    accusation = {"category": "检举控告类", "title": "举报村干部挪用低保"}
    state, job_url = run(clerk_client, workbook(clerk_client, URL, [row(), row(**accusation)]))
    assert state["status"] == "failed"
    page = page_text(clerk_client.get(job_url))
    assert f"3 被反映单位 {REQUIRED}" in page, page  # row 3 (row 2 is fine), next to its column
    assert _count(db_session, accusation["title"]) == 0
    state, _ = run(clerk_client, workbook(clerk_client, URL, [row(**accusation, reported_unit="不清楚")]))
    assert (state["status"], state["imported"]) == ("done", 1), state
    case_id = db_session.execute(select(Case.id).where(Case.title == accusation["title"])).scalar_one()
    _held(db_session, case_id)
    assert clerk_client.get(f"/cases/show/{case_id}").status_code == 404
