"""超期 and 临期 as SQL: the conditions every list, queue, report and the supervision pages use.

`Case.next_due_at` is the earliest deadline still running of what the case waits for
(`workflow.pending_deadlines`: acceptance, the unit's receipt, a complex case's plan, the reply,
the review answer; a paused clock does not run unless it had already run out). A case is
超期 once that moment has passed and 临期 when it falls before the policy's `near_boundary`
(so many calendar or working days, the administrator's choice) — the same rule as
`DeadlinePolicy.urgency` on a loaded case, so a badge and the count beside it agree.

Each clause starts with the open statuses, so that the (place or unit, status, next_due_at)
indexes serve it; a caller whose condition already lists the statuses passes `statuses=None`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_
from sqlalchemy.sql.elements import ColumnElement

from app.cases.models import OPEN_STATUSES, Case
from app.deadlines.policy import DeadlinePolicy, current_policy

DEADLINE_STATUSES: tuple[str, ...] = tuple(sorted(s.value for s in OPEN_STATUSES))


def _with_statuses(statuses: Iterable[str] | None, *conditions: ColumnElement) -> ColumnElement:
    if statuses is None:
        return and_(*conditions)
    return and_(Case.status.in_(list(statuses)), *conditions)


def overdue_clause(now: datetime, statuses: Iterable[str] | None = DEADLINE_STATUSES) -> ColumnElement:
    """Open cases past the deadline they wait on (超期)."""
    return _with_statuses(statuses, Case.next_due_at < now)


def near_clause(now: datetime, policy: DeadlinePolicy | None = None,
                statuses: Iterable[str] | None = DEADLINE_STATUSES) -> ColumnElement:
    """Open cases whose deadline has not passed but falls within the warning threshold (临期)."""
    boundary = (policy or current_policy()).near_boundary(now)
    return _with_statuses(statuses, Case.next_due_at >= now, Case.next_due_at < boundary)


def due_clause(now: datetime, policy: DeadlinePolicy | None = None,
               statuses: Iterable[str] | None = DEADLINE_STATUSES) -> ColumnElement:
    """Open cases overdue or due soon (超期 or 临期): what the supervision pages watch."""
    boundary = (policy or current_policy()).near_boundary(now)
    return _with_statuses(statuses, Case.next_due_at < boundary)


def days_overdue(due: datetime | None, moment: datetime) -> int | None:
    """超期天数: calendar days past the deadline's day (0 on the day itself); negative: days left.
    `moment` is the county's wall-clock time (`clock.now()`), like the stored deadline."""
    if due is None:
        return None
    return (moment.date() - due.date()).days
