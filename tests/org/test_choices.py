"""Units a user may choose are the same list on every page that offers them (one definition:
app/org/choices.py), and follow the rule: active units only; county departments and offices for
everyone, township-level units only inside the user's township."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.org.models import RESPONSIBLE_KINDS, OrgKind, OrgUnit
from tests.support import login

ROLES = ["admin", "county_clerk", "county_manager", "county_supervisor", "clerk", "clerk2", "manager",
         "supervisor"]


def options(html: str, name: str) -> set[str]:
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select {name}"
    return {label.strip() for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>',
                                                        match.group(1)) if value}


def expected_units(session, username: str) -> tuple[set[str], set[str]]:
    """The oracle over the raw org rows: (responsible units, townships) this user may choose."""
    from app.security.models import AppUser

    user = session.execute(select(AppUser).where(AppUser.username == username)).scalar_one()
    units = session.execute(select(OrgUnit).where(OrgUnit.active.is_(True))).scalars().all()
    home = user.org_unit
    county_wide = home.kind in (OrgKind.COUNTY.value, OrgKind.BUREAU.value, OrgKind.INSPECTION.value)
    home_town = home.id if home.kind == OrgKind.TOWNSHIP.value else home.township_id
    responsible = {u.name for u in units if u.kind in {k.value for k in RESPONSIBLE_KINDS}
                   and (county_wide or u.township_id is None or u.township_id == home_town)}
    townships = {u.name for u in units if u.kind == OrgKind.TOWNSHIP.value and (county_wide or u.id == home_town)}
    return responsible, townships


@pytest.fixture(scope="module")
def pages(module_app):
    from app.extensions import db

    seen = {}
    for username in ROLES:
        # Requests outside any app context: each gets its own `g` (its own scope).
        client = module_app.test_client()
        login(client, username)
        seen[username] = {
            "case list": client.get("/cases/list/").get_data(as_text=True),
            "report": client.get("/reports/rates/").get_data(as_text=True),
        }
        with module_app.app_context():
            seen[username]["expected"] = expected_units(db.session, username)
    return seen


@pytest.mark.parametrize("username", ROLES)
def test_every_page_offers_the_same_units(pages, username):
    page = pages[username]
    responsible, townships = page["expected"]
    assert options(page["case list"], "q_unit") == responsible
    assert options(page["case list"], "q_township") == townships
    if username not in ("clerk", "clerk2", "county_clerk"):  # the readers of reports
        assert options(page["report"], "unit") == responsible
        assert options(page["report"], "township") == townships
