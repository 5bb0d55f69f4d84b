"""The public pages as a visitor meets them: no login, their own look, safe headers, the
reception schedule when the leaders area publishes one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.portal import schedule
from tests.portal.support import progress_page, submit
from tests.support import county_today, page_text

PUBLIC_PAGES = ("/portal/", "/portal/write", "/portal/query", "/portal/letters", "/portal/receptions")


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_need_no_login_and_look_like_the_portal(public, url):
    response = public.get(url)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'lang="zh-CN"' in body and "青山县网上信访" in body and "portal/portal.css" in body
    assert "navbar" not in body and "appbuilder" not in body  # none of the admin panel's chrome
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "<script>" not in body and " onclick=" not in body and " onchange=" not in body  # no inline script


def test_pages_with_a_petitioners_data_are_not_cached(public, db_session):
    from tests.portal.support import send

    assert send(public, db_session).headers["Cache-Control"] == "no-store"
    code, _case = submit(public, db_session)
    page = progress_page(public, code)
    assert page.headers["Cache-Control"] == "no-store" and page.headers["X-Robots-Tag"] == "noindex"


def test_unknown_pages_and_letters_get_the_portal_404(public):
    for url in ("/portal/letters/999999", "/portal/letters?page=999"):
        response = public.get(url)
        assert response.status_code == 404 and "您访问的页面不存在" in page_text(response)
        assert "pt-header" in response.get_data(as_text=True)


def _clear_schedule(db_session) -> None:
    from sqlalchemy import delete

    from app.leaders.models import ReceptionSlot

    db_session.execute(delete(ReceptionSlot))
    db_session.commit()


def test_with_nothing_published_the_page_still_says_where_to_go(public, db_session):
    _clear_schedule(db_session)
    text = page_text(public.get("/portal/receptions"))
    assert "未来四周暂无公开的领导接访安排" in text
    assert "县信访局每个工作日接待来访群众" in text and "8:30–12:00, 14:30–17:30" in text


def test_the_reception_schedule_comes_from_the_leaders_area(public, db_session):
    from sqlalchemy import select

    from app.leaders.models import Leader, ReceptionSlot
    from app.org.models import OrgUnit

    _clear_schedule(db_session)

    def unit(name: str) -> OrgUnit:
        return db_session.execute(select(OrgUnit).where(OrgUnit.name == name)).scalar_one()

    county, hedong = unit("县信访局"), unit("河东镇")
    head = Leader(name="周德明", rank="county", post="县长", org_unit_id=county.id)
    chief = Leader(name="徐学军", rank="section", post="县信访局局长", org_unit_id=county.id)
    secretary = Leader(name="<b>马庆丰</b>", rank="section", post="河东镇党委书记", org_unit_id=hedong.id)
    gone = Leader(name="钱不再", rank="section", post="原副县长", org_unit_id=county.id, active=False)
    db_session.add_all([head, chief, secretary, gone])
    db_session.flush()
    monday = county_today() + timedelta(days=7 - county_today().weekday())
    wednesday = monday + timedelta(days=2)

    def slot(leader, day, start, end, place, **more) -> ReceptionSlot:
        return ReceptionSlot(leader_id=leader.id, org_unit_id=leader.org_unit_id, day=day,
                             start_time=start, end_time=end, place=place, **more)

    db_session.add_all([
        slot(head, monday, "09:00", "11:30", "县信访局接待大厅", subjects="征地拆迁、劳动社保"),
        slot(chief, monday, "14:30", "17:00", "县信访局接待大厅"),
        slot(secretary, wednesday, "14:00", "16:00", "便民服务中心", subjects="农村农业", township_id=hedong.id),
        slot(chief, wednesday, "09:00", "11:00", "未公开的地点", published=False),
        slot(gone, wednesday, "09:00", "11:00", "离任领导的地点"),
    ])
    db_session.commit()

    response = public.get("/portal/receptions")
    text = page_text(response)
    for shown in (f"{monday.isoformat()}（星期一）", "09:00–11:30", "周德明", "县长", "县信访局接待大厅",
                  "征地拆迁、劳动社保", "14:30–17:00 徐学军", f"{wednesday.isoformat()}（星期三）",
                  "河东镇 · 便民服务中心", "河东镇党委书记", "农村农业"):
        assert shown in text, shown
    assert text.count(monday.isoformat()) == 1  # one heading per day
    assert "&lt;b&gt;马庆丰&lt;/b&gt;" in response.get_data(as_text=True)
    assert "未公开的地点" not in text and "钱不再" not in text  # unpublished, or the leader has left
    assert "暂无公开" not in text


def test_a_failing_schedule_does_not_break_the_page(public, monkeypatch):
    def broken():
        raise RuntimeError("the leaders area failed")

    monkeypatch.setattr(schedule, "published_slots", broken)
    response = public.get("/portal/receptions")
    assert response.status_code == 200 and "暂无公开的领导接访安排" in page_text(response)


def test_demo_query_codes_are_drawn_at_random_not_written_in_the_source(portal_app):
    """Issue 16 item 6a: a code printed in the seed opened the demo letters on every installation."""
    from app.portal.codes import is_well_formed, normalize_code
    from app.portal.progress import find_case
    from seed.demo_portal import CODES

    with portal_app.app_context():
        # The codes the seed used to fix, with their phones' last four digits, open nothing.
        for code, tail in (("QSXF-DEMA-RAT2", "2026"), ("QSXF-DEMA-REP3", "3151"), ("QSXF-DEMA-HAN4", "7788"),
                           ("QSXF-DEMA-NEW5", "6620")):
            assert find_case(normalize_code(code), tail) is None, code
        # The ones drawn when this database was loaded (and printed by `flask xf init`) do.
        assert len(CODES) == 4
        for code, tail in CODES.values():
            assert is_well_formed(normalize_code(code))
            assert find_case(normalize_code(code), tail) is not None, code
