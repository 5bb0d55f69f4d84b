"""Each step tells exactly whoever acts next (issue 18): a case sent back (退回, 退回重办), a 审核 or
an extension decision awaited, an extension or a 复查 decided — and the petitioner's SMS at
不予受理, 延期 (with the new date) and 答复 (with the link to the portal's rating step).

Who acts next, from DOMAIN.md's workflow and the demo's staff (seed/data.py): 城关镇's clerk 张丽娟
(clerk) assigns, its leader 杨振华 (leader) decides extensions (Art. 34: the unit's head), reviews
and signs; the handler who confirms receipt without naming another is the 首办责任人; a
township's reply is reviewed (复查) by the county (青山县's leader, county_leader; Art. 35)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.notifications.models import Notification, OutboxMessage
from app.security.models import AppUser
from tests.cases.workflow_support import fresh, ok, register, step, unit

WATCHED = ("case_returned", "review_awaited", "extension_decided", "recheck_decided")


class Told:
    """The notifications about one case created by each step: {(username, kind)}."""

    def __init__(self, db_session, case_id: int) -> None:
        self.db, self.case_id = db_session, case_id
        self.mark = self._last()

    def _last(self) -> int:
        self.db.rollback()
        return self.db.execute(select(func.coalesce(func.max(Notification.id), 0))).scalar_one()

    def since(self, *kinds: str) -> set[tuple[str, str]]:
        self.db.rollback()
        rows = self.db.execute(
            select(AppUser.username, Notification.kind).join(AppUser, AppUser.id == Notification.user_id)
            .where(Notification.id > self.mark, Notification.record_type == "Case",
                   Notification.record_id == self.case_id, Notification.kind.in_(kinds or WATCHED))).all()
        self.mark = self._last()
        return {tuple(r) for r in rows}


def petitioner_sms(db_session, case_id: int, template: str) -> str:
    db_session.rollback()
    [body] = db_session.execute(select(OutboxMessage.body).where(
        OutboxMessage.case_id == case_id, OutboxMessage.template == template)).scalars().all()
    return body


def test_each_step_tells_exactly_the_next_actor_and_the_petitioner(app, client_as, db_session):
    app.config["PUBLIC_BASE_URL"] = "https://xf.example.cn"
    clerk, leader, handler = client_as("clerk"), client_as("leader"), client_as("handler")
    handler_rsj, county_leader = client_as("handler_rsj"), client_as("county_leader")
    town, rsj = unit(db_session, "城关镇"), unit(db_session, "县人力资源和社会保障局")
    case = register(clerk, db_session, title="下一办理人通知测试")
    told = Told(db_session, case.id)
    ok(step(clerk, case.id, "accept"))
    ok(step(clerk, case.id, "propose", proposal="交县人社局"))
    ok(step(leader, case.id, "instruct", text="请办理"))
    ok(step(clerk, case.id, "assign", unit=str(rsj.id)))
    told.since()
    # 县人社局 sends it back (wrongly assigned): the office that assigned it, 城关镇's clerk, assigns again.
    ok(step(handler_rsj, case.id, "send_back", reason="不属本单位职责"))
    assert told.since() == {("clerk", "case_returned")}
    ok(step(clerk, case.id, "assign", unit=str(town.id)))
    ok(step(handler, case.id, "receive"))  # 陈志强 takes it: the 首办责任人
    told.since()
    # An extension asked: the unit's head decides.
    ok(step(handler, case.id, "request_extension", days="20", reason="需第三方鉴定"))
    assert told.since() == {("leader", "review_awaited")}
    ok(step(leader, case.id, "decide_extension", decision="approve", note="同意"))
    assert told.since() == {("handler", "extension_decided")}
    due = fresh(db_session, case.id).due_at
    assert petitioner_sms(db_session, case.id, "petition_extended") == (
        f"您的信访事项（编号{case.number}）办理期限已延长，将于{due:%Y-%m-%d}前答复。")
    # Findings: the leader reviews; sent back for redo, the handler redoes them.
    ok(step(handler, case.id, "submit_findings", findings="已核实", reply_draft="已解决"))
    assert told.since() == {("leader", "review_awaited")}
    ok(step(leader, case.id, "return_for_redo", reason="请补充政策依据"))
    assert told.since() == {("handler", "case_returned")}
    ok(step(handler, case.id, "submit_findings", findings="补充后已核实", reply_draft="经核实已解决"))
    ok(step(leader, case.id, "approve"))
    ok(step(leader, case.id, "sign_reply", reply_text="经核实，已解决。"))
    assert petitioner_sms(db_session, case.id, "petition_replied") == (
        f"您的信访事项（编号{case.number}）已作出答复，请在https://xf.example.cn/portal/rate查看答复并评价。")
    told.since()
    # 复查: the county above the township decides; the handler and the clerk hear of the decision.
    ok(step(clerk, case.id, "request_recheck", reason="对答复不服"))
    assert told.since() == {("county_leader", "review_awaited")}
    ok(step(county_leader, case.id, "decide_review", outcome="upheld", decision="维持原处理意见"))
    assert told.since() == {("handler", "recheck_decided"), ("clerk", "recheck_decided")}

    # The link leads to the rating step: the look-up first, then the answer with its rating form.
    public = app.test_client()
    first = public.get("/portal/rate")
    assert first.status_code == 302 and first.headers["Location"].endswith("/portal/query?next=rate")
    assert "查询后即可查看答复并进行评价" in public.get("/portal/query?next=rate").get_data(as_text=True)


def test_a_refusal_is_told_without_a_bare_path_when_no_public_address_is_set(app, client_as, db_session):
    """PUBLIC_BASE_URL unset: the SMS names the site in words; a path alone is no address on a phone."""
    app.config["PUBLIC_BASE_URL"] = ""
    clerk = client_as("clerk")
    case = register(clerk, db_session, title="不予受理短信测试")
    ok(step(clerk, case.id, "refuse", reason="属于诉讼程序解决的事项"))
    assert petitioner_sms(db_session, case.id, "petition_refused") == (
        f"您的信访事项（编号{case.number}）不予受理，理由详见书面告知书，也可在网上信访平台查询。")
    registered = petitioner_sms(db_session, case.id, "petition_registered")
    assert registered.endswith("在网上信访平台查询办理进度。退订：网上信访平台“退订短信”页面")
    assert "/portal" not in registered
