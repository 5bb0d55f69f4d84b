"""Journey on a phone (390×844): a member of the public writes to the township mailbox with a
photo, notes the query code, the township handles and answers the letter, and the petitioner
looks it up with the code and the phone's last four digits and rates the answer. The clerk
finds the letter in the work queue on the way."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.cases.models import Case
from app.org.models import OrgUnit
from tests.cases.workflow_support import ok, step
from tests.e2e.conftest import ARTIFACTS, untranslated_words
from tests.support import login

pytestmark = pytest.mark.e2e

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
REPLY = "您反映的路灯问题，镇里已安排专人于本周修复，并建立了报修台账。感谢您的监督。"


@pytest.fixture
def phone(browser, request):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, device_scale_factor=2,
        is_mobile=True, has_touch=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.js_errors = errors
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    except Exception:  # noqa: S110 — a screenshot is a courtesy, not part of the test
        pass
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"portal_{name}.png"), full_page=True)


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def staff_client(app, username: str):
    client = app.test_client()
    login(client, username)
    return client


@pytest.fixture
def office(app):
    """The county's staff, acting on the same database as the live server (their own app)."""
    return app


def test_petition_on_a_phone_look_up_and_rate(phone, live_server, office):
    base = live_server.url
    page = phone
    page.goto(f"{base}/portal/")
    assert fits_the_screen(page) and untranslated_words(page) == []
    shot(page, "home")
    page.click("#go-write")
    page.wait_for_url(re.compile(r"/portal/write"))

    # A wrong first try: nothing chosen, no consent — told next to the fields, nothing lost.
    page.fill("#title", "小区门口路灯坏了三个月")
    page.click("#send")
    page.wait_for_selector("#form-errors")
    assert "请选择要写信的信箱" in page.inner_text("#err-mailbox")
    assert "请阅读个人信息说明并勾选同意" in page.inner_text("#err-consent")
    assert page.input_value("#title") == "小区门口路灯坏了三个月"
    # That answer was a 422, which the browser's console reports as a failed load: expected.
    assert all("422" in e for e in page.js_errors)
    page.js_errors.clear()

    page.click("label[for=mailbox-township], #mailbox-township + span")
    assert page.is_hidden("#department")
    page.select_option("#township", label="城关镇")
    page.click("#category-claim + span")
    page.fill("#content", "我家小区门口的路灯坏了三个月，晚上出行很不方便，老人孩子容易摔倒，希望尽快修好。")
    page.set_input_files("#attachments", files=[{"name": "路灯照片.png", "mimeType": "image/png", "buffer": PNG}])
    assert "路灯照片.png" in page.inner_text("#attachment-names")
    page.fill("#name", "周小梅")
    page.fill("#phone", "13912345678")
    page.check("#consent")
    assert fits_the_screen(page) and untranslated_words(page) == []
    shot(page, "write")
    page.click("#send")

    page.wait_for_selector("#query-code")
    code = page.inner_text("#query-code").strip()
    number = page.inner_text("#case-number").strip()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert page.is_visible("#print")
    assert fits_the_screen(page)
    assert [w for w in untranslated_words(page) if w not in code] == []
    shot(page, "receipt")

    # The township's clerk finds it in the work queue; the township handles and answers it.
    app = office
    clerk, leader, handler = (staff_client(app, u) for u in ("clerk", "leader", "handler"))
    assert number in clerk.get("/").get_data(as_text=True)
    with app.app_context():
        from app.extensions import db

        case_id = db.session.execute(select(Case.id).where(Case.number == number)).scalar_one()
        town = db.session.execute(select(OrgUnit.id).where(OrgUnit.name == "城关镇")).scalar_one()
        db.session.remove()
    for client, code_, fields in (
        (clerk, "accept", {}), (clerk, "propose", {"proposal": "建议交城关镇办理"}),
        (leader, "instruct", {"text": "请尽快修复"}), (clerk, "assign", {"unit": str(town)}),
        (handler, "receive", {}), (handler, "submit_findings", {"findings": "物业拖延维修", "reply_draft": REPLY}),
        (leader, "approve", {}), (leader, "sign_reply", {"reply_text": REPLY}),
    ):
        ok(step(client, case_id, code_, **fields))

    # The petitioner looks it up (a wrong digit first) and rates the answer.
    page.goto(f"{base}/portal/")
    page.click("#go-query")
    page.fill("#code", code.lower().replace("-", " "))
    page.fill("#phone_tail", "5679")
    page.click("#look-up")
    page.wait_for_selector("#form-errors")
    assert "查询码或电话号码后4位不正确" in page.inner_text("#form-errors")
    page.fill("#phone_tail", "5678")
    page.click("#look-up")
    page.wait_for_url(re.compile(r"/portal/progress"))
    assert page.inner_text("#status") == "已答复"
    assert REPLY in page.inner_text("#reply")
    assert "物业拖延维修" not in page.inner_text("body")
    assert fits_the_screen(page) and untranslated_words(page) == []
    shot(page, "progress")

    page.click("#rating-satisfied + span")
    page.fill("#comment", "修得很及时，谢谢。")
    page.click("#send-rating")
    page.wait_for_selector("#rated")
    assert "感谢您的评价" in page.inner_text("body")
    assert "满意" in page.inner_text("#rated")
    assert page.locator("#rate").count() == 0
    assert fits_the_screen(page) and untranslated_words(page) == []
    assert page.js_errors == []

    with app.app_context():
        from app.extensions import db

        case = db.session.get(Case, case_id)
        assert (case.satisfaction, case.status) == ("satisfied", "replied")
        db.session.remove()

    # The other public pages fit the phone too: selected letters (the demo-free database has
    # none yet) and the reception days (the petition bureau's everyday reception at least).
    page.click(".pt-nav a[href$='/portal/letters']")
    page.wait_for_url(re.compile(r"/portal/letters"))
    assert fits_the_screen(page) and untranslated_words(page) == []
    page.click(".pt-nav a[href$='/portal/receptions']")
    page.wait_for_selector("#office")
    assert "接待时间" in page.inner_text("#office")
    assert fits_the_screen(page) and untranslated_words(page) == []
    shot(page, "receptions")
    assert page.js_errors == []
