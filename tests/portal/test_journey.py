"""The whole public path: a letter sent online lands in the clerk's queue, is handled and
answered by the workflow, the petitioner looks it up with the query code and rates the answer,
and the rating is the case's follow-up (回访) that 参评率 and 满意率 count."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.attachments.models import CaseAttachment
from app.audit.models import AuditEntry
from app.cases.models import CaseStatus
from app.cases.workflow_models import CaseEvent, FollowUp
from app.portal.models import QueryCode
from tests.cases.workflow_support import fresh, ok, step
from tests.portal.support import PDF, PHONE, TAIL, look_up, progress_page, submit, unit
from tests.support import county_now, page_text

FINDINGS = "内部调查：物业公司负责人王某承认拖延维修"
DRAFT = "拟答复稿：督促物业限期维修"
PROPOSAL = "拟办意见：建议交城关镇办理"
INSTRUCTION = "领导批示：请城关镇三日内修复"
NOTE = "交办意见：限10日办结"
REPLY = "周小梅同志：您反映的路灯问题，镇里已安排物业公司于本周修复，并建立报修台账。"
STAFF_NAMES = ("张丽娟", "陈志强", "杨振华")  # clerk, handler, leader of 城关镇


def queue_total(client) -> int:
    body = client.get("/").get_data(as_text=True)
    return int(re.search(r'id="queue-total">(\d+)<', body).group(1))


def figures(app, township_id: int) -> tuple[int, int, int]:
    """(answered, rated, satisfied) of the township this year, as the reports count them:
    参评率 = rated / answered, 满意率 = satisfied (满意 + 基本满意) / rated."""
    from app.core.scoping import Scope
    from app.reports.figures import (
        ReportFilters,
        ReportPeriod,
        participation_rate,
        satisfaction_rate,
    )

    with app.app_context():
        filters = ReportFilters(ReportPeriod.year(county_now().year), township_id=township_id, scope=Scope.all())
        taking_part, content = participation_rate(filters), satisfaction_rate(filters)
    assert taking_part.numerator == content.denominator
    return taking_part.denominator, taking_part.numerator, content.numerator


def assert_nothing_internal(body: str) -> None:
    # 署名答复: the one staff name the public reads is the reply's signer, with their post.
    body = re.sub(r'<p class="pt-meta" id="reply-signer">[^<]*</p>', "", body)
    for secret in (FINDINGS, DRAFT, PROPOSAL, INSTRUCTION, NOTE, PHONE, "周小梅", *STAFF_NAMES):
        assert secret not in body, f"{secret!r} must not reach a public page"


def test_online_letter_to_clerk_queue_answer_lookup_rating_and_figures(portal_app, public, staff, db_session, uploads):
    clerk, leader, handler = staff("clerk"), staff("leader"), staff("handler")
    town = unit(db_session, "城关镇")
    waiting_before = queue_total(clerk)
    figures_before = figures(portal_app, town.id)

    code, case = submit(public, db_session, files=[(PDF, "现场照片说明.pdf")])

    # Registered like a clerk's registration: number, acceptance deadline, the first event.
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert case.channel == "online" and case.mailbox == "township"
    assert case.mailbox_unit_id == town.id and case.township_id == town.id
    assert case.status == CaseStatus.REGISTERED.value
    assert case.accept_due_at is not None and case.next_due_at == case.accept_due_at
    assert case.created_by_id is None
    events = db_session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)).scalars().all()
    assert [(e.step, e.actor_name, e.actor_id) for e in events] == [("register", "信访人（网上）", None)]
    assert [p.phone for p in case.petitioners] == [PHONE]
    attachment = db_session.execute(select(CaseAttachment).where(CaseAttachment.case_id == case.id)).scalar_one()
    assert attachment.content_type == "application/pdf"
    assert (uploads / attachment.stored_name[:2] / attachment.stored_name).is_file()
    # The code is kept only as hashes: neither the record nor the audit log holds it.
    plain = code.replace("-", "")
    stored = db_session.execute(select(QueryCode).where(QueryCode.case_id == case.id)).scalar_one()
    assert plain not in (stored.code_hash, stored.pair_hash) and code not in (stored.code_hash, stored.pair_hash)
    logged = db_session.execute(select(AuditEntry.details, AuditEntry.summary, AuditEntry.path)).all()
    assert not any(plain in str(row) or code in str(row) for row in logged)

    # The township's clerk finds it in the work queue, with the channel and the mailbox.
    assert queue_total(clerk) == waiting_before + 1
    assert page_text(clerk.get(f"/cases/show/{case.id}")).count("网上信访 · 乡镇信箱（城关镇）") == 1

    # Before the answer: plain status, nothing to rate.
    page = progress_page(public, code)
    text = page_text(page)
    assert "已收到" in text and "您的来信已收到，正在等待受理" in text
    assert 'id="rate"' not in page.get_data(as_text=True)
    refused = public.post("/portal/progress/rate", data={"satisfaction": "satisfied"})
    assert refused.status_code == 409 and "收到答复后才能进行评价" in page_text(refused)

    # The workflow, by the people who take each step.
    ok(step(clerk, case.id, "accept"))
    ok(step(clerk, case.id, "propose", proposal=PROPOSAL))
    ok(step(leader, case.id, "instruct", text=INSTRUCTION))
    ok(step(clerk, case.id, "assign", unit=str(town.id), rule="fast_track", note=NOTE))
    ok(step(handler, case.id, "receive"))
    ok(step(handler, case.id, "submit_findings", findings=FINDINGS, reply_draft=DRAFT))
    page = public.get("/portal/progress")
    assert "正在调查办理" in page_text(page)
    assert_nothing_internal(page.get_data(as_text=True))
    ok(step(leader, case.id, "approve"))
    ok(step(leader, case.id, "sign_reply", reply_text=REPLY))

    # The petitioner reads the answer (their own name in it is theirs to read) and rates it.
    page = public.get("/portal/progress")
    body = page.get_data(as_text=True)
    text = page_text(page)
    assert "已答复" in text and REPLY in text and "答复时间" in text and "受理时间" in text
    assert_nothing_internal(body.replace(REPLY, ""))
    assert 'id="rate"' in body
    response = public.post("/portal/progress/rate", data={"satisfaction": "satisfied", "comment": "修得很及时"})
    assert response.status_code == 302
    text = page_text(public.get("/portal/progress"))
    assert "感谢您的评价" in text and "您的评价" in text and "满意" in text

    # It is the case's follow-up: the same record a clerk's phone call writes.
    case = fresh(db_session, case.id)
    assert case.satisfaction == "satisfied" and case.followed_up_at is not None
    assert case.status == CaseStatus.REPLIED.value
    follow_up = db_session.execute(select(FollowUp).where(FollowUp.case_id == case.id)).scalar_one()
    assert (follow_up.method, follow_up.satisfaction, follow_up.by_id, follow_up.note) == (
        "online", "satisfied", None, "修得很及时"
    )
    last = db_session.execute(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc()).limit(1)
    ).scalar_one()
    assert (last.step, last.actor_name, last.details["method"]) == ("follow_up", "信访人（网上）", "online")
    answered, rated, satisfied = figures(portal_app, town.id)
    assert (answered, rated, satisfied) == (
        figures_before[0] + 1, figures_before[1] + 1, figures_before[2] + 1
    )
    assert "满意" in page_text(clerk.get(f"/cases/show/{case.id}"))

    # Once only.
    again = public.post("/portal/progress/rate", data={"satisfaction": "unsatisfied", "comment": "再评一次"})
    assert again.status_code == 409 and "该答复已经评价过" in page_text(again)
    assert fresh(db_session, case.id).satisfaction == "satisfied"
    assert db_session.execute(select(func.count()).select_from(FollowUp).where(FollowUp.case_id == case.id)).scalar() == 1

    # The clerk closes the case: the online rating satisfies the workflow's follow-up rule.
    ok(step(clerk, case.id, "close"))
    text = page_text(progress_page(public, code, TAIL))
    assert "已办结" in text and "办结时间" in text


def test_unsatisfied_sends_the_case_back_and_the_new_answer_can_be_rated(public, staff, db_session):
    clerk, leader, handler = staff("clerk"), staff("leader"), staff("handler")
    town = unit(db_session, "城关镇")
    code, case = submit(public, db_session)
    for client, code_, fields in (
        (clerk, "accept", {}), (clerk, "propose", {"proposal": "交镇里办"}), (leader, "instruct", {"text": "办"}),
        (clerk, "assign", {"unit": str(town.id)}), (handler, "receive", {}),
        (handler, "submit_findings", {"findings": "查", "reply_draft": "答"}), (leader, "approve", {}),
        (leader, "sign_reply", {"reply_text": "第一次答复"}),
    ):
        ok(step(client, case.id, code_, **fields))
    progress_page(public, code)

    # 不满意 needs a reason (the unit must know what to redo); nothing is saved without it.
    response = public.post("/portal/progress/rate", data={"satisfaction": "unsatisfied", "comment": " "})
    assert response.status_code == 422 and "请写明不满意的原因" in page_text(response)
    assert fresh(db_session, case.id).satisfaction is None
    response = public.post("/portal/progress/rate", data={"satisfaction": "unsatisfied", "comment": "路灯还是不亮"})
    assert response.status_code == 302
    case = fresh(db_session, case.id)
    assert case.status == CaseStatus.HANDLING.value and case.redo_count == 1
    assert case.satisfaction == "unsatisfied"
    text = page_text(public.get("/portal/progress"))
    assert "不满意" in text and "正在调查办理" in text and 'id="rate"' not in text

    # The unit answers again: the new answer can be rated (once).
    ok(step(handler, case.id, "submit_findings", findings="再查", reply_draft="再答"))
    ok(step(leader, case.id, "approve"))
    ok(step(leader, case.id, "sign_reply", reply_text="第二次答复：已更换灯具"))
    page = public.get("/portal/progress")
    assert "第二次答复" in page_text(page) and 'id="rate"' in page.get_data(as_text=True)
    assert public.post("/portal/progress/rate", data={"satisfaction": "basically"}).status_code == 302
    assert fresh(db_session, case.id).satisfaction == "basically"
    assert public.post("/portal/progress/rate", data={"satisfaction": "satisfied"}).status_code == 409


def test_not_accepted_shows_the_reason_and_cannot_be_rated(public, staff, db_session):
    code, case = submit(public, db_session)
    ok(step(staff("clerk"), case.id, "refuse", reason="该事项已进入诉讼程序，请通过司法途径解决。"))
    page = progress_page(public, code)
    text = page_text(page)
    assert "不予受理" in text and "该事项已进入诉讼程序" in text
    assert public.post("/portal/progress/rate", data={"satisfaction": "satisfied"}).status_code == 409
    assert fresh(db_session, case.id).satisfaction is None


def test_leaving_forgets_the_letter_in_this_browser(public, db_session):
    code, _case = submit(public, db_session)
    assert progress_page(public, code).status_code == 200
    assert public.post("/portal/progress/leave").status_code == 302
    assert public.get("/portal/progress").headers["Location"].endswith("/portal/query")
    assert look_up(public, code, "0000").status_code == 200  # a wrong pair does not log in
    assert public.get("/portal/progress").status_code == 302
