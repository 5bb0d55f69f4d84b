"""打印卷宗 and batch notices (issue 19): printed as the case page shows the case, to whoever may
open it; another township's case, or a 检举控告 about the user's own unit, is a 404."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support import case_form, login, page_text, table_rows

ALL_USERS = ("admin", "xz_admin", "clerk", "clerk2", "handler", "leader", "supervisor", "manager",
             "county_leader", "county_supervisor", "county_manager", "handler_rsj")


@pytest.fixture(scope="module")
def cases(module_app):
    """Raw rows: accepted and closed cases of 城关镇 and 河东镇, with their events."""
    from app.cases.models import Case, CaseStatus
    from app.cases.workflow_models import CaseEvent
    from app.extensions import db
    from app.org.models import OrgUnit

    with module_app.app_context():
        towns = {t.name: t.id for t in db.session.execute(select(OrgUnit).where(
            OrgUnit.name.in_(["城关镇", "河东镇"]))).scalars()}
        found = {}
        for name, town in towns.items():
            closed = db.session.execute(select(Case).where(
                Case.township_id == town, Case.status == CaseStatus.CLOSED.value,
                Case.reply_text.is_not(None)).order_by(Case.id)).scalars().first()
            accepted = db.session.execute(select(Case.id).where(
                Case.township_id == town, Case.accepted_at.is_not(None)).order_by(Case.id)).scalars().all()
            unaccepted = db.session.execute(select(Case.id).where(
                Case.township_id == town, Case.accepted_at.is_(None)).order_by(Case.id)).scalars().first()
            events = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == closed.id)
                                        .order_by(CaseEvent.occurred_at, CaseEvent.id)).scalars().all()
            found[name] = {"closed": closed.id, "number": closed.number, "accepted": accepted[:3],
                           "unaccepted": unaccepted,
                           "events": [(e.occurred_at.strftime("%Y-%m-%d %H:%M"), e.actor_name) for e in events]}
        db.session.remove()
        return found


@pytest.mark.parametrize("username", ALL_USERS)
def test_the_case_file_prints_for_whoever_opens_the_case(module_app, cases, username):
    client = module_app.test_client()
    login(client, username)
    for town in ("城关镇", "河东镇"):
        pk = cases[town]["closed"]
        page = client.get(f"/cases/show/{pk}").status_code
        printed = client.get(f"/casefile/case/{pk}")
        assert printed.status_code == page, (town, page)  # the same answer as the case page
        if printed.status_code != 200:
            continue
        body = printed.get_data(as_text=True)
        assert f'<td id="cover-number">{cases[town]["number"]}</td>' in body
        steps = table_rows(body, "file-steps")
        # Every step of the case, with its time and who signed it, in order.
        assert [(row[0], row[2].split(" ")[0]) for row in steps] == cases[town]["events"]
        assert "受理告知书" in page_text(printed)


def test_the_accused_unit_cannot_print_the_accusation(module_app):
    """A 检举控告 against 城关镇, registered by the 信访局: none of 城关镇's users prints it."""
    from app.cases.models import Case
    from app.extensions import db
    from app.org.models import OrgUnit

    admin = module_app.test_client()
    login(admin, "admin")
    with module_app.app_context():
        town = db.session.execute(select(OrgUnit.id).where(OrgUnit.name == "城关镇")).scalar_one()
        db.session.remove()
    form = case_form(town, category="accusation", title="举报镇干部违规发放补贴", reported_unit=str(town),
                     **{"petitioners-0-name": "检举人丁"})
    assert admin.post("/cases/add", data=form).status_code == 302
    with module_app.app_context():
        accusation = db.session.execute(select(Case.id).where(Case.title == "举报镇干部违规发放补贴")).scalar_one()
        db.session.remove()
    for username, status in (("clerk", 404), ("leader", 404), ("xz_admin", 404), ("clerk2", 404),
                             ("admin", 200), ("county_supervisor", 200)):
        client = module_app.test_client()
        login(client, username)
        assert client.get(f"/casefile/case/{accusation}").status_code == status, username
        batch = client.get(f"/casefile/notices?ids={accusation}&kind=acceptance")
        assert batch.status_code == 200
        assert "举报镇干部违规发放补贴" not in batch.get_data(as_text=True)


def test_notices_for_the_selected_cases_from_the_case_list(module_app, cases):
    client = module_app.test_client()
    login(client, "clerk")
    own = cases["城关镇"]["accepted"]
    theirs = cases["河东镇"]["accepted"][0]
    response = client.post("/cases/action_post", data={"action": "print_notices", "rowid": [str(i) for i in own]})
    assert response.status_code == 302
    batch = client.get(response.headers["Location"])
    assert batch.status_code == 200
    assert batch.get_data(as_text=True).count('<div class="sheet">') == len(own)
    # Another township's case in the selection: refused as a whole (404), nothing printed.
    mixed = client.post("/cases/action_post", data={"action": "print_notices", "rowid": [str(own[0]), str(theirs)]})
    assert mixed.status_code == 404
    # Typed into the address: the other township's case is simply not there.
    typed = client.get(f"/casefile/notices?ids={own[0]},{theirs}&kind=acceptance")
    assert typed.get_data(as_text=True).count('<div class="sheet">') == 1
    # A case without the notice is named, not printed.
    none = client.get(f"/casefile/notices?ids={cases['城关镇']['unaccepted']}&kind=acceptance")
    assert none.get_data(as_text=True).count('<div class="sheet">') == 0
    assert 'id="batch-without"' in none.get_data(as_text=True)
    assert client.get(f"/casefile/notices?ids={own[0]}&kind=nosuch").status_code == 404
