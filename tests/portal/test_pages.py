"""The public pages as a visitor meets them: no login, their own look, safe headers, the
reception schedule when the leaders area publishes one."""

from __future__ import annotations

import pytest

from tests.conftest import make_app
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


def test_no_reception_schedule_yet(public):
    assert "暂无公开的接访安排" in page_text(public.get("/portal/receptions"))


def _app(database_uri, source):
    return make_app(database_uri, PORTAL_RECEPTION_SOURCE=source)


def test_the_reception_schedule_from_the_leaders_area(database_uri):
    application = _app(database_uri, "tests.portal.fake_leaders:upcoming")
    response = application.test_client().get("/portal/receptions")
    text = page_text(response)
    for shown in ("2030-05-06 09:00", "11:30", "周德明", "县长", "县信访局接待大厅", "征地拆迁、劳动社保",
                  "2030-05-08 14:00", "河东镇党委书记", "河东镇便民服务中心", "农村农业"):
        assert shown in text, shown
    assert "&lt;b&gt;马庆丰&lt;/b&gt;" in response.get_data(as_text=True)
    broken = _app(database_uri, "tests.portal.fake_leaders:broken").test_client().get("/portal/receptions")
    assert broken.status_code == 200 and "暂无公开的接访安排" in page_text(broken)
