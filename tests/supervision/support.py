"""Helpers for the leaders and supervision tests: org and user look-ups, cases in a known state."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.cases.models import Case, CaseStatus, Petitioner
from app.org.models import OrgUnit
from app.security.models import AppUser
from tests.support import county_now


def org(db_session, name: str) -> OrgUnit:
    return db_session.execute(select(OrgUnit).where(OrgUnit.name == name)).scalars().first()


def user(db_session, username: str) -> AppUser:
    return db_session.execute(select(AppUser).where(AppUser.username == username)).unique().scalar_one()


def make_case(db_session, township: str = "城关镇", unit: str | None = None, *, title: str = "反映村道长期停工",
              status: str = CaseStatus.HANDLING.value, due_in_days: float | None = -3, category: str = "claim",
              petitioner: str = "王秀英", received_days_ago: int = 40, **fields: Any) -> Case:
    """A case written straight to the database in a known workflow state (arranging a test).

    `due_in_days` sets the deadline the case waits for (negative: overdue; None: nothing due).
    """
    db_session.rollback()  # a fresh transaction: the requests since may have written (SQLite)
    town = org(db_session, township)
    responsible = org(db_session, unit) if unit else town
    now = county_now()
    due = now + timedelta(days=due_in_days) if due_in_days is not None else None
    case = Case(
        channel="visit", received_at=now - timedelta(days=received_days_ago), township_id=town.id,
        responsible_unit_id=responsible.id, category=category, title=title, content="内容", people_count=1,
        status=status, due_at=fields.pop("due_at", due), next_due_at=fields.pop("next_due_at", due), **fields,
    )
    case.petitioners.append(Petitioner(name=petitioner, id_number=None, phone="13800001111"))
    db_session.add(case)
    db_session.commit()
    return case


def issue_form(case_numbers: str = "", **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "supervise",
        "unit": "",
        "case_numbers": case_numbers,
        "entry_numbers": "",
        "requirement": "请于5日内书面报告办理进展并说明超期原因。",
        "due_on": (county_now() + timedelta(days=5)).date().isoformat(),
    }
    data.update(overrides)
    return data


def latest_orders(db_session, count: int = 1) -> list:
    from app.supervision.models import SupervisionOrder

    db_session.rollback()
    return db_session.execute(
        select(SupervisionOrder).order_by(SupervisionOrder.id.desc()).limit(count)
    ).scalars().all()
