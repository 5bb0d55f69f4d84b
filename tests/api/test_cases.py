"""Cases over the API: registration with the desk's rules, idempotent creation from another
platform, bad input answered with codes and Chinese messages, and workflow steps."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.cases.models import Case
from app.cases.workflow_models import CaseEvent
from tests.api.support import case_payload, issue_key, key_header, org, register_client, token
from tests.support import county_now, valid_id_number


def test_clerk_registers_a_case_like_at_the_desk(client, db_session):
    headers = token(client, "clerk")
    town = org(db_session, "城关镇")
    response = client.post("/api/v1/cases/", json=case_payload(town.id), headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    result = response.get_json()["result"]
    assert result["number"].startswith("XF")
    assert result["status"] == "registered" and result["status_label"] == "已登记"
    assert result["township"] == "城关镇"
    # The clerk handles it: the petitioner in full.
    assert result["petitioners"][0]["id_number"] == valid_id_number("19850315", "246")
    assert result["received_at"].endswith("+08:00")
    case = db_session.get(Case, result["id"])
    assert case.accept_due_at is not None and case.created_by.username == "clerk"
    events = db_session.execute(select(CaseEvent.step).where(CaseEvent.case_id == case.id)).scalars().all()
    assert events == ["register"]


def test_the_same_item_sent_twice_is_one_case(admin_client, client, db_session):
    client_id = register_client(admin_client, db_session, name="12345热线平台", source="hotline12345",
                                role="登记员", org_name="城关镇")
    headers = key_header(issue_key(admin_client, client_id))
    town = org(db_session, "城关镇")
    payload = case_payload(town.id, external_id="GD20260001")
    first = client.post("/api/v1/cases/", json=payload, headers=headers)
    assert first.status_code == 201, first.get_data(as_text=True)
    assert first.get_json()["result"]["source"] == "hotline12345"
    second = client.post("/api/v1/cases/", json={**payload, "title": "重复推送"}, headers=headers)
    assert second.status_code == 200
    assert second.get_json()["result"]["id"] == first.get_json()["result"]["id"]
    assert db_session.execute(
        select(func.count()).select_from(Case).where(Case.external_id == "GD20260001")
    ).scalar() == 1
    # The platform finds its case again by its own id.
    found = client.get("/api/v1/cases/?source=hotline12345&external_id=GD20260001", headers=headers)
    assert [r["id"] for r in found.get_json()["result"]] == [first.get_json()["result"]["id"]]
    # A client creates only under its own source.
    response = client.post("/api/v1/cases/", json={**payload, "source": "other"}, headers=headers)
    assert response.status_code == 422 and response.get_json()["code"] == "source_mismatch"


def test_source_and_external_id_belong_to_api_clients_only(admin_client, client, db_session):
    client_id = register_client(admin_client, db_session, name="12345热线平台", source="hotline12345",
                                role="登记员", org_name="城关镇")
    platform = key_header(issue_key(admin_client, client_id))
    town = org(db_session, "城关镇")
    before = db_session.execute(select(func.count()).select_from(Case)).scalar()
    person = token(client, "clerk")
    for extra, field in (
        ({"external_id": "GD20260002", "source": "hotline12345"}, "source"),
        ({"external_id": "GD20260002"}, "external_id"),
        ({"source": "mail"}, "source"),
    ):
        response = client.post("/api/v1/cases/", json=case_payload(town.id, **extra), headers=person)
        body = _refusal(response, 422, "api_client_only", field)
        assert "接口客户端" in body["message"]
    assert db_session.execute(select(func.count()).select_from(Case)).scalar() == before

    # The platform's own item is then registered as usual, under its source.
    response = client.post("/api/v1/cases/", json=case_payload(town.id, external_id="GD20260002"),
                           headers=platform)
    assert response.status_code == 201
    assert response.get_json()["result"]["source"] == "hotline12345"
    # A person registers without them: the case has no source.
    response = client.post("/api/v1/cases/", json=case_payload(town.id), headers=person)
    assert response.status_code == 201
    assert response.get_json()["result"]["source"] is None
    assert db_session.get(Case, response.get_json()["result"]["id"]).external_id is None


def _refusal(response, status: int, code: str, field: str | None):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["code"] == code, body
    assert body["field"] == field, body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body["message"]
    return body


def test_bad_input_is_a_4xx_naming_the_field(client, db_session):
    headers = token(client, "clerk")
    town = org(db_session, "城关镇")
    before = db_session.execute(select(func.count()).select_from(Case)).scalar()
    post = lambda body, **kw: client.post("/api/v1/cases/", headers=headers, **({"json": body} if kw == {} else kw))  # noqa: E731

    _refusal(client.post("/api/v1/cases/", data='{"title": "半截', headers={**headers, "Content-Type": "application/json"}),
             400, "malformed_json", None)
    _refusal(post({**case_payload(town.id), "colour": "red"}), 400, "unknown_field", "colour")
    _refusal(post(case_payload(town.id, people_count="3")), 400, "invalid_type", "people_count")
    _refusal(post(case_payload(town.id, skips_levels=1)), 400, "invalid_type", "skips_levels")
    _refusal(post(case_payload(town.id, channel="fax")), 400, "not_allowed", "channel")
    _refusal(post(case_payload(town.id, received_at="yesterday")), 400, "invalid_datetime", "received_at")
    _refusal(post(case_payload(town.id, title="x" * 201)), 400, "too_long", "title")
    _refusal(post([1, 2]), 400, "invalid_type", None)
    body = _refusal(post({"title": "缺项"}), 400, "required", "channel")
    assert {e["field"] for e in body["errors"]} >= {"channel", "received_at", "category", "content", "petitioners"}
    bad_id = valid_id_number()[:-1] + ("0" if valid_id_number()[-1] != "0" else "1")
    body = _refusal(post(case_payload(town.id, petitioners=[{"name": "甲", "id_number": bad_id}])),
                    422, "invalid_id_number", "petitioners[0].id_number")
    assert "校验" in body["message"]
    _refusal(post(case_payload(town.id, petitioners=[{"name": "甲", "phone": "12345"}])),
             422, "invalid_phone", "petitioners[0].phone")
    _refusal(post(case_payload(town.id, petitioners=[{"name": "甲", "age": 3}])),
             400, "unknown_field", "petitioners[0].age")
    future = (county_now() + timedelta(days=2)).replace(microsecond=0).isoformat()
    _refusal(post(case_payload(town.id, received_at=future)), 422, "invalid", "received_at")
    _refusal(post(case_payload(town.id, people_count=1, petitioners=[{"name": "甲"}, {"name": "乙"}])),
             422, "invalid", "people_count")
    # 河东镇 is outside 城关镇's clerk's area: the same rule as the registration form.
    _refusal(post(case_payload(org(db_session, "河东镇").id)), 422, "outside_area", "township_id")
    _refusal(post(case_payload(999999)), 422, "not_found", "township_id")
    assert db_session.execute(select(func.count()).select_from(Case)).scalar() == before


def test_a_collective_visit_names_at_most_five_representatives(client, db_session):
    headers = token(client, "clerk")
    town = org(db_session, "城关镇")
    people = [{"name": f"代表{i}"} for i in range(6)]
    response = client.post("/api/v1/cases/", headers=headers,
                           json=case_payload(town.id, channel="visit", people_count=40, petitioners=people))
    _refusal(response, 422, "invalid", "people_count")
    response = client.post("/api/v1/cases/", headers=headers,
                           json=case_payload(town.id, channel="visit", people_count=40, petitioners=people[:5]))
    assert response.status_code == 201
    assert response.get_json()["result"]["is_collective"] is True


def test_workflow_steps_through_the_api(client, db_session):
    clerk = token(client, "clerk")
    town = org(db_session, "城关镇")
    case = client.post("/api/v1/cases/", json=case_payload(town.id), headers=clerk).get_json()["result"]
    steps = client.get(f"/api/v1/cases/{case['id']}/steps", headers=clerk).get_json()
    codes = {s["code"] for s in steps["result"]}
    assert {"accept", "refuse"} <= codes and "close" not in codes

    # Illegal in this state: refused by the workflow, nothing changes.
    response = client.post(f"/api/v1/cases/{case['id']}/steps/close", json={}, headers=clerk)
    _refusal(response, 422, "refused", None)
    _refusal(client.post(f"/api/v1/cases/{case['id']}/steps/fly", json={}, headers=clerk),
             404, "unknown_step", "step_code")
    _refusal(client.post(f"/api/v1/cases/{case['id']}/steps/refuse", json={"inputs": {}}, headers=clerk),
             422, "invalid", "inputs.reason")
    _refusal(client.post(f"/api/v1/cases/{case['id']}/steps/accept", json={"inputs": {"nonsense": 1}},
                         headers=clerk), 400, "unknown_field", "inputs.nonsense")
    _refusal(client.post(f"/api/v1/cases/{case['id']}/steps/accept", json={"inputs": {"note": 5}},
                         headers=clerk), 400, "invalid_type", "inputs.note")
    # Based on an old version: someone else changed it.
    _refusal(client.post(f"/api/v1/cases/{case['id']}/steps/accept", json={"version": 99}, headers=clerk),
             409, "conflict", None)

    body = {"version": steps["version"], "token": "hotline-step-0001", "inputs": {"note": "属本机关受理范围"}}
    response = client.post(f"/api/v1/cases/{case['id']}/steps/accept", json=body, headers=clerk)
    assert response.status_code == 200, response.get_data(as_text=True)
    first = response.get_json()
    assert first["event"]["step"] == "accept" and first["case"]["status"] == "accepted"
    # The same call again (a retry after a lost answer): applied once, the same event back.
    again = client.post(f"/api/v1/cases/{case['id']}/steps/accept", json=body, headers=clerk)
    assert again.status_code == 200
    assert again.get_json()["event"]["id"] == first["event"]["id"]
    events = client.get(f"/api/v1/cases/{case['id']}/events", headers=clerk).get_json()["result"]
    assert [e["step"] for e in events] == ["register", "accept"]

    # The role decides: a clerk may not instruct (领导批示).
    client.post(f"/api/v1/cases/{case['id']}/steps/propose", headers=clerk,
                json={"inputs": {"proposal": "建议交城关镇办理", "unit": town.id}})
    _refusal(client.post(f"/api/v1/cases/{case['id']}/steps/instruct", headers=clerk,
                         json={"inputs": {"text": "请办理"}}), 422, "refused", None)
    leader = token(client, "leader")
    response = client.post(f"/api/v1/cases/{case['id']}/steps/instruct", headers=leader,
                           json={"inputs": {"text": "请城关镇尽快办理"}})
    assert response.status_code == 200
    assert response.get_json()["case"]["status"] == "instructed"


def test_lists_page_and_sync_by_change_time(client, db_session):
    headers = token(client, "clerk")
    response = client.get("/api/v1/cases/?page_size=201", headers=headers)
    _refusal(response, 400, "out_of_range", "page_size")
    _refusal(client.get("/api/v1/cases/?updated_since=soon", headers=headers), 400, "invalid_datetime", "updated_since")
    _refusal(client.get("/api/v1/cases/?page=x", headers=headers), 400, "invalid_type", "page")

    everything = client.get("/api/v1/cases/?page_size=5", headers=headers).get_json()
    assert everything["count"] > 5 and len(everything["result"]) == 5
    stamps = [r["updated_at"] for r in everything["result"]]
    assert stamps == sorted(stamps)

    mark = county_now() - timedelta(seconds=1)
    town = org(db_session, "城关镇")
    created = client.post("/api/v1/cases/", json=case_payload(town.id), headers=headers).get_json()["result"]
    since = client.get(f"/api/v1/cases/?updated_since={mark.isoformat()}%2B08:00", headers=headers).get_json()
    assert created["id"] in [r["id"] for r in since["result"]]
    assert since["count"] < everything["count"]
