"""A person's name reads as Chinese writes it: family name then given name, no space (韩德福,
never "德福 韩") — on FAB's pages (a record's 登记人), the navbar and the home page."""

from __future__ import annotations

from sqlalchemy import select

from app.security.models import person_name
from tests.support import DEMO_PASSWORD, login, page_text


def test_person_name_is_family_name_first():
    class Person:
        last_name, first_name = "韩", "德福"

    assert person_name(Person()) == "韩德福"
    assert person_name(None) == ""


def test_pages_show_family_name_first(module_app):
    from app.extensions import db
    from app.ledgers.models import LedgerEntry
    from app.security.models import AppUser

    with module_app.app_context():
        entry_id, creator_id = db.session.execute(
            select(LedgerEntry.id, LedgerEntry.created_by_id).where(LedgerEntry.created_by_id.is_not(None)).limit(1)
        ).one()
        creator = db.session.get(AppUser, creator_id)
        family_first = creator.last_name + creator.first_name
        given_first = f"{creator.first_name} {creator.last_name}"
        assert str(creator) == creator.get_full_name() == family_first
    for username, url, shown, not_shown in (
        ("clerk", "/", "张丽娟", "丽娟 张"),
        ("county_leader", "/", "周德明", "德明 周"),
        ("admin", f"/ledgers/entries/show/{entry_id}", family_first, given_first),
    ):
        client = module_app.test_client()
        login(client, username, DEMO_PASSWORD)
        response = client.get(url)
        assert response.status_code == 200, url
        text = page_text(response)
        assert shown in text, url
        assert not_shown not in text, url
