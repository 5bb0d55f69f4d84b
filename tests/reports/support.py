"""Helpers for report tests: insert cases with chosen workflow columns, in a year of their own.

The template database holds the demo county's cases of the last 18 months; report tests put
their hand-made cases in 2015 (and 2014 for year-on-year), where nothing else lives, and filter
on that period — so the expected values can be computed by hand.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import count
from typing import Any

from sqlalchemy import insert, select

from app.cases.models import Case
from app.org.models import OrgUnit

_numbers = count(1)


def org_id(db_session, name: str) -> int:
    return db_session.execute(select(OrgUnit.id).where(OrgUnit.name == name)).scalar_one()


def add_cases(db_session, rows: list[dict[str, Any]]) -> None:
    """Insert cases (bulk, no workflow): each row gives what differs from an accepted, open case."""
    values = []
    for row in rows:
        received = row.pop("received_at", datetime(2015, 3, 2, 9, 0))
        number = f"RT{received.year}-{next(_numbers):06d}"
        base = {
            "number": number, "channel": "visit", "received_at": received, "category": "claim",
            "title": row.pop("title", "测试信访件"), "content": "测试", "people_count": 1,
            "is_collective": False, "is_repeat": False, "skips_levels": False, "status": "handling",
            "petitioner_names": "张三", "created_at": received, "updated_at": received, "version": 1,
            "accept_due_at": received + timedelta(days=15), "accepted_at": received + timedelta(days=2),
            "due_at": received + timedelta(days=60), "instruction_count": 0, "extended": False,
            "extension_days": 0, "extension_pending": False, "paused_days": 0, "redo_count": 0,
            "transfer_count": 0, "review_count": 0, "replied_at": None, "closed_at": None,
            "satisfaction": None, "closure": None, "responsible_unit_id": None,
        }
        base.update(row)
        # Unless said otherwise, the reply's deadline is the handling deadline (no later round).
        base.setdefault("reply_due_at", base["due_at"])
        values.append(base)
    db_session.execute(insert(Case.__table__), values)
    db_session.commit()


def add_order(session, unit: int, status: str, issued: datetime, due: date, *, answered: bool = False,
              issuer_township: int | None = None, kind: str = "supervise", escalated_from: int | None = None,
              targets: str = "") -> int:
    """A supervision order written straight to the database (arranging a report test)."""
    from app.supervision.models import SupervisionOrder

    order = SupervisionOrder(
        kind=kind, unit_id=unit, issuer_township_id=issuer_township, issued_at=issued, requirement="请书面报告",
        due_on=due, status=status, answered_at=datetime(2015, 3, 9) if answered else None,
        escalated_from_id=escalated_from, targets_summary=targets, target_count=1 if targets else 0,
    )
    session.add(order)
    session.commit()
    return order.id
