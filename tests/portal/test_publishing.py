"""Selected answered letters on the public page: personal data removed, approved by a clerk or
the administrator, inside their own area only; reports of wrongdoing never."""

from __future__ import annotations

from sqlalchemy import select

from app.portal.models import PublishedLetter
from app.portal.redaction import leftovers, redact
from tests.portal.support import answer, submit, unit
from tests.support import page_text

CONTENT = (
    "我叫吴大海，住城关镇幸福小区5栋，电话13812349876，身份证230101198001011237。"
    "邻居李四家装修占用楼道，多次协商无果，请求处理。联系邮箱 wdh@example.com"
)
REPLY = "吴大海同志：经城关镇核实，已责令当事人清理楼道，座机0451-87654321可咨询。"


def published_case(public, staff, db_session):
    town = unit(db_session, "城关镇")
    _code, case = submit(public, db_session, title="吴大海反映邻居占用楼道", content=CONTENT, name="吴大海",
                         phone="13812349876")
    answer(staff, case, town.id, REPLY)
    return case


def test_redaction_removes_what_identifies_the_petitioner(portal_app):
    with portal_app.test_request_context():
        text = redact(CONTENT + REPLY, names=["吴大海"], addresses=["城关镇幸福小区5栋"])
    for gone in ("吴大海", "13812349876", "230101198001011237", "wdh@example.com", "0451-87654321", "幸福小区5栋"):
        assert gone not in text
    assert "吴某某" in text and "［电话已隐去］" in text and "［身份证号已隐去］" in text
    assert leftovers(text) == []


def test_a_clerk_publishes_an_answered_letter_without_personal_data(public, staff, db_session):
    case = published_case(public, staff, db_session)
    clerk = staff("clerk")
    assert "公开选登" in page_text(clerk.get(f"/cases/show/{case.id}"))

    preview = clerk.get(f"/published-letters/case/{case.id}")
    assert preview.status_code == 200
    form = preview.get_data(as_text=True).split('id="publish-form"')[1]  # what will be public
    assert 'value="吴某某反映邻居占用楼道"' in form and "吴大海" not in form and "13812349876" not in form
    # The machine cannot know the neighbour's name: the clerk removes it before publishing.
    form = {
        "title": "吴大海反映邻居占用楼道",  # typed back in full: removed again on saving
        "content": redact(CONTENT, ["吴大海"]).replace("李四", "某邻居"),
        "reply": redact(REPLY, ["吴大海"]),
    }
    assert clerk.post(f"/published-letters/case/{case.id}", data=form).status_code == 302
    letter = db_session.execute(select(PublishedLetter).where(PublishedLetter.case_id == case.id)).scalar_one()
    assert letter.title == "吴某某反映邻居占用楼道" and letter.mailbox_name == "城关镇信箱"

    listing = public.get("/portal/letters")
    assert "吴某某反映邻居占用楼道" in page_text(listing)
    page = public.get(f"/portal/letters/{letter.id}")
    text = page_text(page)
    assert "已责令当事人清理楼道" in text and "某邻居" in text
    for gone in ("吴大海", "李四", "13812349876", "230101198001011237", "wdh@example.com", "0451-87654321"):
        assert gone not in page.get_data(as_text=True)
    assert case.number not in page.get_data(as_text=True)  # no internal number on the public page

    # Withdrawn: gone from the public page.
    assert clerk.post(f"/published-letters/case/{case.id}/withdraw").status_code == 302
    assert public.get(f"/portal/letters/{letter.id}").status_code == 404
    assert "吴某某反映邻居占用楼道" not in page_text(public.get("/portal/letters"))


def test_only_answered_mailbox_letters_and_never_accusations(public, staff, db_session):
    clerk = staff("clerk")
    _code, fresh_letter = submit(public, db_session)
    page = clerk.get(f"/published-letters/case/{fresh_letter.id}")
    assert "只有已答复的信件才能公开选登" in page_text(page)
    refused = clerk.post(f"/published-letters/case/{fresh_letter.id}", data={"title": "t", "content": "c", "reply": "r"})
    assert refused.status_code == 422
    town = unit(db_session, "城关镇")
    _code, accusation = submit(public, db_session, category="accusation", reported_unit="unknown")
    discipline = unit(db_session, "县纪委监委")
    # Held for screening until the petition office names the unit (here: a county department),
    # then the township's clerk handles it as before.
    accusation.reported_unit_id = unit(db_session, "县人力资源和社会保障局").id
    db_session.commit()
    from tests.cases.workflow_support import ok, step

    for client, code, fields in (
        (clerk, "accept", {}), (clerk, "propose", {"proposal": "转纪委"}),
        (staff("leader"), "instruct", {"text": "转纪委监委"}), (clerk, "assign", {"unit": str(discipline.id)}),
    ):
        ok(step(client, accusation.id, code, **fields))
    assert "检举控告类信件一律不公开" in page_text(clerk.get(f"/published-letters/case/{accusation.id}"))
    assert db_session.execute(select(PublishedLetter.id).where(PublishedLetter.case_id.in_(
        (fresh_letter.id, accusation.id)))).first() is None
    assert town.id  # the township the letters were about


def test_publishing_is_scoped_and_granted(public, staff, db_session):
    case = published_case(public, staff, db_session)
    for other in ("clerk2",):  # 河东镇
        client = staff(other)
        assert client.get(f"/published-letters/case/{case.id}").status_code == 404
        assert client.post(f"/published-letters/case/{case.id}", data={"title": "x", "content": "y", "reply": "z"}).status_code == 404
    assert staff("handler").get(f"/published-letters/case/{case.id}").status_code == 403
    assert staff("admin").get(f"/published-letters/case/{case.id}").status_code == 200
    # The list shows only the letters of one's own area.
    clerk = staff("clerk")
    assert clerk.post(f"/published-letters/case/{case.id}", data={
        "title": "楼道问题", "content": "楼道被占用", "reply": "已清理"}).status_code == 302
    assert case.number in page_text(clerk.get("/published-letters/list/"))
    assert case.number not in page_text(staff("clerk2").get("/published-letters/list/"))
    assert staff("clerk2").post(f"/published-letters/case/{case.id}/withdraw").status_code == 404


def test_the_demo_letter_is_published_without_the_petitioners_data(public):
    listing = public.get("/portal/letters")
    assert "建议在县城老城区增设公共停车位" in page_text(listing)
    first = public.get("/portal/").get_data(as_text=True)
    assert "建议在县城老城区增设公共停车位" in first
    import re

    letter_id = re.search(r'/portal/letters/(\d+)', listing.get_data(as_text=True)).group(1)
    body = public.get(f"/portal/letters/{letter_id}").get_data(as_text=True)
    assert "赵建军" not in body and "13900002026" not in body and "赵某某" in body
