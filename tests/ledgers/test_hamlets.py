"""Sweeps down to the hamlet (自然屯) and the coverage check: each hamlet has its 2 mediators
(seed 003). Expected values from the raw rows; a township sees only its own hamlets."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from sqlalchemy import select, update

from app.ledgers.models import LedgerEntry
from app.mediation.models import Mediator
from app.org.models import OrgUnit
from tests.ledgers.support import make_entry, org
from tests.support import county_today


def _rows(page: str, table: str) -> dict[str, str]:
    body = re.search(rf'<table[^>]*id="{table}".*?</table>', page, re.S).group(0)
    return {m.group(1): m.group(0) for m in re.finditer(r'<tr[^>]*data-hamlet="([^"]+)".*?</tr>', body, re.S)}


def _cell(row: str, name: str) -> str:
    return re.search(rf'class="{name}">([^<]*)<', row).group(1)


def test_hamlets_below_two_mediators_and_disputes_found(client_as, db_session):
    town = org(db_session, "城关镇")
    hamlet = org(db_session, "红旗二屯")
    # One of 红旗二屯's mediators leaves; a dispute is logged there today.
    leaving = db_session.execute(select(Mediator).where(Mediator.org_unit_id == hamlet.id,
                                                        Mediator.active.is_(True)).limit(1)).scalar_one()
    db_session.execute(update(Mediator).where(Mediator.id == leaving.id).values(active=False))
    db_session.commit()
    make_entry(db_session, village="红旗村", hamlet_id=hamlet.id, people_count=4,
               found_on=county_today() - timedelta(days=0))

    hamlets = db_session.execute(select(OrgUnit).where(OrgUnit.kind == "hamlet", OrgUnit.active.is_(True),
                                                       OrgUnit.township_id == town.id)).scalars().all()
    active = Counter(m.org_unit_id for m in db_session.execute(
        select(Mediator).where(Mediator.active.is_(True))).scalars())
    first = county_today().replace(day=1)
    found = Counter()
    people = Counter()
    for entry in db_session.execute(select(LedgerEntry).where(LedgerEntry.hamlet_id.is_not(None))).scalars():
        if first <= entry.found_on <= county_today():
            found[entry.hamlet_id] += 1
            people[entry.hamlet_id] += entry.people_count

    page = client_as("clerk").get("/sweeps/hamlets/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    below = _rows(text, "below")
    assert set(below) == {h.name for h in hamlets if active[h.id] < 2}
    assert "红旗二屯" in below
    rows = _rows(text, "hamlets")
    assert set(rows) == {h.name for h in hamlets}
    for h in hamlets:
        assert _cell(rows[h.name], "xf-found") == str(found[h.id])
        assert _cell(rows[h.name], "xf-people") == str(people[h.id])
        assert _cell(rows[h.name], "xf-mediators") == str(active[h.id])
    assert int(_cell(rows["红旗二屯"], "xf-found")) >= 1

    # Another township's clerk sees none of 城关镇's hamlets; county-level roles see them.
    other = client_as("clerk2").get("/sweeps/hamlets/")
    assert other.status_code == 200
    assert not set(_rows(other.get_data(as_text=True), "hamlets")) & {h.name for h in hamlets}
    for user in ("admin", "county_leader", "county_supervisor", "county_manager"):
        response = client_as(user).get("/sweeps/hamlets/")
        assert response.status_code == 200
        assert "红旗二屯" in _rows(response.get_data(as_text=True), "below")
    assert client_as("handler_rsj").get("/sweeps/hamlets/").status_code == 403
