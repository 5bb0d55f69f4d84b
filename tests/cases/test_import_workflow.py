"""Imported cases enter the workflow like registered ones: acceptance clock, first event, queue."""

from __future__ import annotations

from sqlalchemy import select

from app.cases.models import Case
from app.cases.workflow_models import CaseEvent
from tests.cases.test_import import URL, row, run
from tests.cases.workflow_support import ok, step
from tests.ledgers.support import workbook
from tests.support import page_text


def test_imported_cases_are_registered_in_the_workflow(clerk_client, db_session):
    state, _ = run(clerk_client, workbook(clerk_client, URL, [row(reference="QS-WF-001", title="导入后办理测试")]))
    assert state["status"] == "done", state
    db_session.expire_all()
    case = db_session.execute(select(Case).where(Case.title == "导入后办理测试")).scalar_one()
    assert case.accept_due_at is not None and case.next_due_at == case.accept_due_at
    assert (case.accept_due_at - case.received_at).days >= 15
    event = db_session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)).scalar_one()
    assert (event.step, event.to_status, event.actor_name) == ("register", "registered", "张丽娟")
    assert case.number in page_text(clerk_client.get("/"))
    ok(step(clerk_client, case.id, "accept"))
