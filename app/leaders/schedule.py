"""The leaders' reception schedule as the public portal publishes it (领导接访日安排).

A county publishes who receives petitioners, when, where and on what matters (the 专家门诊
idea), so that people come on the right day to the right leader. Only what is published:
the planned receptions marked "published", of active leaders — no petitioner, no internal
note, no user account. Needs an application context (it reads through `db.session`).

    from app.leaders.schedule import public_schedule
    public_schedule(days=30)   # → [{"date": "2026-11-28", "start_time": "08:30", …}, …]
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.extensions import db
from app.leaders.rules import upcoming_slots


def public_schedule(days: int = 30, start: date | None = None) -> list[dict[str, Any]]:
    """Published receptions from `start` (default today) for `days` days, in time order.

    Each item: date (ISO string), weekday (0 = Monday … 6 = Sunday), weekend (bool), start_time,
    end_time ("HH:MM"), place, subjects, leader_name, leader_title (the post, e.g. 副县长),
    leader_rank (县级/科级 in the request's language), township (empty for a county-level place).
    Plain JSON-ready values; `days` is clamped to 1–366.
    """
    days = max(1, min(int(days), 366))
    return [
        {
            "date": slot.day.isoformat(),
            "weekday": slot.day.weekday(),
            "weekend": slot.weekend,
            "start_time": slot.start_time,
            "end_time": slot.end_time,
            "place": slot.place,
            "subjects": slot.subjects,
            "leader_name": slot.leader_name,
            "leader_title": slot.leader_post,
            "leader_rank": str(slot.leader_rank),
            "township": slot.township,
        }
        for slot in upcoming_slots(db.session, start, days)
    ]
