"""The public pages as a visitor meets them: no login, their own look, safe headers, the
reception schedule when the leaders area publishes one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from app.portal import schedule
from tests.portal.support import progress_page, submit
from tests.support import page_text

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


def test_without_the_leaders_area_the_page_still_says_where_to_go(public):
    text = page_text(public.get("/portal/receptions"))
    assert "未来四周暂无公开的领导接访安排" in text
    assert "县信访局每个工作日接待来访群众" in text and "8:30–12:00, 14:30–17:30" in text


@dataclass(frozen=True)
class Slot:
    """The fields of the leaders area's PublicSlot (app.leaders.rules), which the page reads."""

    day: date
    start_time: str
    end_time: str
    place: str
    subjects: str
    leader_name: str
    leader_post: str
    township: str = ""


def test_the_reception_schedule_from_the_leaders_area(public, monkeypatch):
    # The leaders area is built on another branch: its query's answer is stood in for here.
    monkeypatch.setattr(schedule, "published_slots", lambda: [
        Slot(date(2030, 5, 6), "09:00", "11:30", "县信访局接待大厅", "征地拆迁、劳动社保", "周德明", "县长"),
        Slot(date(2030, 5, 6), "14:30", "17:00", "县信访局接待大厅", "", "徐学军", "县信访局局长"),
        Slot(date(2030, 5, 8), "14:00", "16:00", "便民服务中心", "农村农业", "<b>马庆丰</b>", "河东镇党委书记", "河东镇"),
    ])
    response = public.get("/portal/receptions")
    text = page_text(response)
    for shown in ("2030-05-06（星期一）", "09:00–11:30", "周德明", "县长", "县信访局接待大厅", "征地拆迁、劳动社保",
                  "14:30–17:00 徐学军", "2030-05-08（星期三）", "河东镇 · 便民服务中心", "河东镇党委书记", "农村农业"):
        assert shown in text, shown
    assert text.count("2030-05-06") == 1  # one heading per day
    assert "&lt;b&gt;马庆丰&lt;/b&gt;" in response.get_data(as_text=True)
    assert "暂无公开" not in text


def test_a_failing_schedule_does_not_break_the_page(public, monkeypatch):
    def broken():
        raise RuntimeError("the leaders area failed")

    monkeypatch.setattr(schedule, "published_slots", broken)
    response = public.get("/portal/receptions")
    assert response.status_code == 200 and "暂无公开的领导接访安排" in page_text(response)
