"""The notification list and the bell's number, as every demo role: the number is the user's
unread notifications, the list shows only those about records the user may open (the rest are
marked read, so the bell never counts what the list cannot show), and a long list pages with a
short pager."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from app.cases.models import Case, Category
from app.core.clock import now
from app.notifications.models import Notification
from app.org.models import OrgUnit
from app.security.models import AppUser
from tests.support import case_form, page_text

ROLES = ("admin", "county_clerk", "county_leader", "county_supervisor", "county_manager",
         "xz_admin", "clerk", "handler", "leader", "supervisor", "manager")
COUNTY_WIDE = {"admin", "county_clerk", "county_leader", "county_supervisor", "county_manager"}


def unread(db_session, user_id: int) -> int:
    return db_session.execute(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))).scalar_one()


def user_id(db_session, username: str) -> int:
    return db_session.execute(select(AppUser.id).where(AppUser.username == username)).scalar_one()


def a_case(db_session, township: str, *, accusation: bool = False) -> int:
    town = db_session.execute(select(OrgUnit.id).where(OrgUnit.name == township)).scalar_one()
    query = select(Case.id).where(Case.township_id == town, Case.responsible_unit_id.is_not(None))
    if accusation:
        query = query.where(Case.category == Category.ACCUSATION.value)
    else:
        query = query.where(Case.category != Category.ACCUSATION.value)
    return db_session.execute(query.order_by(Case.id).limit(1)).scalar_one()


def add(db_session, uid: int, titles: list[str], record_id: int | None = None) -> None:
    start = now()
    db_session.execute(insert(Notification), [
        {"user_id": uid, "kind": "case_assigned", "title": title, "url": "/", "created_at": start - timedelta(seconds=i),
         "record_type": "Case" if record_id else None, "record_id": record_id}
        for i, title in enumerate(titles)])


def bell_on_page(client) -> str:
    found = re.search(r'id="xf-bell-count">([^<]+)<', client.get("/").get_data(as_text=True))
    return found.group(1) if found else "0"


@pytest.mark.parametrize("username", ROLES)
def test_the_bell_counts_only_what_the_list_shows(username, client_as, db_session):
    client = client_as(username)
    uid = user_id(db_session, username)
    ours, theirs = a_case(db_session, "城关镇"), a_case(db_session, "河东镇")
    add(db_session, uid, [f"本镇通知{i}" for i in range(2)], ours)
    add(db_session, uid, [f"他镇通知{i}" for i in range(3)], theirs)
    expected = unread(db_session, uid)
    assert client.get("/notifications/count").get_json() == {"unread": expected}
    assert bell_on_page(client) == (str(expected) if expected < 100 else "99+")

    text = page_text(client.get("/notifications/?state=unread"))
    assert "本镇通知0" in text and "本镇通知1" in text
    if username in COUNTY_WIDE:
        assert all(f"他镇通知{i}" in text for i in range(3))
        assert client.get("/notifications/count").get_json() == {"unread": expected}
    else:
        # 河东镇's case is not theirs: never shown, and no longer counted.
        assert not any(f"他镇通知{i}" in text for i in range(3))
        assert client.get("/notifications/count").get_json() == {"unread": expected - 3}
        assert unread(db_session, uid) == expected - 3


def test_an_accusation_about_the_township_never_shows_to_it(client_as, db_session):
    """A notification row about a 检举控告 reporting on 城关镇 (however it got there) is shown to
    the county's users, never to 城关镇's own."""
    town = db_session.execute(select(OrgUnit.id).where(OrgUnit.name == "城关镇")).scalar_one()
    form = case_form(town, category="accusation", title="举报城关镇通知测试", reported_unit=str(town))
    assert client_as("admin").post("/cases/add", data=form).status_code == 302
    case_id = db_session.execute(select(Case.id).where(Case.title == "举报城关镇通知测试")).scalar_one()
    for username in ROLES:
        add(db_session, user_id(db_session, username), ["检举通知"], case_id)
        shown = "检举通知" in page_text(client_as(username).get("/notifications/"))
        assert shown == (username in COUNTY_WIDE), username


def test_a_long_list_pages_with_a_short_pager(client_as, db_session):
    client = client_as("clerk")
    uid = user_id(db_session, "clerk")
    add(db_session, uid, [f"第{i:03d}条" for i in range(400)])
    total = db_session.execute(select(func.count()).select_from(Notification).where(
        Notification.user_id == uid)).scalar_one()
    pages = (total + 49) // 50
    body = client.get("/notifications/?page=3").get_data(as_text=True)
    links = re.findall(r'<li class="(?:active)?"><a href="\?state=&kind=&page=(\d+)">', body)
    assert len(links) <= 12 and "…" in body
    assert links[0] == "0" and links[-1] == str(pages - 1) and "3" in links
    # Newest first: page 4 (index 3) holds rows 150–199 of the user's list in that order.
    ordered = db_session.execute(select(Notification.title).where(Notification.user_id == uid)
                                 .order_by(Notification.created_at.desc(), Notification.id.desc())).scalars().all()
    shown = re.findall(r"<strong>(第\d{3}条)</strong>", body)
    assert shown == [t for t in ordered[150:200] if t.startswith("第")]


def test_the_count_needs_a_login(client):
    assert client.get("/notifications/count").status_code == 401


def test_the_number_and_the_rows_agree(client_as, db_session):
    """Notifications about a case the user can no longer open are not counted either: 52 the
    clerk may open and 3 about 河东镇's case, newest: two pages, 50 rows and 2."""
    from sqlalchemy import delete

    client = client_as("clerk")
    uid = user_id(db_session, "clerk")
    db_session.execute(delete(Notification).where(Notification.user_id == uid,
                                                  Notification.kind == "holding_proposed"))
    ours, theirs = a_case(db_session, "城关镇"), a_case(db_session, "河东镇")
    start = now()
    db_session.execute(insert(Notification), [
        {"user_id": uid, "kind": "holding_proposed", "title": f"可见{i:02d}", "url": "/", "record_type": "Case",
         "record_id": ours, "created_at": start - timedelta(minutes=10 + i)} for i in range(52)] + [
        {"user_id": uid, "kind": "holding_proposed", "title": f"不可见{i}", "url": "/", "record_type": "Case",
         "record_id": theirs, "created_at": start - timedelta(minutes=i)} for i in range(3)])
    db_session.commit()

    def shown(page: int) -> tuple[list[str], list[str]]:
        body = client.get(f"/notifications/?kind=holding_proposed&page={page}").get_data(as_text=True)
        titles = re.findall(r"<strong>((?:不)?可见\d+)</strong>", body)
        pages = re.findall(r'<li class="(?:active)?"><a href="\?state=&kind=holding_proposed&page=(\d+)">', body)
        return titles, pages

    first, pages = shown(0)
    assert first == [f"可见{i:02d}" for i in range(50)] and pages == ["0", "1"]
    second, pages = shown(1)
    assert second == ["可见50", "可见51"] and pages == ["0", "1"]
    assert db_session.execute(select(func.count()).select_from(Notification).where(
        Notification.user_id == uid, Notification.kind == "holding_proposed")).scalar_one() == 52
