"""The case history is append-only: no user, no view, no ORM code and no SQL session rewrites it."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from app.cases.workflow_models import CaseEvent
from app.core.errors import DomainError
from tests.cases.workflow_support import ok, register, step, steps_of


def _sql_engine(database_uri: str):
    uri = database_uri
    if uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri[len("postgresql://"):]
    return create_engine(uri)


def test_events_cannot_be_changed_or_deleted_through_the_orm(app, db_session, client_as):
    clerk = client_as("clerk")
    case = register(clerk, db_session, title="历史不可改测试")
    ok(step(clerk, case.id, "accept", note="受理"))
    from app.core.database import write_transactions
    from app.extensions import db

    with app.app_context(), write_transactions():
        event = db.session.execute(
            select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.step == "accept")
        ).scalar_one()
        event.text = "篡改"
        with pytest.raises(DomainError):
            db.session.flush()
        db.session.rollback()
        event = db.session.get(CaseEvent, event.id)
        db.session.delete(event)
        with pytest.raises(DomainError):
            db.session.flush()
        db.session.rollback()
    db_session.expire_all()
    assert db_session.execute(
        select(CaseEvent.text).where(CaseEvent.case_id == case.id, CaseEvent.step == "accept")
    ).scalar_one() == "受理"


def test_database_refuses_update_and_delete_of_events(database_uri, db_session, client_as):
    clerk = client_as("clerk")
    case = register(clerk, db_session, title="数据库层历史保护测试")
    engine = _sql_engine(database_uri)
    try:
        for statement in (
            f"UPDATE case_event SET text = 'x' WHERE case_id = {case.id}",
            f"DELETE FROM case_event WHERE case_id = {case.id}",
        ):
            with engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(statement))
                conn.commit()
    finally:
        engine.dispose()
    assert steps_of(db_session, case.id) == ["register"]


def test_no_view_edits_the_history(clerk_client, db_session):
    """There is no route that edits or deletes events: the case page only appends."""
    case = register(clerk_client, db_session, title="无修改入口测试")
    body = clerk_client.get(f"/cases/show/{case.id}").get_data(as_text=True)
    assert "/event" not in body and "case_event" not in body
    assert clerk_client.post(f"/cases/step/{case.id}/register", data={}).status_code == 404
