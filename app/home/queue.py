"""More of the work queue (待办) than cases: other areas add what awaits a user's action.

The home page lists the cases waiting for the user (`workflow.queue_clause`); beside them, any
area may register a *queue provider* — a function of the user returning a `QueueSection` (or
None when it has nothing for this user): supervision orders a unit must answer, follow-up tasks
of a joint meeting, answers a supervisor must review … Providers are registered by name from
the area's `register_views` (registering again replaces: apps are built many times in tests).

A provider must be cheap: one count and one short query (`limit`), each served by an index.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.core import clock

QUEUE_LIMIT = 20


@dataclass(frozen=True)
class QueueEntry:
    """One item: what it is (a number, a kind), what it is about, where to act, by when."""

    label: str
    title: str
    url: str
    due: date | datetime | None = None
    detail: str = ""

    @property
    def urgency(self) -> str:
        """"overdue" past the due day, "" otherwise (the badge)."""
        if self.due is None:
            return ""
        day = self.due.date() if isinstance(self.due, datetime) else self.due
        return "overdue" if day < clock.today() else ""


@dataclass
class QueueSection:
    key: str
    title: str
    entries: list[QueueEntry] = field(default_factory=list)
    total: int = 0
    list_url: str = ""


QueueProvider = Callable[[Any], QueueSection | None]
QUEUE_PROVIDERS: dict[str, QueueProvider] = {}


def register_queue_provider(name: str, provider: QueueProvider) -> None:
    QUEUE_PROVIDERS[name] = provider


def other_queues(user: Any) -> list[QueueSection]:
    """The sections of every provider that has something for `user`, in registration order."""
    sections = []
    for provider in QUEUE_PROVIDERS.values():
        section = provider(user)
        if section is not None and section.total:
            sections.append(section)
    return sections
