"""一案一档 (issue 19): the case page gathers every record about the case, each as its own page
scopes it. The oracle is the record's own show page for the same user: a record that opens (200)
is linked from the case page, one that does not (403/404) reads "（无权查看）" with none of its
contents. The records are test_linked_cases' county world: 城关镇's ordinary case is named by an
order, an accountability record and a reception of 河东镇 as well as by 城关镇's own."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.security.test_linked_cases import world  # noqa: F401 — the module's arranged records
from tests.support import login

ALL_USERS = ("admin", "xz_admin", "clerk", "clerk2", "handler", "leader", "supervisor", "manager",
             "county_leader", "county_supervisor", "county_manager", "handler_rsj")
HIDDEN = "（无权查看）"


def _linked(arranged: dict, holdings: list[int]) -> dict[str, list[str]]:
    """The show pages of the records that name the ordinary 城关镇 case, by section."""
    order_cg, order_hd = arranged["orders"]
    record_cg, record_hd = arranged["records"]
    rec_cg, rec_hd = arranged["receptions"]
    return {
        "holdings": [f"/leaders/holdings/show/{pk}" for pk in holdings],
        "orders": [f"/supervision/orders/show/{pk}" for pk in (order_cg, order_hd)],
        "meetings": [f"/supervision/meetings/show/{arranged['meeting']}"],
        "receptions": [f"/leaders/receptions/show/{pk}" for pk in (rec_cg, rec_hd)],
        "accountability": [f"/supervision/accountability/show/{pk}" for pk in (record_cg, record_hd)],
    }


def _section(body: str, kind: str) -> str | None:
    marker = f'id="dossier-table-{kind}"'
    return body.split(marker, 1)[1].split("</table>", 1)[0] if marker in body else None


@pytest.mark.parametrize("username", ALL_USERS)
def test_the_case_page_links_what_the_user_may_open_and_hides_the_rest(module_app, world, username):  # noqa: F811
    from app.cases.models import Case
    from app.extensions import db
    from app.leaders.models import Holding

    with module_app.app_context():
        own_id = db.session.execute(select(Case.id).where(Case.number == world["own"])).scalar_one()
        # The world's holding, and any the demo county already had on the case.
        holdings = list(db.session.execute(select(Holding.id).where(Holding.case_id == own_id)).scalars())
        db.session.remove()
    client = module_app.test_client()
    login(client, username)
    page = client.get(f"/cases/show/{own_id}")
    if username in ("clerk2", "handler_rsj"):
        assert page.status_code == 404  # not their case: nothing of it, let alone its file
    if page.status_code == 404:  # (城关镇's handler: a case not assigned to their unit)
        assert username in ("clerk2", "handler_rsj", "handler")
        return
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    shown_any = False
    for kind, urls in _linked(world, holdings).items():
        section = _section(body, kind)
        opens = {}
        for url in urls:
            status = client.get(url).status_code
            assert status in (200, 403, 404), (url, status)
            opens[url] = status
        if all(s == 403 for s in opens.values()):
            assert section is None, kind  # the role never opens this kind: no section at all
            continue
        assert section is not None, kind
        for url, status in opens.items():
            assert (f'href="{url}"' in section) is (status == 200), (kind, url, status)
        assert section.count(HIDDEN) == sum(1 for s in opens.values() if s != 200), kind
        shown_any = shown_any or any(s == 200 for s in opens.values())
    assert shown_any, username


def test_a_hidden_order_shows_none_of_its_contents(module_app, world):  # noqa: F811
    """河东镇's urge order (限期办结) names 城关镇's case: 城关镇's leader reads that something is there,
    not what; the county's supervisor reads it."""
    from app.cases.models import Case
    from app.extensions import db

    with module_app.app_context():
        own_id = db.session.execute(select(Case.id).where(Case.number == world["own"])).scalar_one()
        db.session.remove()
    for username, reads in (("leader", False), ("county_supervisor", True)):
        client = module_app.test_client()
        login(client, username)
        section = _section(client.get(f"/cases/show/{own_id}").get_data(as_text=True), "orders")
        assert section is not None
        assert ("限期办结" in re.sub(r"<[^>]+>", "", section)) is reads, username


def test_the_file_costs_the_same_whatever_the_number_of_records(module_app, world):  # noqa: F811
    """No statement per record: gathering the file of a case named by many records runs at most
    the three statements of the visible records' children (notes, answers, tasks) more than for a
    case named by none — for the county's supervisor, who opens them all."""
    from flask import g
    from flask_login import login_user
    from sqlalchemy import event

    from app.casefile.gather import gather
    from app.cases.models import Case
    from app.extensions import db
    from app.security.models import AppUser

    counted: list[str] = []

    def count(conn, cursor, statement, *args):  # noqa: ARG001
        counted.append(statement)

    with module_app.test_request_context("/"):
        g.user = db.session.execute(select(AppUser).where(AppUser.username == "county_supervisor")).scalar_one()
        login_user(g.user)  # the permission checks read flask-login's user
        own = db.session.execute(select(Case).where(Case.number == world["own"])).scalar_one()
        linked = select(Case.id).where(Case.id == own.id)  # any case no record names
        plain = db.session.execute(select(Case).where(Case.id.not_in(linked), Case.status == "registered")
                                   .order_by(Case.id)).scalars().first()

        def statements(case: Case) -> tuple[int, int]:
            gather(case)  # warm: permissions and scope cached for the request
            counted.clear()
            event.listen(db.engine, "before_cursor_execute", count)
            try:
                sections = gather(case)
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
            return len(counted), sum(len(s.items) for s in sections)

        (busy, records), (none, _) = statements(own), statements(plain)
        db.session.remove()
    assert records >= 7  # two orders, two receptions, two 问责, a meeting, a holding …
    assert busy - none <= 3, (busy, none)
