"""The navbar's search box (issue 19): one value, every kind of record the user may open.

The oracle is the record's own page: a found record opens (200) for the user, and every record
answering to the value that opens for the user is found — so the search is scoped exactly like
each kind's list and show page, the 检举控告 exclusion included (信访工作条例 Art. 30). The
values searched come from the raw rows (case numbers, petitioners, ledger ids), not from the code.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.support import case_form, login, page_text, table_rows, valid_id_number

ALL_USERS = ("admin", "xz_admin", "clerk", "clerk2", "handler", "leader", "supervisor", "manager",
             "county_leader", "county_supervisor", "county_manager", "handler_rsj")
ACCUSED_UNIT_USERS = ("xz_admin", "clerk", "handler", "leader", "supervisor", "manager")
COUNTY_USERS = ("admin", "county_leader", "county_supervisor", "county_manager")
ACCUSER = "检举人丙"
ACCUSER_ID = valid_id_number("19660606", "616")
NOTHING = 'id="search-nothing"'


def _client(module_app, username: str):
    client = module_app.test_client()
    login(client, username)
    return client


def _found(response, kind: str) -> set[str]:
    body = response.get_data(as_text=True)
    if f'id="results-{kind}"' not in body:
        return set()
    return {row[0] for row in table_rows(body, f"results-{kind}")}


@pytest.fixture(scope="module")
def world(module_app):
    """A 检举控告 against 城关镇 registered by the 信访局, and the raw rows the searches aim at."""
    from app.cases.models import Case, Petitioner
    from app.extensions import db
    from app.ledgers.models import LedgerEntry
    from app.org.models import OrgUnit

    admin = _client(module_app, "admin")
    with module_app.app_context():
        town = db.session.execute(select(OrgUnit).where(OrgUnit.name == "城关镇")).scalar_one()
        form = case_form(town.id, category="accusation", title="举报镇干部挪用扶贫资金",
                         reported_unit=str(town.id),
                         **{"petitioners-0-name": ACCUSER, "petitioners-0-id_number": ACCUSER_ID})
        assert admin.post("/cases/add", data=form).status_code == 302
        accusation = db.session.execute(
            select(Case).join(Petitioner).where(Petitioner.name == ACCUSER)).scalar_one()
        ordinary = db.session.execute(
            select(Case).where(Case.township_id == town.id, Case.category != "accusation").order_by(Case.id)
        ).scalars().first()
        petitioner = ordinary.petitioners[0]
        entry = db.session.execute(
            select(LedgerEntry).where(LedgerEntry.township_id == town.id).order_by(LedgerEntry.id)).scalars().first()
        cases = {c.number: c.id for c in db.session.execute(select(Case)).scalars()}
        world = {
            "accusation": accusation.number, "ordinary": ordinary.number, "cases": cases,
            "petitioner": (petitioner.name, petitioner.id_number), "entry": (entry.id, f"TZ{entry.id:06d}"),
        }
        db.session.remove()
        return world


def _opens(client, url: str) -> bool:
    status = client.get(url).status_code
    assert status in (200, 403, 404), (url, status)
    return status == 200


@pytest.mark.parametrize("username", ALL_USERS)
def test_a_sequence_alone_finds_the_cases_the_user_may_open(module_app, world, username):
    client = _client(module_app, username)
    sequence = world["ordinary"].rsplit("-", 1)[1]
    digits = sequence.lstrip("0")  # "316" for XF2026-000316
    answering = {n: pk for n, pk in world["cases"].items() if n.endswith(f"-{sequence}")}
    expected = {n for n, pk in answering.items() if _opens(client, f"/cases/show/{pk}")}
    response = client.get(f"/search/?q={digits}")
    assert response.status_code == 200
    assert _found(response, "cases") == expected
    if username in ("clerk", "admin", "county_leader"):
        assert world["ordinary"] in expected  # a 城关镇 case: the walk is not vacuous
    if username == "clerk2":
        assert world["ordinary"] not in expected


@pytest.mark.parametrize("username", ALL_USERS)
def test_the_accusation_never_reaches_the_unit_it_accuses(module_app, world, username):
    client = _client(module_app, username)
    for value in (world["accusation"], ACCUSER, ACCUSER_ID):
        response = client.get("/search/", query_string={"q": value})
        assert response.status_code == 200
        text = page_text(response)
        if username in ACCUSED_UNIT_USERS or username == "clerk2":
            # What they typed is echoed back; nothing of the case is.
            assert "举报镇干部挪用扶贫资金" not in text, value
            assert _found(response, "cases") == set(), value
            assert NOTHING in response.get_data(as_text=True), value
    if username in COUNTY_USERS:
        by_number = client.get("/search/", query_string={"q": world["accusation"]})
        assert _found(by_number, "cases") == {world["accusation"]}
        by_name = client.get("/search/", query_string={"q": ACCUSER})
        assert _found(by_name, "cases") == {world["accusation"]}


@pytest.mark.parametrize("username,may_use_numbers", [("clerk", True), ("handler", True), ("manager", False),
                                                      ("leader", False), ("county_supervisor", False)])
def test_id_numbers_only_for_the_roles_that_handle_petitioners(module_app, world, username, may_use_numbers):
    client = _client(module_app, username)
    name, id_number = world["petitioner"]
    by_name = client.get("/search/", query_string={"q": name})
    by_id = client.get("/search/", query_string={"q": id_number})
    assert by_name.status_code == 200 and by_id.status_code == 200
    assert world["ordinary"] in _found(by_name, "cases")
    if may_use_numbers:
        assert world["ordinary"] in _found(by_id, "cases")
    else:
        assert _found(by_id, "cases") == set()
        assert "只有具有“办理信访人个人信息”权限的角色可以按身份证号或电话查询，请按姓名查询。" in page_text(by_id)
        assert NOTHING in by_id.get_data(as_text=True)


@pytest.mark.parametrize("username", ALL_USERS)
def test_a_ledger_number_as_its_list_scopes_it(module_app, world, username):
    client = _client(module_app, username)
    pk, number = world["entry"]
    may_open = _opens(client, f"/ledgers/entries/show/{pk}")
    for value in (number, str(pk)):
        response = client.get("/search/", query_string={"q": value})
        assert response.status_code == 200
        assert _found(response, "ledger") == ({number} if may_open else set())
    if username in ("clerk", "admin"):
        assert may_open


def test_a_number_prefix_and_the_no_result_message(module_app, world):
    client = _client(module_app, "admin")
    prefix = world["ordinary"][:-2]  # XF2026-0000: every case from 1 to 99 of that year
    expected = {n for n in world["cases"] if n.startswith(prefix)}
    assert len(expected) > 1
    assert _found(client.get("/search/", query_string={"q": prefix.lower()}), "cases") == expected
    nothing = client.get("/search/", query_string={"q": "查无此人"})
    assert nothing.status_code == 200
    assert re.search(r'id="search-nothing"[^>]*>\s*在您有权查看的记录中，没有找到与“查无此人”相符的结果。',
                     nothing.get_data(as_text=True))


def test_the_box_is_on_every_page_and_asks_for_a_sign_in(module_app):
    client = _client(module_app, "clerk2")
    for url in ("/", "/cases/list/", "/ledgers/entries/list/", "/notifications/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'id="xf-search"' in response.get_data(as_text=True), url
    anonymous = module_app.test_client().get("/search/?q=316")
    assert anonymous.status_code == 302
    assert "/login" in anonymous.headers["Location"]
