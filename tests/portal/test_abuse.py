"""Bad input and abuse: enumeration, rate limits, CSRF, the honeypot, double submission, size
limits, file types by content, HTML shown as text — and in every refused case nothing saved."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cases.models import Case
from app.portal.models import QueryCode
from tests.conftest import make_app
from tests.portal.support import PDF, PNG, TAIL, errors, form_token, letter, look_up, send, submit
from tests.support import page_text


def cases(db_session) -> int:
    db_session.expire_all()
    return db_session.execute(select(func.count()).select_from(Case)).scalar()


def stored_files(uploads: Path) -> list[Path]:
    return [p for p in uploads.rglob("*") if p.is_file()] if uploads.exists() else []


# --- enumeration --------------------------------------------------------------------------------


def _normalised(response, typed: str) -> str:
    # The CSRF token carries a timestamp (it changes when a second passes): not an answer.
    body = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1TOKEN"', response.get_data(as_text=True))
    return body.replace(typed, "CODE")


def test_a_wrong_phone_answers_exactly_like_an_unknown_code(public, db_session):
    code, _case = submit(public, db_session)
    unknown = "ABCD-EFGH-JKMN" if code != "ABCD-EFGH-JKMN" else "NMKJ-HGFE-DCBA"
    wrong_pair = look_up(public, code, "0000")
    no_such_code = look_up(public, unknown, "0000")
    assert wrong_pair.status_code == no_such_code.status_code == 200
    assert _normalised(wrong_pair, code) == _normalised(no_such_code, unknown)
    assert "查询码或电话号码后4位不正确" in page_text(wrong_pair)
    # Neither logged anyone in.
    assert public.get("/portal/progress").status_code == 302
    # The right pair does, typed in any case and without the dashes.
    assert look_up(public, code.replace("-", "").lower(), TAIL).status_code == 302
    assert public.get("/portal/progress").status_code == 200


def test_malformed_input_is_told_apart_from_a_wrong_pair(public):
    response = look_up(public, "", "12a")
    assert response.status_code == 422
    found = errors(response)
    assert "请输入回执上的查询码" in found["code"] and "后4位" in found["phone_tail"]


def test_codes_are_random_unambiguous_and_only_hashed(portal_app, public, db_session):
    from app.portal import codes

    drawn = {codes.new_code() for _ in range(2000)}
    assert len(drawn) == 2000
    assert all(len(c) == 12 and set(c) <= set(codes.ALPHABET) for c in drawn)
    assert not set("01OIL") & set(codes.ALPHABET)
    first, case_a = submit(public, db_session)
    second, case_b = submit(public, db_session)
    assert first != second and case_a.id != case_b.id
    rows = db_session.execute(select(QueryCode.code_hash, QueryCode.pair_hash)).all()
    assert all(len(h) == 64 for row in rows for h in row)
    assert not any(first.replace("-", "") in h or second.replace("-", "") in h for row in rows for h in row)


# --- rate limits ----------------------------------------------------------------------------------


@pytest.fixture
def limited_app(database_uri, uploads):
    application = make_app(
        database_uri, UPLOAD_FOLDER=str(uploads), RATELIMIT_ENABLED=True,
        PORTAL_LOOKUP_LIMIT="3 per minute", PORTAL_SUBMIT_LIMIT="2 per minute",
    )
    yield application
    with application.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


def test_lookups_are_limited_per_address(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        assert look_up(client, "ABCD-EFGH-JKMN", "1234").status_code == 200
    blocked = look_up(client, "ABCD-EFGH-JKMN", "1234")
    assert blocked.status_code == 429
    assert "操作过于频繁，请稍后再试" in page_text(blocked)
    assert "pt-header" in blocked.get_data(as_text=True)  # the portal's own page, not the admin's
    # The form itself can still be read; another address is not affected.
    assert client.get("/portal/query").status_code == 200
    other = limited_app.test_client()
    response = other.post("/portal/query", data={"code": "ABCD-EFGH-JKMN", "phone_tail": "1234"},
                          environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 200


def test_submissions_are_limited_per_address(limited_app, db_session):
    client = limited_app.test_client()
    before = cases(db_session)
    assert send(client, db_session).status_code == 200
    assert send(client, db_session).status_code == 200
    blocked = send(client, db_session)
    assert blocked.status_code == 429 and "操作过于频繁" in page_text(blocked)
    assert cases(db_session) == before + 2


# --- forged and repeated posts ----------------------------------------------------------------------


@pytest.fixture
def csrf_app(database_uri, uploads):
    application = make_app(database_uri, UPLOAD_FOLDER=str(uploads), WTF_CSRF_ENABLED=True)
    yield application
    with application.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


def test_posts_need_the_csrf_token(csrf_app, db_session):
    client = csrf_app.test_client()
    before = cases(db_session)
    forged = client.post("/portal/write", data={**letter(db_session), "form_token": form_token(client)})
    assert forged.status_code == 400 and "页面已过期" in page_text(forged)
    assert look_up(client, "ABCD-EFGH-JKMN", "1234").status_code == 400
    assert client.post("/portal/progress/rate", data={"satisfaction": "satisfied"}).status_code == 400
    assert cases(db_session) == before
    # With the token from the page it goes through.
    body = client.get("/portal/write").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
    token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', body).group(1)
    response = client.post("/portal/write", data={**letter(db_session), "csrf_token": csrf, "form_token": token})
    assert response.status_code == 200 and 'id="query-code"' in response.get_data(as_text=True)
    assert cases(db_session) == before + 1


def test_the_honeypot_refuses_robots(public, db_session):
    before = cases(db_session)
    response = send(public, db_session, homepage="http://spam.example")
    assert response.status_code == 400 and "信件未能提交" in page_text(response)
    assert cases(db_session) == before


def test_the_same_form_twice_registers_one_case(public, db_session):
    before = cases(db_session)
    data = {**letter(db_session), "form_token": form_token(public)}
    first = public.post("/portal/write", data=data)
    second = public.post("/portal/write", data=data)
    assert 'id="query-code"' in first.get_data(as_text=True)
    assert "该信件已经提交过" in page_text(second) and 'id="query-code"' not in second.get_data(as_text=True)
    assert cases(db_session) == before + 1
    # A made-up token is not accepted either.
    stale = public.post("/portal/write", data={**letter(db_session), "form_token": "made-up"})
    assert stale.status_code == 400 and cases(db_session) == before + 1


# --- fields ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"consent": None}, "consent", "请阅读个人信息说明并勾选同意"),
        ({"mailbox": ""}, "mailbox", "请选择要写信的信箱"),
        ({"township": ""}, "township", "请选择事项发生地所在的乡镇"),
        ({"mailbox": "village"}, "village", "请选择要写信的村"),
        ({"mailbox": "department"}, "department", "请选择要写信的部门"),
        ({"category": "other"}, "category", "请选择反映事项的类型"),
        ({"title": ""}, "title", "标题"),
        ({"title": "长" * 61}, "title", "最多 60 个字"),
        ({"content": "太短"}, "content", "请至少用10个字"),
        ({"content": "长" * 5001}, "content", "最多 5000 个字"),
        ({"name": ""}, "name", "姓名"),
        ({"phone": "12345"}, "phone", "11位手机号"),
        ({"id_number": "230101198001011234"}, "id_number", "校验"),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_kept(public, db_session, overrides, field, message):
    before = cases(db_session)
    response = send(public, db_session, **overrides)
    assert response.status_code == 422
    found = errors(response)
    assert message in found.get(field, ""), found
    assert "请修改下面标出的" in found["_form"]
    body = response.get_data(as_text=True)
    assert "小区门口路灯坏了三个月" in body or field == "title"  # what was typed is kept
    assert cases(db_session) == before


def test_a_village_must_belong_to_the_township(public, db_session):
    from tests.portal.support import unit

    other_village = db_session.execute(
        select(Case.village_id).where(Case.township_id != unit(db_session, "城关镇").id, Case.village_id.is_not(None)).limit(1)
    ).scalar()
    response = send(public, db_session, mailbox="village", village=str(other_village))
    assert response.status_code == 422 and "不属于所选乡镇" in errors(response)["village"]


# --- files ------------------------------------------------------------------------------------------------


def test_up_to_three_pictures_or_pdfs(public, db_session, uploads):
    code, case = submit(public, db_session, files=[(PNG, "照片1.png"), (PDF, "材料.pdf"), (PNG, "照片2.png")])
    assert len(stored_files(uploads)) == 3


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([(PNG, f"{i}.png") for i in range(4)], "最多只能上传3个附件"),
        ([(b"MZ\x90\x00" + b"\x00" * 64, "照片.png")], "只能上传以下类型的文件：JPEG、PNG、PDF"),
        ([(b"<html><script>alert(1)</script></html>", "page.pdf")], "只能上传以下类型的文件"),
        ([(PDF, "伪装.jpg")], "与文件扩展名（.jpg）不符"),
        ([(b"PK\x03\x04" + b"\x00" * 64, "table.xlsx")], "只能上传以下类型的文件"),
        ([(PNG + b"\x00" * (1024 * 1024), "大图.png")], "超过"),
    ],
)
def test_refused_files_keep_nothing(public, db_session, uploads, files, message):
    before = cases(db_session)
    response = send(public, db_session, files=files)
    assert response.status_code == 422
    assert message in errors(response).get("attachments", ""), errors(response)
    assert cases(db_session) == before
    assert stored_files(uploads) == []


def test_a_request_larger_than_the_site_limit_gets_the_portal_page(database_uri, uploads, db_session):
    application = make_app(database_uri, UPLOAD_FOLDER=str(uploads), MAX_CONTENT_LENGTH=64 * 1024)
    client = application.test_client()
    data = {**letter(db_session), "form_token": form_token(client),
            "attachments": [(io.BytesIO(PNG + b"\x00" * 100_000), "big.png")]}
    response = client.post("/portal/write", data=data, content_type="multipart/form-data")
    assert response.status_code == 413 and "附件过大" in page_text(response)
    with application.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


# --- HTML is text -------------------------------------------------------------------------------------------


def test_html_in_any_field_is_shown_as_text(public, staff, db_session):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    code, case = submit(public, db_session, title="标题" + evil[:40], content="内容内容内容" + evil, name="<b>王</b>")
    assert public.post("/portal/query", data={"code": code, "phone_tail": TAIL}).status_code == 302
    for page in (public.get("/portal/progress"), staff("clerk").get(f"/cases/show/{case.id}")):
        body = page.get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body and "<b>王</b>" not in body
        assert "&lt;script&gt;" in body
    # A bad value echoed back in the form is escaped too.
    response = send(public, db_session, title=evil, phone="x")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "<script>alert" not in body and "&lt;script&gt;" in body
