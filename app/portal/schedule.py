"""The leaders' reception schedule (领导接访安排) on the public page.

The schedule belongs to the leaders area (`app/leaders/`); the portal reads it in ONE place,
`published_slots()`. With no slot published the page still tells the public where and when the
petition bureau receives visitors every working day.

A slot is read by attribute, with the field names of the leaders area's `PublicSlot`
(`app.leaders.rules`): day, start_time, end_time, place, subjects, leader_name, leader_post,
township. Everything shown is public by nature (a leader's name and post in a 接访 schedule).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.org.models import OrgKind, OrgUnit

log = logging.getLogger(__name__)

# How far ahead the public page looks.
DAYS_AHEAD = 28


def published_slots(days: int = DAYS_AHEAD) -> list[Any]:
    """The leaders area's published, upcoming slots, soonest first (unscoped: it is public)."""
    from app.leaders.rules import upcoming_slots

    return list(upcoming_slots(db.session, days=days))


@dataclass(frozen=True)
class Reception:
    day: date
    hours: str
    leader: str
    post: str
    place: str
    subjects: str


def _text(slot: Any, name: str) -> str:
    value = getattr(slot, name, None)
    return "" if value is None else str(value).strip()


def upcoming_receptions(limit: int = 120) -> list[tuple[date, list[Reception]]]:
    """The published receptions grouped by day, soonest first; [] when there are none."""
    try:
        slots = published_slots()[:limit]
    except Exception:  # the public page must not fail because another area did
        log.exception("Reading the reception schedule failed")
        return []
    receptions = []
    for slot in slots:
        start, end = _text(slot, "start_time"), _text(slot, "end_time")
        place = _text(slot, "place")
        township = _text(slot, "township")
        if township and township not in place:
            place = f"{township} · {place}" if place else township
        receptions.append(Reception(
            day=slot.day,
            hours=f"{start}–{end}" if start and end else start,
            leader=_text(slot, "leader_name"),
            post=_text(slot, "leader_post"),
            place=place,
            subjects=_text(slot, "subjects"),
        ))
    return [(day, list(items)) for day, items in groupby(receptions, key=lambda r: r.day)]


@dataclass(frozen=True)
class Office:
    """The petition bureau's everyday reception: what the page says with or without a schedule."""

    name: str
    hours: str
    address: str
    phone: str


def petition_office() -> Office:
    name = db.session.execute(
        select(OrgUnit.name).where(OrgUnit.kind == OrgKind.BUREAU.value, OrgUnit.active.is_(True))
        .order_by(OrgUnit.sort_order, OrgUnit.id).limit(1)
    ).scalar_one_or_none()
    config = current_app.config
    return Office(
        name=name or "",
        hours=config.get("PORTAL_OFFICE_HOURS", ""),
        address=config.get("PORTAL_OFFICE_ADDRESS", ""),
        phone=config.get("PORTAL_OFFICE_PHONE", ""),
    )
