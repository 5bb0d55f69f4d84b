"""The process cache of reference data: whatever changes the tracked tables, by whichever
process, the next request sees it; a request sees its own writes; a rollback leaves nothing.

Writes here go through `db_session`, a second app with its own engine and connections: to the
app under test that is what another worker process's change looks like.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from app.cases.models import Subject
from app.core import refcache
from app.deadlines.models import DeadlineRule, RuleCode
from app.org.models import OrgUnit
from app.security.models import AppUser
from tests.support import county_now


def _select_options(html: str, name: str) -> list[str]:
    import re

    found = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S)
    assert found, f"no select box {name}"
    return re.findall(r"<option[^>]*>([^<]*)</option>", found.group(0))


def test_every_tracked_table_has_its_triggers(app):
    from app.extensions import db

    with app.app_context():
        assert refcache.installed_trigger_count(db.session.connection()) == len(refcache.TRACKED)


def test_every_tracked_change_gives_a_new_version(app, db_session):
    def version() -> int:
        return db_session.execute(select(refcache.reference_version.c.version)).scalar_one()

    seen = [version()]
    subject = Subject(name="测试事项", sort_order=99)
    db_session.add(subject)
    db_session.commit()
    seen.append(version())
    subject.name = "测试事项二"
    db_session.commit()
    seen.append(version())
    db_session.delete(subject)
    db_session.commit()
    seen.append(version())
    rule = db_session.execute(select(DeadlineRule)).scalars().first()
    rule.days += 1
    db_session.commit()
    seen.append(version())
    assert len(set(seen)) == len(seen)


def test_a_subject_added_elsewhere_is_offered_at_once(clerk_client, db_session):
    first = clerk_client.get("/cases/list/").get_data(as_text=True)
    assert "新增测试事项" not in _select_options(first, "q_subject")
    db_session.add(Subject(name="新增测试事项", sort_order=0))
    db_session.commit()
    again = clerk_client.get("/cases/list/").get_data(as_text=True)
    assert "新增测试事项" in _select_options(again, "q_subject")


def test_a_renamed_township_shows_its_new_name_in_the_choices(clerk_client, db_session):
    clerk = db_session.execute(select(AppUser).where(AppUser.username == "clerk")).scalar_one()
    town = db_session.get(OrgUnit, clerk.org_unit_id)
    before = _select_options(clerk_client.get("/cases/list/").get_data(as_text=True), "q_township")
    assert town.name in before
    town.name = "城关街道"
    db_session.commit()
    after = _select_options(clerk_client.get("/cases/list/").get_data(as_text=True), "q_township")
    assert "城关街道" in after and "城关镇" not in after


def test_a_revoked_permission_is_refused_on_the_next_request(app, clerk_client, db_session):
    assert clerk_client.get("/cases/list/").status_code == 200
    _revoke(app, db_session, "can_list", "CaseView", "登记员")
    # A missing permission is a 403 (our error page), not FAB's redirect with a flash.
    assert clerk_client.get("/cases/list/").status_code == 403


def test_a_changed_deadline_rule_counts_from_the_next_request(app, db_session):
    from app.deadlines.policy import current_policy

    with app.test_request_context("/"):
        before = current_policy().rule(RuleCode.WARNING).days
    rule = db_session.execute(select(DeadlineRule).where(DeadlineRule.code == RuleCode.WARNING.value)).scalar_one()
    rule.days = before + 2
    db_session.commit()
    with app.test_request_context("/"):
        assert current_policy().rule(RuleCode.WARNING).days == before + 2


def test_a_request_sees_its_own_changes_and_a_rollback_leaves_nothing(app):
    from app.cases.case_list import _subject_choices
    from app.extensions import db

    with app.test_request_context("/"):
        names = [n for _, n in _subject_choices()]
        db.session.add(Subject(name="未提交事项", sort_order=0))
        db.session.flush()
        assert "未提交事项" in [n for _, n in _subject_choices()]
        db.session.rollback()
        assert "未提交事项" not in [n for _, n in _subject_choices()]
    with app.test_request_context("/"):
        assert [n for _, n in _subject_choices()] == names


def test_outside_a_request_nothing_is_cached(app, db_session):
    from app.deadlines.policy import current_policy

    with app.app_context():
        before = current_policy().rule(RuleCode.HANDLE).days
        rule = db_session.execute(select(DeadlineRule).where(DeadlineRule.code == RuleCode.HANDLE.value)).scalar_one()
        rule.days = before + 5
        rule.updated_at = county_now()
        db_session.commit()
        from app.extensions import db

        db.session.rollback()  # end this context's read transaction: see the commit
        assert current_policy().rule(RuleCode.HANDLE).days == before + 5


def _revoke(app, db_session, permission: str, view: str, role_name: str) -> None:
    from flask_appbuilder.security.sqla.models import assoc_permissionview_role

    with app.app_context():
        sm = app.appbuilder.sm
        pvm_id = sm.find_permission_view_menu(permission, view).id
        role_id = sm.find_role(role_name).id
    link = assoc_permissionview_role
    db_session.execute(delete(link).where(link.c.permission_view_id == pvm_id, link.c.role_id == role_id))
    db_session.commit()


def test_the_menu_follows_a_revoked_menu_permission(app, clerk_client, db_session):
    """The navigation menu is rendered once per role set and language, not on every page:
    a menu entry taken away is gone from the next page."""
    assert 'href="/cases/import/"' in clerk_client.get("/").get_data(as_text=True)
    _revoke(app, db_session, "menu_access", "Case import", "登记员")
    page = clerk_client.get("/").get_data(as_text=True)
    assert 'href="/cases/import/"' not in page
    assert 'href="/cases/list/"' in page


def test_users_with_different_roles_get_their_own_menus(client_as):
    clerk_menu = client_as("clerk").get("/").get_data(as_text=True)
    admin_menu = client_as("admin").get("/").get_data(as_text=True)
    assert 'href="/users/list/"' in admin_menu
    assert 'href="/users/list/"' not in clerk_menu
