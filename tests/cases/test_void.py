"""A registered case is never deleted, only voided (作废).

The rule (DOMAIN.md "Workflow": the case's history is never rewritten): a registration made by
mistake is voided with a reason, by the 登记员 of the case's place or the county petition
office (its 登记员, the 系统管理员), while the petition office still holds it. The voided case
stays findable (已作废) with its whole history; it leaves the work queues, the overdue lists and
the count of petitions received. Nobody deletes a case: no page, no API call, no SQL session.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from app.cases.models import Case
from app.cases.workflow_models import CaseEvent
from app.core.errors import DomainError
from app.core.scoping import Scope
from app.reports import figures as F
from app.reports.figures import ReportFilters, ReportPeriod
from tests.api.support import token
from tests.cases.workflow_support import (
    edit_registration,
    fresh,
    ok,
    refused,
    register,
    step,
    steps_of,
    unit,
)
from tests.reports.support import add_cases
from tests.support import county_now, form_errors, page_text

VOIDED_LABEL = "已作废"


def _sql_engine(database_uri: str):
    uri = database_uri
    if uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri[len("postgresql://"):]
    return create_engine(uri)


def _events(db_session, case_id: int) -> list[tuple[str, str | None, str, str | None]]:
    db_session.expire_all()
    return [
        tuple(row)
        for row in db_session.execute(
            select(CaseEvent.step, CaseEvent.from_status, CaseEvent.to_status, CaseEvent.text)
            .where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        )
    ]


# --- the database ----------------------------------------------------------------------------------


def test_sql_cannot_delete_a_case_with_history_nor_then_its_history(database_uri, db_session, client_as):
    """The hole this closes: delete the case row first (a plain SQL session, foreign keys not
    enforced on SQLite), and its events were deletable as orphans."""
    clerk = client_as("clerk")
    case = register(clerk, db_session, title="直接删库测试")
    ok(step(clerk, case.id, "accept", note="受理"))
    engine = _sql_engine(database_uri)
    try:
        statements = [
            (f"DELETE FROM petition_case WHERE id = {case.id}", "never deleted"),
            (f"DELETE FROM case_event WHERE case_id = {case.id}", "append-only"),
            (f"UPDATE case_event SET text = 'x' WHERE case_id = {case.id}", "append-only"),
        ]
        if engine.dialect.name == "postgresql":
            statements.append(("TRUNCATE petition_case CASCADE", "append-only"))
        for statement, message in statements:
            with engine.connect() as conn, pytest.raises(DBAPIError, match=message):
                conn.execute(text(statement))
                conn.commit()
        if engine.dialect.name == "sqlite":
            # Foreign keys off (SQLite's default for a plain connection): still refused.
            with engine.connect() as conn, pytest.raises(DBAPIError, match="never deleted"):
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                conn.execute(text(f"DELETE FROM petition_case WHERE id = {case.id}"))
                conn.commit()
    finally:
        engine.dispose()
    assert fresh(db_session, case.id) is not None
    assert steps_of(db_session, case.id) == ["register", "accept"]


def test_sql_may_still_delete_a_case_row_without_history(database_uri, db_session):
    """The guard is about history: a row that never had any (a bulk load's leftover) can go."""
    town = unit(db_session, "城关镇").id
    add_cases(db_session, [{"township_id": town, "title": "无历史的导入残行"}])
    case_id = db_session.execute(select(Case.id).where(Case.title == "无历史的导入残行")).scalar_one()
    engine = _sql_engine(database_uri)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"DELETE FROM petition_case WHERE id = {case_id}"))
    finally:
        engine.dispose()
    assert fresh(db_session, case_id) is None


def test_the_orm_refuses_to_delete_a_case(app, db_session, client_as):
    case_id = register(client_as("clerk"), db_session, title="ORM删除测试").id
    from app.core.database import write_transactions
    from app.extensions import db

    with app.app_context(), write_transactions():
        db.session.delete(db.session.get(Case, case_id))
        with pytest.raises(DomainError, match="不能删除"):
            db.session.flush()
        db.session.rollback()
    assert fresh(db_session, case_id) is not None
    assert steps_of(db_session, case_id) == ["register"]


# --- no delete anywhere ----------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["admin", "clerk", "county_clerk"])
def test_no_page_offers_or_performs_a_delete(client_as, db_session, username):
    user = client_as(username)
    case = register(client_as("clerk"), db_session, title=f"删除入口测试{username}")
    listing = user.get("/cases/list/?psize_CaseView=100")
    body = listing.get_data(as_text=True)
    assert listing.status_code == 200 and case.number in body
    assert "/cases/delete/" not in body and "muldelete" not in body
    show = user.get(f"/cases/show/{case.id}").get_data(as_text=True)
    assert "/cases/delete/" not in show
    # The old addresses: the case stays, and the user is told how to void it instead.
    answer = user.post(f"/cases/delete/{case.id}")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/cases/show/{case.id}")
    shown = user.get(f"/cases/show/{case.id}")
    assert any("不能删除" in m and "作废" in m for m in form_errors(shown)), form_errors(shown)
    assert user.post("/cases/action_post", data={"action": "muldelete", "rowid": [str(case.id)]}).status_code == 404
    assert fresh(db_session, case.id).status == "registered"
    assert steps_of(db_session, case.id) == ["register"]


def test_delete_address_outside_the_area_is_404(client_as, db_session):
    case = register(client_as("clerk"), db_session, title="外乡镇删除测试")
    assert client_as("clerk2").post(f"/cases/delete/{case.id}").status_code == 404


def test_api_delete_is_refused_with_the_way_to_void(client, db_session, client_as):
    case = register(client_as("clerk"), db_session, title="接口删除测试")
    for username in ("clerk", "admin"):
        response = client.delete(f"/api/v1/cases/{case.id}", headers=token(client, username))
        assert response.status_code == 405, response.get_data(as_text=True)
        body = response.get_json()
        assert body["code"] == "not_deletable"
        assert "不能删除" in body["message"] and "作废" in body["message"]
    # Outside the caller's area the case does not exist.
    response = client.delete(f"/api/v1/cases/{case.id}", headers=token(client, "clerk2"))
    assert response.status_code == 404
    assert fresh(db_session, case.id).status == "registered"


# --- voiding -----------------------------------------------------------------------------------------


def test_the_clerk_voids_with_a_required_reason_and_the_history_says_so(clerk_client, db_session):
    case = register(clerk_client, db_session, title="误登记作废测试")
    ok(step(clerk_client, case.id, "accept"))
    page = clerk_client.get(f"/cases/show/{case.id}").get_data(as_text=True)
    form = page.split('id="step-void"', 1)[1].split("</form>", 1)[0]
    assert "data-confirm=" in form, "voiding asks for confirmation"
    assert 'name="reason"' in form

    refused(step(clerk_client, case.id, "void", reason="  "), "原因")
    assert fresh(db_session, case.id).status == "accepted"

    ok(step(clerk_client, case.id, "void", reason="同一来访重复登记"))
    voided = fresh(db_session, case.id)
    assert voided.status == "voided" and voided.next_due_at is None
    assert _events(db_session, case.id)[-1] == ("void", "accepted", "voided", "同一来访重复登记")

    shown = clerk_client.get(f"/cases/show/{case.id}")
    body = shown.get_data(as_text=True)
    status_badge = body.split('id="case-status"', 1)[1].split("</span>", 1)[0]
    banner = body.split('id="case-voided"', 1)[1].split("</div>", 1)[0]
    assert shown.status_code == 200 and VOIDED_LABEL in status_badge
    assert "同一来访重复登记" in banner and "张丽娟" in banner  # the reason and who voided it
    assert 'id="step-' not in shown.get_data(as_text=True), "nothing more can be done on a voided case"
    # The registration can no longer be edited.
    response = edit_registration(clerk_client, voided, demands="作废后改诉求")
    assert response.status_code == 200
    assert any("已作废" in m and "不能再修改" in m for m in form_errors(response)), form_errors(response)
    assert fresh(db_session, case.id).demands != "作废后改诉求"


def test_a_voided_case_stays_findable_in_the_list_with_its_badge(clerk_client, db_session):
    case = register(clerk_client, db_session, title="作废后可查测试")
    ok(step(clerk_client, case.id, "void", reason="测试数据"))
    listing = clerk_client.get("/cases/list/?psize_CaseView=100")
    row = next(r for r in listing.get_data(as_text=True).split("<tr")[1:] if case.number in r)
    assert VOIDED_LABEL in row
    # The home page's 已作废 card links to the list filtered by that status.
    home = clerk_client.get("/").get_data(as_text=True)
    assert "q_status=voided" in home
    filtered = page_text(clerk_client.get("/cases/list/?q_status=voided"))
    assert case.number in filtered


# Who may void a 城关镇 case the petition office holds, and what everyone else gets.
# 403: the role takes no steps at all; 404: the case is outside the user's area (or unit);
# 422: the role takes steps, but not this one.
VOID_OUTCOME = {
    "clerk": 302, "county_clerk": 302, "admin": 302,
    "xz_admin": 403, "supervisor": 403, "manager": 403, "county_supervisor": 403, "county_manager": 403,
    "leader": 422, "county_leader": 422, "handler": 422,
    "clerk2": 404, "handler_rsj": 404,
}


@pytest.mark.parametrize("username", sorted(VOID_OUTCOME))
def test_who_may_void(client_as, db_session, username):
    town = unit(db_session, "城关镇")
    # Registered with 城关镇 as responsible unit, so that its 承办人 sees the case too.
    case = register(client_as("clerk"), db_session, title=f"作废权限测试{username}",
                    responsible_unit=str(town.id))
    user = client_as(username)
    page = user.get(f"/cases/show/{case.id}")
    expected = VOID_OUTCOME[username]
    if expected == 404:
        assert page.status_code == 404
    else:
        assert page.status_code == 200
        assert ('id="step-void"' in page.get_data(as_text=True)) == (expected == 302)
    response = step(user, case.id, "void", version=str(fresh(db_session, case.id).version), reason="误登记")
    assert response.status_code == expected, form_errors(response)
    assert fresh(db_session, case.id).status == ("voided" if expected == 302 else "registered")


def test_a_township_clerk_does_not_void_a_county_mailbox_letter(client_as, db_session):
    case = register(client_as("clerk"), db_session, title="县长信箱来信作废测试")
    case.mailbox = "county_head"
    db_session.commit()
    refused(step(client_as("clerk"), case.id, "void", reason="误登记"), "县")
    ok(step(client_as("county_clerk"), case.id, "void", reason="误登记"))


def test_once_a_unit_has_the_case_it_is_not_voided_until_sent_back(client_as, db_session):
    clerk, leader, handler = client_as("clerk"), client_as("leader"), client_as("handler")
    town = unit(db_session, "城关镇")
    case = register(clerk, db_session, title="交办后作废测试")
    ok(step(clerk, case.id, "accept"))
    ok(step(clerk, case.id, "propose", proposal="交城关镇办理"))
    ok(step(leader, case.id, "instruct", text="请办理"))
    ok(step(clerk, case.id, "assign", unit=str(town.id)))
    for username in ("clerk", "admin"):
        refused(step(client_as(username), case.id, "void", reason="误登记"), "作废")
    ok(step(handler, case.id, "send_back", reason="不属本单位职责"))
    assert fresh(db_session, case.id).status == "returned"
    ok(step(clerk, case.id, "void", reason="经核实系测试数据"))
    assert fresh(db_session, case.id).status == "voided"


def test_a_voided_case_is_neither_an_earlier_petition_nor_a_merge_target(clerk_client, db_session):
    voided = register(clerk_client, db_session, title="作废的旧件")
    ok(step(clerk_client, voided.id, "void", reason="误登记"))
    later = register(clerk_client, db_session, title="新登记件")
    refused(step(clerk_client, later.id, "link_repeat", earlier=voided.number), "作废")
    refused(step(clerk_client, later.id, "merge", target=voided.number), "作废")
    assert steps_of(db_session, later.id) == ["register"]


# --- leaving queues, overdue lists and figures ----------------------------------------------------


def test_voiding_takes_the_case_out_of_the_queue_and_the_overdue_list(client_as, db_session):
    clerk, supervisor = client_as("clerk"), client_as("supervisor")
    # Received 20 days ago and never accepted: past the 15 days of Art. 22, so 超期.
    received = (county_now() - timedelta(days=20)).strftime("%Y-%m-%d %H:%M:%S")
    case = register(clerk, db_session, title="超期未受理作废测试", received_at=received)
    assert case.next_due_at < county_now()

    def in_queue() -> bool:
        body = clerk.get("/").get_data(as_text=True)
        return 'id="queue"' in body and case.number in body.split('id="queue"', 1)[1].split("</table>", 1)[0]

    def overdue_listed() -> bool:
        return case.number in page_text(supervisor.get("/supervision/overdue/list/?psize_OverdueView=200"))

    assert in_queue() and overdue_listed()
    ok(step(clerk, case.id, "void", reason="同一信件重复录入"))
    assert not in_queue() and not overdue_listed()


def test_voided_registrations_are_not_counted_as_received(app, client_as, db_session):
    clerk = client_as("clerk")
    town = unit(db_session, "城关镇").id
    received = datetime(2015, 3, 2, 9, 0)
    add_cases(db_session, [
        {"township_id": town, "received_at": received, "status": "registered", "accepted_at": None,
         "due_at": None, "title": "二〇一五年待作废件"},
        {"township_id": town, "received_at": received, "status": "registered", "accepted_at": None,
         "due_at": None},
        {"township_id": town, "received_at": received + timedelta(days=40), "status": "closed",
         "replied_at": received + timedelta(days=50), "closed_at": received + timedelta(days=55)},
    ])
    victim = db_session.execute(select(Case.id).where(Case.title == "二〇一五年待作废件")).scalar_one()
    whole_year = ReportFilters(ReportPeriod.year(2015), township_id=town, scope=Scope.all())
    # Odd days, counted from the cases themselves rather than the monthly table.
    odd_days = ReportFilters(ReportPeriod(datetime(2015, 3, 2).date(), datetime(2015, 4, 20).date()),
                             township_id=town, scope=Scope.all())
    moment = datetime(2016, 1, 1)
    with app.app_context():
        assert F.volume(whole_year, now=moment).text == "3"
        assert F.volume(odd_days, now=moment).text == "3"
    ok(step(clerk, victim, "void", reason="测试数据误录"))
    with app.app_context():
        assert F.volume(whole_year, now=moment).text == "2"
        assert F.volume(odd_days, now=moment).text == "2"


def test_the_petitioner_reads_that_the_registration_was_voided(app, clerk_client, db_session):
    from app.portal.progress import public_view

    case = register(clerk_client, db_session, title="信访人查询作废件")
    ok(step(clerk_client, case.id, "void", reason="误登记"))
    with app.app_context():
        from app.extensions import db

        view = public_view(db.session.get(Case, case.id))
    assert "作废" in view.status and view.reply is None and view.may_rate is False


def test_a_voided_registration_costs_the_leader_no_points(client_as, db_session):
    """Seed 004's score deducts for a held case's petitioner skipping levels — a petition; a
    registration voided as made by mistake is none."""
    from app.leaders.models import Holding, Leader
    from app.leaders.score import compute_scores
    from tests.supervision.support import make_case

    town = unit(db_session, "城关镇")
    leader = Leader(name="作废测试领导", rank="section", post="副镇长", org_unit_id=town.id, sort_order=1, active=True)
    db_session.add(leader)
    db_session.commit()
    held = make_case(db_session, title="包案原件", due_in_days=20)
    repeat = make_case(db_session, title="误登记的越级访", status="registered", due_in_days=None,
                       skips_levels=True, received_days_ago=3, repeat_of_id=held.id)
    db_session.add(Holding(leader_id=leader.id, case_id=held.id, taken_on=county_now().date() - timedelta(days=30),
                           target_number=held.number, target_title=held.title))
    db_session.commit()

    def skipped() -> list[str]:
        db_session.expire_all()
        [score] = compute_scores(db_session, [leader], county_now().date() - timedelta(days=10), county_now().date())
        return [line.number for line in score.lines if line.kind == "skipped_levels"]

    assert skipped() == [repeat.number]
    ok(step(client_as("clerk"), repeat.id, "void", reason="重复录入"))
    assert skipped() == []
