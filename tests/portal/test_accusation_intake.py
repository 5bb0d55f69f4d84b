"""检举控告 through the portal and the API (信访工作条例 Art. 30).

The portal asks which unit a 检举控告 reports on (or "不清楚"); until a clerk of the county
petition office sets the reported unit, the letter is seen only by those clerks and the
discipline organs — never by the unit it names nor by anyone else — and a clerk of the named
unit never screens it. The API carries the reported unit too.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from app.cases.models import Case
from tests.api.support import token
from tests.portal.support import errors, send, submit, unit
from tests.support import case_form, form_errors, page_text, valid_id_number

ACCUSER = "网上检举人"
TITLE = "举报镇干部在征地补偿中吃拿卡要"
SCREENERS = ("county_clerk", "handler_jw")
EVERYONE_ELSE = ("clerk", "handler", "leader", "supervisor", "manager", "xz_admin", "clerk2",
                 "county_leader", "county_supervisor", "county_manager", "admin", "handler_rsj")


def _accusation(db_session, reported: str, title: str = TITLE, **overrides):
    return dict(category="accusation", title=title, name=ACCUSER,
                content="征地补偿款发放过程中镇干部索要好处费，不给就拖着不办。", reported_unit=reported, **overrides)


def test_the_portal_asks_which_unit_an_accusation_reports_on(public, db_session):
    response = send(public, db_session, **_accusation(db_session, ""))
    assert response.status_code == 422
    assert errors(response)["reported_unit"] == "请选择被反映单位，或选择“不清楚”。"
    assert db_session.execute(select(Case).where(Case.title == TITLE)).first() is None
    page = page_text(public.get("/portal/write"))
    assert "被反映单位（仅检举控告类填写）" in page and "不清楚" in page


def test_a_portal_accusation_is_screened_before_anyone_else_sees_it(public, staff, db_session):
    town = unit(db_session, "城关镇")
    _code, case = submit(public, db_session, **_accusation(db_session, str(town.id)))
    assert case.claimed_reported_unit_id == town.id
    for username in EVERYONE_ELSE:
        client = staff(username)
        assert client.get(f"/cases/show/{case.id}").status_code == 404, username
        assert case.number not in page_text(client.get(f"/cases/list/?q_number={case.number}")), username
    for username in SCREENERS:
        page = staff(username).get(f"/cases/show/{case.id}")
        assert page.status_code == 200, username
        assert "待县信访局核定" in page_text(page) and "来信所指：城关镇" in page_text(page)

    # The petition office's clerk sets the unit: the case is then hidden from 城关镇 only.
    county = staff("county_clerk")
    body = county.get(f"/cases/edit/{case.id}").get_data(as_text=True)
    version = re.search(r'value="(\d+)"', re.search(r'<input[^>]*name="row_version"[^>]*>', body).group(0)).group(1)
    person = re.search(r'name="petitioners-0-id"[^>]*value="(\d+)"', body).group(1)
    data = case_form(town.id, channel="online", category="accusation", title=TITLE, row_version=version,
                     content="征地补偿款发放过程中镇干部索要好处费，不给就拖着不办。", demands="",
                     **{"petitioners-0-id": person, "petitioners-0-name": ACCUSER, "petitioners-0-id_number": "",
                        "petitioners-0-phone": "13912345678", "petitioners-0-address": ""})
    # Saved with the reported unit left empty, it stays held for screening.
    response = county.post(f"/cases/edit/{case.id}", data={**data, "reported_unit": "__None"})
    assert response.status_code == 302, form_errors(response)
    assert staff("county_leader").get(f"/cases/show/{case.id}").status_code == 404
    db_session.expire_all()
    response = county.post(f"/cases/edit/{case.id}", data={**data, "reported_unit": str(town.id),
                                                           "row_version": str(db_session.get(Case, case.id).version)})
    assert response.status_code == 302, form_errors(response)
    db_session.expire_all()
    assert db_session.get(Case, case.id).reported_unit_id == town.id
    assert staff("county_leader").get(f"/cases/show/{case.id}").status_code == 200
    assert staff("clerk2").get(f"/cases/show/{case.id}").status_code == 404  # another township's
    for username in ("clerk", "leader", "supervisor"):
        assert staff(username).get(f"/cases/show/{case.id}").status_code == 404, username


def test_a_clerk_of_the_named_unit_never_screens_it(public, staff, db_session):
    """A letter naming the 信访局 itself: its clerks do not see it, the 纪委 does."""
    bureau = unit(db_session, "县信访局")
    _code, case = submit(public, db_session, **_accusation(db_session, str(bureau.id), title="举报县信访局干部"))
    assert staff("county_clerk").get(f"/cases/show/{case.id}").status_code == 404
    assert staff("admin").get(f"/cases/show/{case.id}").status_code == 404
    assert staff("handler_jw").get(f"/cases/show/{case.id}").status_code == 200


def test_not_sure_is_an_answer_and_screened_as_well(public, staff, db_session):
    _code, case = submit(public, db_session, **_accusation(db_session, "unknown", title="举报某干部（单位不详）"))
    assert case.claimed_reported_unit_id is None
    assert staff("clerk").get(f"/cases/show/{case.id}").status_code == 404
    assert "来信人不清楚被反映单位" in page_text(staff("county_clerk").get(f"/cases/show/{case.id}"))


def test_the_api_carries_the_reported_unit(staff, db_session):
    town, rsj = unit(db_session, "城关镇"), unit(db_session, "县人力资源和社会保障局")
    county = staff("county_clerk")
    headers = token(county, "county_clerk")
    body = {"channel": "letter", "received_at": "2026-01-05T09:00:00", "category": "accusation",
            "title": "举报人社局工作人员违规办理", "content": "人社局某工作人员违规为亲属办理补贴。",
            "township_id": town.id, "reported_unit_id": rsj.id,
            "petitioners": [{"name": "来信检举人", "id_number": valid_id_number("19720202", "222")}]}
    response = county.post("/api/v1/cases/", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    case = db_session.get(Case, response.get_json()["result"]["id"])
    assert case.reported_unit_id == rsj.id
    handler = staff("handler_rsj")
    assert handler.get(f"/api/v1/cases/{case.id}", headers=token(handler, "handler_rsj")).status_code == 404
    # Only an accusation names a reported unit.
    response = county.post("/api/v1/cases/", json={**body, "category": "claim", "title": "不是检举"}, headers=headers)
    assert response.status_code == 422
    assert "reported_unit_id" in str(response.get_json())
