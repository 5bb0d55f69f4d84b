"""The whole path of a case through HTTP, each step by the role that takes it, with the
refusals a user meets on the way (wrong role, wrong status, missing reason, extension twice,
closing without a reply, dates out of order)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.cases.models import CaseStatus
from app.cases.workflow_models import Assignment, CaseEvent, Extension, FollowUp, Instruction, Pause
from tests.cases.workflow_support import fresh, ok, refused, register, step, steps_of, unit
from tests.support import county_now, page_text


def test_registration_to_closing_by_each_role(client_as, db_session):
    clerk, leader, handler = client_as("clerk"), client_as("leader"), client_as("handler")
    supervisor, manager = client_as("supervisor"), client_as("manager")
    town = unit(db_session, "城关镇")
    case = register(clerk, db_session, title="全流程测试：村道停工", responsible_unit=str(town.id))
    assert case.status == CaseStatus.REGISTERED.value
    assert steps_of(db_session, case.id) == ["register"]
    assert case.accept_due_at is not None and case.next_due_at == case.accept_due_at

    # Only a clerk accepts; the handler and the leader are refused and nothing changes.
    refused(step(handler, case.id, "accept"), "您的角色不能办理“受理”")
    refused(step(leader, case.id, "accept"), "您的角色不能办理“受理”")
    assert fresh(db_session, case.id).status == CaseStatus.REGISTERED.value
    # Supervisors and managers read only: they may not post steps at all.
    assert supervisor.post(f"/cases/step/{case.id}/accept", data={}).status_code == 403
    assert manager.post(f"/cases/step/{case.id}/accept", data={}).status_code == 403

    ok(step(clerk, case.id, "accept", note="属本镇职责范围，予以受理。"))
    # Assigning before a leader has instructed is refused.
    refused(step(clerk, case.id, "assign", unit=str(town.id)), "领导批示后方可交办")
    refused(step(clerk, case.id, "propose"), "请填写“拟办意见”")
    ok(step(clerk, case.id, "propose", proposal="建议交城关镇调查处理。"))
    ok(step(leader, case.id, "instruct", text="请城关镇10日内办结并署名回复。"))
    ok(step(leader, case.id, "instruct", text="请分管领导亲自过问。"))  # a second 批示
    case = fresh(db_session, case.id)
    assert case.status == CaseStatus.INSTRUCTED.value
    assert case.instruction_count == 2
    assert len(db_session.execute(select(Instruction).where(Instruction.case_id == case.id)).all()) == 2

    ok(step(clerk, case.id, "assign", unit=str(town.id), rule="fast_track", note="限10日办结"))
    case = fresh(db_session, case.id)
    assert case.status == CaseStatus.ASSIGNED.value
    assert case.responsible_unit_id == town.id
    assert case.due_at.date() >= (case.assigned_at + timedelta(days=10)).date()
    assert case.next_due_at == case.due_at

    ok(step(handler, case.id, "receive", note="已安排专人办理"))
    ok(step(handler, case.id, "report_progress", text="已实地查看。"))

    # Extension: at most 30 days, once, with a reason, decided by a leader.
    refused(step(handler, case.id, "request_extension", days="31", reason="复杂"), "30")
    refused(step(handler, case.id, "request_extension", days="10"), "请填写“延期理由")
    ok(step(handler, case.id, "request_extension", days="20", reason="需第三方测量鉴定"))
    refused(step(handler, case.id, "request_extension", days="5", reason="再申请"), "已有延期申请待审批")
    refused(step(handler, case.id, "decide_extension", decision="approve"), "您的角色不能办理“审批延期”")
    due_before = fresh(db_session, case.id).due_at
    ok(step(leader, case.id, "decide_extension", decision="approve", note="同意"))
    case = fresh(db_session, case.id)
    assert case.extended and case.extension_days == 20
    assert case.due_at == due_before + timedelta(days=20) or case.due_at > due_before + timedelta(days=19)
    refused(step(handler, case.id, "request_extension", days="5", reason="再延"), "已延期一次，不能再次延期")
    assert db_session.execute(select(Extension).where(Extension.case_id == case.id)).scalar_one().approved

    # The clock pauses and resumes; the pause is recorded.
    ok(step(handler, case.id, "pause", reason_kind="material", reason="等待信访人补充材料"))
    assert fresh(db_session, case.id).paused_since is not None
    refused(step(handler, case.id, "submit_findings", findings="x", reply_draft="y"), "请先恢复计时")
    ok(step(handler, case.id, "resume", note="材料已补齐"))
    assert db_session.execute(select(Pause).where(Pause.case_id == case.id)).scalar_one().ended_at

    refused(step(handler, case.id, "submit_findings", findings="调查属实"), "请填写“答复意见（草稿）”")
    ok(step(handler, case.id, "submit_findings", findings="调查属实，已整改。", reply_draft="你反映的问题已解决。"))

    # Review: a return for redo needs a reason; it counts.
    refused(step(leader, case.id, "return_for_redo"), "请填写“重办要求”")
    ok(step(leader, case.id, "return_for_redo", reason="请补充政策依据"))
    case = fresh(db_session, case.id)
    assert case.status == CaseStatus.HANDLING.value and case.redo_count == 1
    ok(step(handler, case.id, "submit_findings", findings="补充依据后，调查属实。", reply_draft="经核实，已解决。"))
    refused(step(clerk, case.id, "close"), "答复信访人后方可结案")
    ok(step(leader, case.id, "approve", note="同意"))
    refused(step(handler, case.id, "sign_reply", reply_text="x"), "您的角色不能办理“签发答复”")
    ok(step(leader, case.id, "sign_reply", reply_text="经核实，你反映的道路问题已于本周修复。"))
    case = fresh(db_session, case.id)
    assert case.status == CaseStatus.REPLIED.value
    assert case.reply_text.startswith("经核实") and case.replied_at is not None
    assert case.next_due_at is None

    refused(step(clerk, case.id, "close"), "请先完成回访再结案")
    # A follow-up dated before the reply is out of order.
    earlier = (case.replied_at - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    refused(step(clerk, case.id, "follow_up", satisfaction="satisfied", method="phone", occurred_at=earlier),
            "办理环节须按时间顺序记录")
    ok(step(clerk, case.id, "follow_up", satisfaction="satisfied", method="phone", note="满意"))
    ok(step(clerk, case.id, "close"))
    case = fresh(db_session, case.id)
    assert case.status == CaseStatus.CLOSED.value and case.closed_at is not None
    assert case.satisfaction == "satisfied"

    expected = ["register", "accept", "propose", "instruct", "instruct", "assign", "receive",
                "report_progress", "request_extension", "decide_extension", "pause", "resume",
                "submit_findings", "return_for_redo", "submit_findings", "approve", "sign_reply",
                "follow_up", "close"]
    assert steps_of(db_session, case.id) == expected
    # The timeline shows every step, who took it and what they wrote.
    text = page_text(supervisor.get(f"/cases/show/{case.id}"))
    for words in ("已登记", "受理", "拟办意见", "领导批示", "交办", "签收", "报告进展", "申请延期",
                  "审批延期", "暂停计时", "恢复计时", "提交调查处理意见", "退回重办", "审核通过",
                  "签发答复", "回访", "结案存档", "请补充政策依据", "杨振华", "陈志强", "张丽娟"):
        assert words in text, words
    assert "此件当前无需您办理" in text


def test_unsatisfied_follow_up_returns_the_case_to_the_unit(client_as, db_session):
    clerk, leader, handler = client_as("clerk"), client_as("leader"), client_as("handler")
    town = unit(db_session, "城关镇")
    case = register(clerk, db_session, title="回访不满意测试")
    for client, code, fields in [
        (clerk, "accept", {}),
        (clerk, "propose", {"proposal": "交城关镇"}),
        (leader, "instruct", {"text": "请办理"}),
        (clerk, "assign", {"unit": str(town.id)}),
        (handler, "receive", {}),
        (handler, "submit_findings", {"findings": "已处理", "reply_draft": "已解决"}),
        (leader, "approve", {}),
        (leader, "sign_reply", {"reply_text": "已解决"}),
    ]:
        ok(step(client, case.id, code, **fields))
    refused(step(clerk, case.id, "follow_up", satisfaction="unsatisfied", method="phone"),
            "请填写信访人不满意的具体内容")
    ok(step(clerk, case.id, "follow_up", satisfaction="unsatisfied", method="visit", note="补偿未到位"))
    case = fresh(db_session, case.id)
    assert case.status == CaseStatus.HANDLING.value
    assert case.redo_count == 1
    assert case.next_due_at == case.due_at and case.due_at > county_now() + timedelta(days=9)
    follow_ups = db_session.execute(select(FollowUp).where(FollowUp.case_id == case.id)).scalars().all()
    assert [f.satisfaction for f in follow_ups] == ["unsatisfied"]
    # The unit sees it in its queue again.
    assert case.number in page_text(handler.get("/"))


def test_refuse_needs_a_reason_and_ends_the_case(clerk_client, db_session):
    case = register(clerk_client, db_session, title="不予受理测试")
    refused(step(clerk_client, case.id, "refuse"), "请填写“不予受理理由”")
    assert fresh(db_session, case.id).status == CaseStatus.REGISTERED.value
    ok(step(clerk_client, case.id, "refuse", reason="该事项已由人民法院受理，应通过诉讼程序解决。"))
    case = fresh(db_session, case.id)
    assert case.status == CaseStatus.NOT_ACCEPTED.value
    assert case.next_due_at is None
    refused(step(clerk_client, case.id, "accept"), "不能“受理”")


def test_send_back_and_transfer(client_as, db_session):
    clerk, leader, handler = client_as("clerk"), client_as("leader"), client_as("handler")
    town, bureau = unit(db_session, "城关镇"), unit(db_session, "县人力资源和社会保障局")
    case = register(clerk, db_session, title="退回转办测试")
    for client, code, fields in [
        (clerk, "accept", {}), (clerk, "propose", {"proposal": "交城关镇"}),
        (leader, "instruct", {"text": "请办理"}), (clerk, "assign", {"unit": str(town.id)}),
    ]:
        ok(step(client, case.id, code, **fields))
    refused(step(handler, case.id, "send_back"), "请填写“退回理由")
    ok(step(handler, case.id, "send_back", reason="属劳动保障事项，应由人社局办理。"))
    case = fresh(db_session, case.id)
    assert case.status == CaseStatus.RETURNED.value and case.responsible_unit_id is None
    # The unit no longer sees the case; the clerk reassigns it, not to the same unit.
    assert handler.get(f"/cases/show/{case.id}").status_code == 404
    refused(step(clerk, case.id, "assign", unit=str(town.id)), "该单位已退回此件")
    ok(step(clerk, case.id, "assign", unit=str(bureau.id)))
    case = fresh(db_session, case.id)
    assert case.transfer_count == 1 and case.responsible_unit_id == bureau.id
    kinds = db_session.execute(
        select(Assignment.kind).where(Assignment.case_id == case.id).order_by(Assignment.id)
    ).scalars().all()
    assert kinds == ["assign", "transfer"]
    assert "转办" in page_text(clerk.get(f"/cases/show/{case.id}"))
    # 人社局's handler receives it.
    ok(step(client_as("handler_rsj"), case.id, "receive"))


def test_send_back_after_five_working_days_is_refused(client_as, db_session):
    clerk, leader, handler = client_as("clerk"), client_as("leader"), client_as("handler")
    town = unit(db_session, "城关镇")
    case = register(clerk, db_session, title="超时退回测试")
    for client, code, fields in [
        (clerk, "accept", {}), (clerk, "propose", {"proposal": "交城关镇"}),
        (leader, "instruct", {"text": "请办理"}), (clerk, "assign", {"unit": str(town.id)}),
    ]:
        ok(step(client, case.id, code, **fields))
    assignment = db_session.execute(select(Assignment).where(Assignment.case_id == case.id)).scalar_one()
    assignment.send_back_until = county_now() - timedelta(minutes=1)
    db_session.commit()
    refused(step(handler, case.id, "send_back", reason="不属本单位"), "5个工作日内")
    assert fresh(db_session, case.id).status == CaseStatus.ASSIGNED.value


def test_accusations_go_only_to_the_discipline_organs(client_as, db_session):
    clerk, leader = client_as("clerk"), client_as("leader")
    town, discipline = unit(db_session, "城关镇"), unit(db_session, "县纪委监委")
    case = register(clerk, db_session, title="检举控告测试", category="accusation",
                    reported_unit=str(unit(db_session, "县自然资源局").id))
    for client, code, fields in [
        (clerk, "accept", {}), (clerk, "propose", {"proposal": "转纪委"}),
        (leader, "instruct", {"text": "请纪委办理"}),
    ]:
        ok(step(client, case.id, code, **fields))
    refused(step(clerk, case.id, "assign", unit=str(town.id)), "纪检监察机关")
    assert fresh(db_session, case.id).status == CaseStatus.INSTRUCTED.value
    ok(step(clerk, case.id, "assign", unit=str(discipline.id)))


def test_recusal_blocks_further_steps(client_as, db_session):
    clerk, leader, handler = client_as("clerk"), client_as("leader"), client_as("handler")
    town = unit(db_session, "城关镇")
    case = register(clerk, db_session, title="回避测试")
    for client, code, fields in [
        (clerk, "accept", {}), (clerk, "propose", {"proposal": "交城关镇"}),
        (leader, "instruct", {"text": "请办理"}), (clerk, "assign", {"unit": str(town.id)}),
    ]:
        ok(step(client, case.id, code, **fields))
    ok(step(handler, case.id, "recuse", reason="信访人系本人亲属"))
    refused(step(handler, case.id, "receive"), "您已回避此件")
    assert case.number not in page_text(handler.get("/"))
    assert "此件当前无需您办理" in page_text(handler.get(f"/cases/show/{case.id}"))


def test_joint_review_lets_co_units_see_and_report(client_as, db_session):
    clerk, leader, handler = client_as("clerk"), client_as("leader"), client_as("handler")
    rsj_handler = client_as("handler_rsj")
    town, rsj = unit(db_session, "城关镇"), unit(db_session, "县人力资源和社会保障局")
    case = register(clerk, db_session, title="会审测试")
    for client, code, fields in [
        (clerk, "accept", {}), (clerk, "propose", {"proposal": "交城关镇"}),
        (leader, "instruct", {"text": "请办理"}), (clerk, "assign", {"unit": str(town.id)}),
        (handler, "receive", {"complex": "y"}),
    ]:
        ok(step(client, case.id, code, **fields))
    assignment = db_session.execute(select(Assignment).where(Assignment.case_id == case.id)).scalar_one()
    assert assignment.is_complex and assignment.plan_due_at is not None
    assert rsj_handler.get(f"/cases/show/{case.id}").status_code == 404
    refused(step(handler, case.id, "joint_review", lead_unit=str(town.id), plan="方案"),
            "请填写“配合单位”")
    ok(step(handler, case.id, "joint_review", lead_unit=str(town.id), co_units=[str(rsj.id)],
            plan="城关镇牵头，人社局核实社保缴费记录。"))
    # The co-unit now sees the case and may report progress, but may not submit findings.
    assert rsj_handler.get(f"/cases/show/{case.id}").status_code == 200
    ok(step(rsj_handler, case.id, "report_progress", text="已调取缴费记录。"))
    refused(step(rsj_handler, case.id, "submit_findings", findings="x", reply_draft="y"),
            "只有承办此件的单位")
    assert fresh(db_session, case.id).responsible_unit_id == town.id


def test_mediation_agreement_closes_without_a_reply(client_as, db_session):
    clerk, leader, handler = client_as("clerk"), client_as("leader"), client_as("handler")
    town = unit(db_session, "城关镇")
    case = register(clerk, db_session, title="调解结案测试")
    for client, code, fields in [
        (clerk, "accept", {}), (clerk, "propose", {"proposal": "交城关镇"}),
        (leader, "instruct", {"text": "请办理"}), (clerk, "assign", {"unit": str(town.id)}),
        (handler, "receive", {}),
    ]:
        ok(step(client, case.id, code, **fields))
    refused(step(handler, case.id, "settle"), "请填写“调解协议内容及履行情况”")
    ok(step(handler, case.id, "settle", agreement="经村调委会调解达成协议，已履行。"))
    case = fresh(db_session, case.id)
    assert case.status == CaseStatus.CLOSED.value and case.closure == "agreement"
    assert case.replied_at is None


def test_review_and_re_review_each_with_their_own_deadline(client_as, db_session):
    clerk, leader, handler = client_as("clerk"), client_as("leader"), client_as("handler")
    town = unit(db_session, "城关镇")
    case = register(clerk, db_session, title="复查复核测试")
    for client, code, fields in [
        (clerk, "accept", {}), (clerk, "propose", {"proposal": "交城关镇"}),
        (leader, "instruct", {"text": "请办理"}), (clerk, "assign", {"unit": str(town.id)}),
        (handler, "receive", {}), (handler, "submit_findings", {"findings": "f", "reply_draft": "r"}),
        (leader, "approve", {}), (leader, "sign_reply", {"reply_text": "答复"}),
        (clerk, "follow_up", {"satisfaction": "basically", "method": "phone"}), (clerk, "close", {}),
    ]:
        ok(step(client, case.id, code, **fields))
    refused(step(clerk, case.id, "request_reexam", reason="要求复核"), "复查意见作出后方可申请复核")
    ok(step(clerk, case.id, "request_recheck", reason="对答复不服"))
    case = fresh(db_session, case.id)
    assert case.status == CaseStatus.REVIEWING.value and case.review_count == 1
    assert case.next_due_at is not None and case.next_due_at > county_now() + timedelta(days=29)
    refused(step(clerk, case.id, "request_recheck", reason="again"), "不能“申请复查”")
    # Decided by the level above the township that answered (Art. 35): the county.
    county_leader = client_as("county_leader")
    ok(step(county_leader, case.id, "decide_review", outcome="upheld", decision="维持原处理意见"))
    assert fresh(db_session, case.id).status == CaseStatus.REPLIED.value
    ok(step(clerk, case.id, "request_reexam", reason="对复查意见不服"))
    ok(step(county_leader, case.id, "decide_review", outcome="upheld", decision="复核维持"))
    case = fresh(db_session, case.id)
    assert case.status == CaseStatus.CLOSED.value and case.closure == "final_review"
    refused(step(clerk, case.id, "request_reexam", reason="再复核"), "复核意见为最终意见")


def test_step_on_another_townships_case_is_404_and_changes_nothing(clerk2_client, db_session, client_as):
    clerk = client_as("clerk")
    case = register(clerk, db_session, title="跨乡镇办理测试")
    response = clerk2_client.post(f"/cases/step/{case.id}/accept", data={"version": str(case.version)})
    assert response.status_code == 404
    assert fresh(db_session, case.id).status == CaseStatus.REGISTERED.value
    assert steps_of(db_session, case.id) == ["register"]


def test_events_record_who_and_when(client_as, db_session):
    clerk = client_as("clerk")
    case = register(clerk, db_session, title="事件记录测试")
    ok(step(clerk, case.id, "accept", note="予以受理"))
    event = db_session.execute(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.step == "accept")
    ).scalar_one()
    assert (event.actor_name, event.actor_unit) == ("张丽娟", "城关镇")
    assert (event.from_status, event.to_status, event.text) == ("registered", "accepted", "予以受理")
    assert abs((event.occurred_at - county_now()).total_seconds()) < 120
