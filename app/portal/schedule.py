"""The leaders' reception schedule (领导接访安排) on the public page.

The schedule itself belongs to the leaders area (`app/leaders/`, built separately). The portal
only reads "the upcoming published slots" from a function named by the setting
``PORTAL_RECEPTION_SOURCE`` ("module:function", default
``app.leaders.schedule:upcoming_published_slots``). While that module does not exist the page
says there is no published schedule. Each slot may be an object or a dict; the fields read are
listed in `_FIELDS` (first name found wins), so the two areas need not agree on more than that.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app

log = logging.getLogger(__name__)

DEFAULT_SOURCE = "app.leaders.schedule:upcoming_published_slots"
_FIELDS = {
    "starts_at": ("starts_at", "start", "start_at", "begins_at", "day", "date"),
    "ends_at": ("ends_at", "end", "end_at"),
    "leader": ("leader_name", "leader", "name"),
    "position": ("leader_title", "position", "title"),
    "place": ("place", "location", "venue"),
    "subjects": ("subjects", "topics", "subject"),
}


@dataclass(frozen=True)
class Reception:
    starts_at: datetime | date | None
    ends_at: datetime | None
    leader: str
    position: str
    place: str
    subjects: str


def _source() -> Callable[..., Any] | None:
    path = current_app.config.get("PORTAL_RECEPTION_SOURCE") or DEFAULT_SOURCE
    module_name, _, name = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None  # the leaders area is not installed (yet)
    return getattr(module, name, None)


def _field(slot: Any, key: str) -> Any:
    for name in _FIELDS[key]:
        value = slot.get(name) if isinstance(slot, dict) else getattr(slot, name, None)
        if value not in (None, ""):
            return value
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple | set):
        return "、".join(_text(v) for v in value if v)
    name = getattr(value, "name", None)
    if isinstance(name, str):  # a related object (a leader, a subject)
        return name
    return str(value)


def upcoming_receptions(limit: int = 60) -> list[Reception]:
    """The published, upcoming receptions, soonest first; [] when there are none (or no leaders area)."""
    source = _source()
    if source is None:
        return []
    try:
        slots = list(source())[:limit]
    except Exception:  # the public page must not fail because another area did
        log.exception("Reading the reception schedule failed")
        return []
    receptions = []
    for slot in slots:
        ends = _field(slot, "ends_at")
        receptions.append(
            Reception(
                starts_at=_field(slot, "starts_at"),
                ends_at=ends if isinstance(ends, datetime) else None,
                leader=_text(_field(slot, "leader")),
                position=_text(_field(slot, "position")),
                place=_text(_field(slot, "place")),
                subjects=_text(_field(slot, "subjects")),
            )
        )
    return receptions
