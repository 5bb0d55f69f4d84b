"""Merging never carries an accuser to the unit reported on (信访工作条例 Art. 30).

Merging a duplicate copies its petitioners — names, ID numbers, phones — into the kept case. A
检举控告 merged into an ordinary 城关镇 case would hand the accuser to 城关镇, the unit it reports
on. So an accusation merges only into another accusation about the same unit, nothing else merges
into an accusation, and the kept case stays an accusation about that unit whatever is edited later.
"""

from __future__ import annotations

import re

from tests.cases.workflow_support import fresh, ok, refused, register, step, unit
from tests.support import case_form, form_errors, page_text, valid_id_number

ACCUSER = "检举人丙"
ACCUSER_ID = valid_id_number("19660606", "616")
ACCUSER_PHONE = "13766660616"


def _accusation(client, db_session, title: str, reported: str, name: str = ACCUSER, id_number: str = ACCUSER_ID):
    return register(client, db_session, title=title, category="accusation", repeat_of="new",
                    reported_unit=str(unit(db_session, reported).id),
                    **{"petitioners-0-name": name, "petitioners-0-id_number": id_number,
                       "petitioners-0-phone": ACCUSER_PHONE})


def test_an_accusation_is_never_merged_into_a_case_the_reported_unit_sees(client_as, db_session):
    county = client_as("county_clerk")  # the 信访局's clerk registers accusations on 城关镇
    accusation = _accusation(county, db_session, "举报镇干部优亲厚友", "城关镇")
    ordinary = register(client_as("clerk"), db_session, title="反映村集体土地被占", repeat_of="new")

    refused(step(county, accusation.id, "merge", target=ordinary.number), "同一被反映单位")
    refused(step(county, ordinary.id, "merge", target=accusation.number), "同一被反映单位")
    assert fresh(db_session, accusation.id).status != "merged"
    kept = fresh(db_session, ordinary.id)
    assert ACCUSER not in [p.name for p in kept.petitioners]
    # 城关镇's clerk reads the ordinary case: no trace of the accuser.
    text = page_text(client_as("clerk").get(f"/cases/show/{ordinary.id}"))
    assert ACCUSER not in text and ACCUSER_PHONE[-4:] not in text

    # Another accusation on the same place but about another unit: refused as well.
    other = _accusation(county, db_session, "举报县人社局工作人员", "县人力资源和社会保障局", name="检举人丁",
                        id_number=valid_id_number("19770707", "717"))
    refused(step(county, accusation.id, "merge", target=other.number), "同一被反映单位")
    assert ACCUSER not in [p.name for p in fresh(db_session, other.id).petitioners]


def test_accusations_about_the_same_unit_merge_and_stay_hidden_from_it(client_as, db_session):
    county = client_as("county_clerk")
    kept = _accusation(county, db_session, "举报镇干部截留补贴", "城关镇", name="检举人戊",
                       id_number=valid_id_number("19880808", "818"))
    duplicate = _accusation(county, db_session, "举报镇干部截留补贴（重复）", "城关镇")
    ok(step(county, duplicate.id, "merge", target=kept.number))
    kept = fresh(db_session, kept.id)
    assert ACCUSER in [p.name for p in kept.petitioners]
    for username in ("clerk", "leader", "supervisor"):
        assert client_as(username).get(f"/cases/show/{kept.id}").status_code == 404, username

    # The kept case stays an accusation about 城关镇: neither the category nor the unit moves.
    body = county.get(f"/cases/edit/{kept.id}").get_data(as_text=True)
    version = re.search(r'value="(\d+)"', re.search(r'<input[^>]*name="row_version"[^>]*>', body).group(0)).group(1)
    person = re.search(r'name="petitioners-0-id"[^>]*value="(\d+)"', body).group(1)
    base = {"title": kept.title, "row_version": version, "petitioners-0-id": person,
            "petitioners-0-name": "检举人戊", "petitioners-0-id_number": valid_id_number("19880808", "818"),
            "petitioners-0-phone": ACCUSER_PHONE}
    rsj = unit(db_session, "县人力资源和社会保障局")
    for changed in ({"category": "claim", "reported_unit": "__None"},
                    {"category": "accusation", "reported_unit": str(rsj.id)}):
        response = county.post(f"/cases/edit/{kept.id}", data=case_form(kept.township_id, **{**base, **changed}))
        assert response.status_code == 200, changed
        assert any("仍为检举控告" in e for e in form_errors(response)), form_errors(response)
        again = fresh(db_session, kept.id)
        assert (again.category, again.reported_unit_id) == ("accusation", unit(db_session, "城关镇").id)
