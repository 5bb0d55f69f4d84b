"""The policy knowledge base and reply templates (issue 21): every role finds the laws and answers
by keyword and subject, only the administrator (or a role made with the grant) edits them, and a
template inserted into a reply is filled from the case's own values, naming what it could not fill.

Expected values come from the seed's raw lists (seed/demo_knowledge.py) and the case's raw row,
never from what the pages compute.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from app.cases.models import Case, CaseStatus, Subject
from app.knowledge.models import PolicyAnswer, PolicyDocument, ReplyTemplate
from app.org.models import OrgUnit
from seed.demo_knowledge import ANSWERS, POLICIES
from tests.support import DEMO_PASSWORD, form_errors, login

EVERY_DEMO_USER = ("admin", "xz_admin", "clerk", "handler", "leader", "supervisor", "manager", "clerk2",
                   "county_leader", "county_supervisor", "county_manager", "handler_rsj")


def shown_ids(response, base: str) -> set[int]:
    assert response.status_code == 200
    return {int(i) for i in re.findall(rf'href="{re.escape(base)}/show/(\d+)', response.get_data(as_text=True))}


def chinese_date(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def test_every_role_finds_policies_and_answers_by_keyword_and_subject(module_app):
    from app.extensions import db

    with module_app.app_context():
        documents = db.session.execute(select(PolicyDocument)).scalars().all()
        by_title = {d.title: d.id for d in documents}
        labour = db.session.execute(select(Subject.id).where(Subject.name == "劳动社保")).scalar_one()
        answers = {a.question: a.id for a in db.session.execute(select(PolicyAnswer)).scalars()}
        db.session.remove()

    def policies_with(*words: str) -> set[int]:
        return {by_title[t] for t, _n, _i, _d, _s, _st, body in POLICIES if all(w in t + " " + body for w in words)}

    # A long keyword (the trigram index), two keywords, a two-character one (LIKE), a subject.
    assert policies_with("征收")
    wages = policies_with("农民工工资")
    assert len(wages) == 1
    two_words = policies_with("调解", "诉讼")
    assert len(two_words) >= 2
    labour_policies = {by_title[t] for t, _n, _i, _d, s, _st, _b in POLICIES if s == "劳动社保"}
    labour_wage_answers = {answers[q] for q, a, s, _c in ANSWERS if s == "劳动社保" and "工资" in q + a}
    assert labour_policies and labour_wage_answers

    for username in EVERY_DEMO_USER:
        c = module_app.test_client()
        login(c, username, DEMO_PASSWORD)
        base = "/knowledge/policies"
        assert shown_ids(c.get(f"{base}/list/?q_keyword=农民工工资"), base) == wages, username
        assert shown_ids(c.get(f"{base}/list/?q_keyword=调解 诉讼&psize_PolicyDocumentView=100"), base) == two_words
        assert shown_ids(c.get(f"{base}/list/?q_keyword=征收&psize_PolicyDocumentView=100"), base) == \
            policies_with("征收"), username
        assert shown_ids(c.get(f"{base}/list/?q_subject={labour}&psize_PolicyDocumentView=100"), base) == \
            labour_policies, username
        answer_base = "/knowledge/answers"
        assert shown_ids(c.get(f"{answer_base}/list/?q_subject={labour}&q_keyword=工资"), answer_base) == \
            labour_wage_answers, username


def test_only_the_administrator_or_the_grant_edits_and_the_index_follows_edits(client_as, db_session):
    readers = {name: client_as(name) for name in ("xz_admin", "clerk", "handler", "leader", "supervisor",
                                                   "manager", "county_manager")}
    form = {"title": "青山县信访事项复查复核办法", "doc_number": "青政办发〔2026〕8号", "issuer": "青山县人民政府办公室",
            "issued_on": "2026-03-01", "status": "in_force", "body": "复查复核申请应当自收到答复之日起三十日内提出。"}
    for name, c in readers.items():
        assert c.get("/knowledge/policies/add").status_code == 403, name
        assert c.post("/knowledge/policies/add", data=form).status_code == 403, name
        assert c.get("/knowledge/reply-templates/add").status_code == 403, name
    assert db_session.execute(select(PolicyDocument).where(PolicyDocument.title == form["title"])).first() is None

    admin = client_as("admin")
    # Refused input: Chinese messages next to the fields, nothing saved.
    response = admin.post("/knowledge/policies/add", data={**form, "title": "  "})
    assert response.status_code == 200
    assert form_errors(response) == ["该字段是必填字段。"]
    response = admin.post("/knowledge/reply-templates/add",
                          data={"name": "复查告知", "body": "{信访人}：您于{来访日期}反映的问题……", "active": "y"})
    assert response.status_code == 200
    [error] = form_errors(response)
    assert error.startswith("未知的占位符：{来访日期}")

    assert admin.post("/knowledge/policies/add", data=form).status_code == 302
    doc = db_session.execute(select(PolicyDocument).where(PolicyDocument.title == form["title"])).scalar_one()
    listed = admin.get("/knowledge/policies/list/?q_keyword=三十日内提出")
    assert shown_ids(listed, "/knowledge/policies") == {doc.id}
    # An edit re-indexes the text: the old words no longer find it, the new ones do.
    response = admin.post(f"/knowledge/policies/edit/{doc.id}", data={
        **form, "body": "复查复核申请的受理、办理和答复期限。", "row_version": str(doc.version)})
    assert response.status_code == 302, form_errors(response)
    assert shown_ids(admin.get("/knowledge/policies/list/?q_keyword=三十日内提出"), "/knowledge/policies") == set()
    assert shown_ids(admin.get("/knowledge/policies/list/?q_keyword=答复期限"), "/knowledge/policies") == {doc.id}
    # Readers read it.
    assert readers["clerk"].get(f"/knowledge/policies/show/{doc.id}").status_code == 200


def _case(db_session, township: str, **where) -> Case:
    town = db_session.execute(select(OrgUnit.id).where(OrgUnit.name == township)).scalar_one()
    query = select(Case).where(Case.township_id == town, *[getattr(Case, k) == v for k, v in where.items()])
    return db_session.execute(query.order_by(Case.id).limit(1)).scalars().one()


def test_a_template_is_filled_from_the_cases_own_values_and_names_what_it_cannot_fill(client_as, db_session):
    from app.security.models import AppUser

    # A case the county's 人社局 handles now: its handler drafts the reply.
    rsj = db_session.execute(select(AppUser.org_unit_id).where(AppUser.username == "handler_rsj")).scalar_one()
    accepted = db_session.execute(
        select(Case).where(Case.status == CaseStatus.HANDLING.value, Case.responsible_unit_id == rsj,
                           Case.paused_since.is_(None), Case.accepted_at.is_not(None)).order_by(Case.id).limit(1)
    ).scalars().one()
    template = ReplyTemplate(name="测试模板", body="{信访人}：您于{登记日期}反映的“{事项}”（{编号}），{受理日期}受理。",
                             active=True)
    typo = ReplyTemplate(name="有误的模板", body="{信访人}：{来访日期}", active=True)
    db_session.add_all([template, typo])
    db_session.flush()

    handler = client_as("handler_rsj")
    data = handler.get(f"/knowledge/fill/{template.id}/{accepted.id}").get_json()
    assert data["text"] == (f"{accepted.petitioner_names}：您于{chinese_date(accepted.received_at)}反映的"
                            f"“{accepted.title}”（{accepted.number}），{chinese_date(accepted.accepted_at)}受理。")
    assert (data["missing"], data["unknown"], data["message"]) == ([], [], "")

    data = handler.get(f"/knowledge/fill/{typo.id}/{accepted.id}").get_json()
    assert data["text"] == f"{accepted.petitioner_names}：{{来访日期}}"
    assert data["unknown"] == ["来访日期"]
    assert data["message"] == "以下内容未能填入，请手工补全：未知的占位符 {来访日期}"

    # Not accepted yet (seen by the county-wide administrator): {受理日期} stays, and is named.
    waiting = db_session.execute(select(Case).where(Case.accepted_at.is_(None)).order_by(Case.id).limit(1)).scalar_one()
    data = client_as("admin").get(f"/knowledge/fill/{template.id}/{waiting.id}").get_json()
    assert data["missing"] == ["受理日期"]
    assert data["text"].endswith("），{受理日期}受理。")
    assert data["message"] == "以下内容未能填入，请手工补全：本件尚无 {受理日期} 的值"

    # A case outside one's area is not filled (nor shown to exist).
    outsider = "clerk2" if accepted.township.name != "河东镇" else "clerk"
    assert client_as(outsider).get(f"/knowledge/fill/{template.id}/{accepted.id}").status_code == 404

    # The reply form offers the templates and the policies in force for the case's subject.
    page = handler.get(f"/cases/show/{accepted.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    aid = body.split('id="submit_findings-reply_draft-template"', 1)[1].split("</select>", 1)[0]
    offered = set(re.findall(r'<option value="(\d+)">', aid))
    general = {str(i) for i in db_session.execute(select(ReplyTemplate.id).where(
        ReplyTemplate.active.is_(True), ReplyTemplate.subject_id.is_(None))).scalars()}
    assert general <= offered
    related = {t for t, _n, _i, _d, s, st, _b in POLICIES
               if accepted.subject is not None and s == accepted.subject.name and st.value == "in_force"}
    links = set(re.findall(r"《([^》]+)》", body.split('class="small xf-related-policies"', 1)[1].split("</div>", 1)[0])) \
        if related else set()
    assert links == related


def test_the_new_groups_are_in_the_role_editor_and_the_knowledge_grant_opens_exactly_its_pages(
        app, client_as, db_session):
    from tests.security.test_role_editor import new_user, role_form, role_id
    from tests.support import table_rows

    admin = client_as("admin")
    page = admin.get("/rolegrants/add")
    assert page.status_code == 200
    rows = {r[0]: r for r in table_rows(page.get_data(as_text=True), "grants")}
    # Label and explanation (one cell), the levels offered, the menu entries it opens.
    expected = {
        "政策法规库": ("政策法规、政策问答和答复模板，以及在答复中插入模板", "政策法规 › 政策法规、政策法规 › 政策问答、政策法规 › 答复模板"),
        "风险期": ("风险期：加密排查报送频次的时段，以及根据历史数据建议的风险期", "系统管理 › 风险期、系统管理 › 风险期建议"),
        "领导轮流接访": ("接访轮值：领导在接待大厅轮流接访的安排及其发布的接访时段",
                         "系统管理 › 领导轮流接访、系统管理 › 接访轮值表"),
        "信访件工作记录": ("信访件的代理人（信访代理）、民情征询会、专家研判和预案",
                          "信访办理 › 信访代理、信访办理 › 民情征询会、信访办理 › 专家研判、信访办理 › 处置预案"),
    }
    found = {}
    for label, (explanation, _areas) in expected.items():
        [key] = [k for k in rows if k == f"{label} {explanation}"]
        found[label] = rows[key][2]
    assert found == {label: areas for label, (_e, areas) in expected.items()}

    # A county office's role with only 政策法规库 (view, add, edit): exactly those pages.
    grants = [("knowledge", "view"), ("knowledge", "add"), ("knowledge", "edit")]
    response = admin.post("/rolegrants/add", data=role_form("政策法规维护员", grants))
    assert response.status_code == 302
    rid = role_id(db_session, "政策法规维护员")
    county = db_session.execute(select(OrgUnit.id).where(OrgUnit.name == "县信访局")).scalar_one()
    new_user(admin, county, rid, "zcfg")
    user = app.test_client()
    login(user, "zcfg", "Abc!12345xyZ")
    template = db_session.execute(select(ReplyTemplate.id).limit(1)).scalar_one()
    for url, status in [("/knowledge/policies/list/", 200), ("/knowledge/policies/add", 200),
                        ("/knowledge/answers/list/", 200), ("/knowledge/answers/add", 200),
                        ("/knowledge/reply-templates/list/", 200), ("/knowledge/reply-templates/add", 200),
                        (f"/knowledge/reply-templates/edit/{template}", 200),
                        (f"/knowledge/fill/{template}/{987654321}", 404),
                        ("/cases/list/", 403), ("/practices/agents/list/", 403),
                        ("/sweeps/risk-periods/list/", 403), ("/leaders/rota/", 403), ("/rolegrants/", 403)]:
        assert user.get(url).status_code == status, url
    assert user.post(f"/knowledge/policies/delete/{987654321}").status_code == 403
    links = set(re.findall(r'href="(/[^"?#]*)', user.get("/knowledge/policies/list/").get_data(as_text=True)))
    assert {"/knowledge/policies/list/", "/knowledge/answers/list/", "/knowledge/reply-templates/list/"} <= links
    assert not links & {"/cases/list/", "/practices/agents/list/", "/sweeps/risk-periods/list/"}
