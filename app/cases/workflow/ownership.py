"""首办责任人: the named person inside the responsible unit who holds a case.

A unit's 承办人 confirms receipt and names who takes the case (themselves by default); a leader
of the case's place or unit names or changes that person later (`name_handler`, with history).
A unit that names nobody works as before: its queue is the unit's (`queue.queue_clause`). The
named person is told (`app.notifications.events`), and finds the case in 我的信访件; the unit's
leader reads the workload per person (`workload`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from app.cases import flags
from app.cases.models import Case
from app.cases.workflow.base import HANDLER, actor_name
from app.core.scoping import scope_clause
from app.deadlines.policy import DeadlinePolicy
from app.org.scoping import scope_for_user


def unit_handlers(session: Session, unit_id: int | None) -> list[Any]:
    """The active 承办人 of a unit, by name: who may be named 首办责任人 of its cases."""
    from app.security.models import AppUser

    if unit_id is None:
        return []
    users = session.execute(
        select(AppUser).where(AppUser.org_unit_id == unit_id, AppUser.active.is_(True))
        .order_by(AppUser.last_name, AppUser.first_name, AppUser.id)
    ).scalars().all()
    return [u for u in users if HANDLER in {r.name for r in u.roles}]


def handler_problem(case: Case, user: Any) -> str | None:
    """Why `user` cannot be the case's 首办责任人, or None."""
    roles = {r.name for r in getattr(user, "roles", ())}
    if not getattr(user, "active", False) or HANDLER not in roles:
        return gettext("The responsible handler must be an active 承办人.")
    if case.responsible_unit_id is None or user.org_unit_id != case.responsible_unit_id:
        return gettext("The responsible handler must belong to the unit handling the case.")
    return None


def set_handler(case: Case, user: Any, details: dict[str, Any], field: str = "handler") -> None:
    """Name `user` the case's 首办责任人 (checked), noting the change in the step's details."""
    from app.core.errors import DomainError

    problem = handler_problem(case, user)
    if problem:
        raise DomainError(problem, field=field)
    previous = case.handler
    if previous is not None and previous.id != user.id:
        details["previous_handler"] = actor_name(previous)
    case.handler_id = user.id
    case.handler = user
    details["handler"] = actor_name(user)


def my_cases_clause(user: Any) -> ColumnElement:
    """我的信访件: the open cases `user` holds as 首办责任人, within their scope (a case moved
    out of their area or reporting on their unit is not theirs to see)."""
    scope = scope_for_user(user)
    return and_(Case.handler_id == user.id, Case.status.in_(flags.DEADLINE_STATUSES),
                scope_clause(Case, scope))


@dataclass
class Load:
    """One person's open cases in the workload view (None: the unit's cases nobody holds)."""

    user: Any
    open: int
    near: int
    overdue: int

    @property
    def name(self) -> str:
        return actor_name(self.user) if self.user is not None else ""


def workload(session: Session, unit_id: int, viewer: Any, now: datetime, policy: DeadlinePolicy) -> list[Load]:
    """Open cases per 承办人 of the unit, with 临期 and 超期 counts by the deadline rules every
    list uses (`flags`), as far as `viewer` may see them; the last row counts those nobody holds."""
    scope = scope_for_user(viewer)
    base = and_(Case.responsible_unit_id == unit_id, Case.status.in_(flags.DEADLINE_STATUSES),
                scope_clause(Case, scope))
    near = flags.near_clause(now, policy, statuses=None)
    overdue = flags.overdue_clause(now, statuses=None)
    rows = session.execute(
        select(Case.handler_id, func.count(),
               func.sum(_as_int(near)), func.sum(_as_int(overdue)))
        .where(base).group_by(Case.handler_id)
    ).all()
    counts = {handler_id: (n, int(a or 0), int(b or 0)) for handler_id, n, a, b in rows}
    people = unit_handlers(session, unit_id)
    found = [Load(u, *counts.pop(u.id, (0, 0, 0))) for u in people]
    # Someone named who has since left the unit still holds cases: shown, to be reassigned.
    from app.security.models import AppUser

    for handler_id in sorted(k for k in counts if k is not None):
        found.append(Load(session.get(AppUser, handler_id), *counts.pop(handler_id)))
    found.append(Load(None, *counts.get(None, (0, 0, 0))))
    return found


def _as_int(condition: ColumnElement) -> Any:
    from sqlalchemy import case as sql_case

    return sql_case((condition, 1), else_=0)
