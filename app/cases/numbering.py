"""Case numbers: XF2026-000123, unique per county and year, also under concurrent registration.

The counter is one row per year, incremented with a single UPDATE … RETURNING inside the
registering transaction: PostgreSQL row-locks it, SQLite write-locks the database (write
requests begin IMMEDIATE), so two clerks pressing "save" at the same moment get consecutive
numbers. If the registration fails, the increment rolls back with it: no gaps, no duplicates.
The unique constraint on petition_case.number stays as the last line of defence.
"""

from __future__ import annotations

from flask import current_app, has_app_context
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.cases.models import CaseNumberSequence
from app.core.database import insert_ignoring_duplicates

DEFAULT_PREFIX = "XF"


def format_number(year: int, value: int, prefix: str | None = None) -> str:
    if prefix is None:
        prefix = current_app.config.get("CASE_NUMBER_PREFIX", DEFAULT_PREFIX) if has_app_context() else DEFAULT_PREFIX
    return f"{prefix}{year}-{value:06d}"


def _increment(session: Session, year: int, by: int) -> int | None:
    stmt = (
        update(CaseNumberSequence)
        .where(CaseNumberSequence.year == year)
        .values(last_value=CaseNumberSequence.last_value + by)
        .returning(CaseNumberSequence.last_value)
    )
    return session.execute(stmt).scalar()


def reserve_numbers(session: Session, year: int, count: int = 1) -> range:
    """Reserve `count` consecutive sequence values for `year`; returns them as a range."""
    last = _increment(session, year, count)
    if last is None:
        # First number of the year. ON CONFLICT DO NOTHING: if another transaction creates
        # the row at the same moment, ours waits for it and then increments it.
        session.execute(
            insert_ignoring_duplicates(session, CaseNumberSequence).values(year=year, last_value=0)
        )
        last = _increment(session, year, count)
    return range(last - count + 1, last + 1)


def next_case_number(session: Session, year: int) -> str:
    return format_number(year, reserve_numbers(session, year, 1)[0])


def current_value(session: Session, year: int) -> int:
    value = session.execute(
        select(CaseNumberSequence.last_value).where(CaseNumberSequence.year == year)
    ).scalar()
    return value or 0
