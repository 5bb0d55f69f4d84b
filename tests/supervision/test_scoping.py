"""Scoping of every model leaders and supervision add: 河东镇's clerk (`clerk2`) never reaches
城关镇's leaders, holdings, planned receptions, reception records, supervision orders, joint
meetings or accountability records — not by page, edit form, delete, workflow step, bulk action,
list or export — even when their role is given every permission these views have.

The same permissions given to 城关镇's clerk open the same pages (200): the 404s come from the
scope, not from a missing record or a missing permission.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.cases.models import Case
from app.leaders.models import Holding, Leader, Reception, ReceptionSlot
from app.supervision.models import AccountabilityRecord, JointMeeting, MeetingTask, SupervisionOrder
from tests.leaders.test_leaders import holding_form, own_leader
from tests.supervision.support import issue_form, latest_orders, make_case, org
from tests.support import county_today, login, page_text

VIEWS = ("LeaderView", "HoldingView", "ReceptionSlotView", "ReceptionView", "SupervisionOrderView",
         "JointMeetingView", "AccountabilityView", "OverdueView")


def grant_everything(db_session, role_name: str) -> None:
    """Every permission of the new views for `role_name`, in this test's private database."""
    from flask import current_app

    sm = current_app.appbuilder.sm
    role = sm.find_role(role_name)
    have = {(p.permission.name, p.view_menu.name) for p in role.permissions}
    for view in VIEWS:
        for pvm in sm.find_permissions_view_menu(sm.find_view_menu(view)):
            if (pvm.permission.name, pvm.view_menu.name) not in have:
                role.permissions.append(pvm)
    db_session.commit()


@dataclass
class Target:
    """One 城关镇 record and what a user may try on it."""

    name: str
    base: str  # route base
    pk: int
    marker: str  # text only this record shows (in the list and the export)
    edit: dict = field(default_factory=dict)  # None: the view has no edit form
    steps: tuple[tuple[str, dict], ...] = ()  # (url, form) of workflow steps
    deletable: bool = True  # a holding is ended, never deleted (no one has the permission)


def first(db_session, stmt):
    return db_session.execute(stmt.limit(1)).scalars().first()


@pytest.fixture
def targets(db_session, supervisor_client, leader_client) -> list[Target]:
    town = org(db_session, "城关镇")
    today = county_today().isoformat()
    # Made through the pages as 城关镇's own users would: a holding and an order.
    held = make_case(db_session, title="城关镇包案（范围测试）", due_in_days=10)
    overdue = make_case(db_session, title="城关镇督办（范围测试）", due_in_days=-6)
    leader = own_leader(db_session)
    assert leader_client.post("/leaders/holdings/add", data=holding_form(leader, held.number)).status_code == 302
    assert supervisor_client.post("/supervision/orders/issue", data=issue_form(overdue.number)).status_code == 302
    db_session.rollback()
    holding = first(db_session, select(Holding).where(Holding.case_id == held.id))
    slot = first(db_session, select(ReceptionSlot).where(ReceptionSlot.township_id == town.id))
    reception = first(db_session, select(Reception).where(Reception.township_id == town.id))
    order = latest_orders(db_session)[0]
    record = first(db_session, select(AccountabilityRecord).where(AccountabilityRecord.township_id == town.id))
    # A township meeting of 城关镇 with an open task for the township itself.
    response = supervisor_client.post("/supervision/meetings/add", data={
        "title": "城关镇范围测试联席会议", "held_on": today, "convener": "镇长", "township": str(town.id),
        "units": [str(town.id)], "case_numbers": "", "decisions": "逐件落实。"})
    assert response.status_code == 302
    db_session.rollback()
    meeting = first(db_session, select(JointMeeting).where(JointMeeting.title == "城关镇范围测试联席会议"))
    task = MeetingTask(meeting_id=meeting.id, unit_id=town.id, description="范围测试任务",
                       due_on=county_today() + timedelta(days=5))
    db_session.add(task)
    db_session.commit()
    assert None not in (leader, holding, slot, reception, order, record), "the demo county lacks a record"
    duty = holding.duties[0]
    return [
        Target("leader", "/leaders/leaders", leader.id, leader.name,
               {"name": "改名", "rank": "section", "post": "改", "org_unit": str(town.id), "row_version": "1"}),
        Target("holding", "/leaders/holdings", holding.id, holding.target_number,
               {"goal": "改", "row_version": "1"},
               ((f"/leaders/holdings/tick/{holding.id}", {"duty": str(duty.id), "noted_on": today, "text": "x"}),
                (f"/leaders/holdings/note/{holding.id}", {"noted_on": today, "text": "x"}),
                (f"/leaders/holdings/end/{holding.id}", {"status": "resolved", "ended_on": today, "note": "x"})),
               deletable=False),
        Target("slot", "/leaders/slots", slot.id, slot.place,
               {"place": "改", "day": today, "start_time": "09:00", "end_time": "10:00", "row_version": "1"}),
        Target("reception", "/leaders/receptions", reception.id, reception.place,
               {"place": "改", "held_on": today, "batches": "1", "persons": "1", "row_version": "1"}),
        Target("order", "/supervision/orders", order.id, order.number, None,
               ((f"/supervision/orders/answer/{order.id}", {"text": "已办"}),
                (f"/supervision/orders/accept/{order.id}", {"note": "x"}),
                (f"/supervision/orders/escalate/{order.id}", {"requirement": "x", "due_on": today}))),
        Target("meeting", "/supervision/meetings", meeting.id, meeting.title,
               {"title": "改", "held_on": today, "convener": "x", "decisions": "x", "row_version": "1"},
               ((f"/supervision/meetings/task/{meeting.id}",
                 {"unit": str(town.id), "description": "x", "due_on": today}),
                (f"/supervision/meetings/task/{meeting.id}/{task.id}/done", {"note": "x"}))),
        Target("accountability", "/supervision/accountability", record.id, record.document_number,
               {"kind": "criticism", "reason": "改", "decided_on": today, "row_version": "1"}),
    ]


def _snapshot(db_session) -> dict:
    """What the attempts must leave untouched: every row's version and the count of orders."""
    db_session.rollback()
    state = {}
    for model in (Leader, Holding, ReceptionSlot, Reception, SupervisionOrder, JointMeeting, AccountabilityRecord):
        state[model.__name__] = sorted(
            (row.id, getattr(row, "version", None), getattr(row, "status", None))
            for row in db_session.execute(select(model)).scalars()
        )
    state["tasks"] = sorted((t.id, t.done_at is not None) for t in db_session.execute(select(MeetingTask)).scalars())
    return state


def _export(client, base: str) -> str:
    response = client.post(f"{base}/export/csv")
    text = response.get_data(as_text=True)
    response.close()  # a streamed response holds its connection until closed
    assert response.status_code == 200, base
    return text


def test_another_townships_clerk_gets_404_on_every_record_and_action(app, db_session, targets):
    grant_everything(db_session, "登记员")
    before = _snapshot(db_session)
    other, own = app.test_client(), app.test_client()
    login(other, "clerk2")
    login(own, "clerk")
    for t in targets:
        show = f"{t.base}/show/{t.pk}"
        assert own.get(show).status_code == 200, t.name  # the record exists, the permission is there
        assert other.get(show).status_code == 404, t.name
        if t.edit is not None:
            assert other.get(f"{t.base}/edit/{t.pk}").status_code == 404, t.name
            assert other.post(f"{t.base}/edit/{t.pk}", data=t.edit).status_code == 404, t.name
            assert other.post(f"{t.base}/delete/{t.pk}").status_code == (404 if t.deletable else 403), t.name
        for url, form in t.steps:
            assert other.post(url, data=form).status_code == 404, url
        assert t.marker and t.marker not in page_text(other.get(f"{t.base}/list/")), t.name
        assert t.marker not in _export(other, t.base), t.name
    # The overdue list's bulk action: one 城关镇 case among the selection and nothing is done.
    theirs = make_case(db_session, title="城关镇超期（范围测试）", due_in_days=-4)
    mine = make_case(db_session, "河东镇", title="河东镇超期（范围测试）", due_in_days=-4)
    assert other.post("/supervision/overdue/action_post", data={
        "action": "issue_order", "rowid": [str(mine.id), str(theirs.id)]}).status_code == 404
    assert other.get(f"/supervision/overdue/show/{theirs.id}").status_code == 404
    assert "城关镇超期（范围测试）" not in page_text(other.get("/supervision/overdue/list/"))
    assert "城关镇超期（范围测试）" not in _export(other, "/supervision/overdue")
    # Issuing by number refuses the other township's case with a message, and issues nothing.
    refused = other.post("/supervision/orders/issue", data={
        "kind": "urge", "unit": "", "case_numbers": theirs.number, "entry_numbers": "",
        "requirement": "请办理", "due_on": (county_today() + timedelta(days=3)).isoformat()})
    assert refused.status_code in (200, 422) and theirs.number in page_text(refused)
    assert _snapshot(db_session) == before
    db_session.rollback()
    assert db_session.get(Case, theirs.id).title == "城关镇超期（范围测试）"


def test_own_clerk_with_the_same_rights_exports_the_same_records(app, db_session, targets):
    """The positive control of the test above: the markers are in 城关镇's own exports."""
    grant_everything(db_session, "登记员")
    own = app.test_client()
    login(own, "clerk")
    for t in targets:
        assert t.marker in _export(own, t.base), t.name
