"""What the leaders' pages offer to choose from: the leaders a user may keep records for, a date argument."""

from __future__ import annotations

from datetime import date

from flask import request
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import or_, select

from app.core.scoping import current_actor, scope_clause
from app.extensions import db
from app.leaders.models import (
    Leader,
)
from app.security.roles import RoleName


class ActableLeaderFilter(BaseFilter):
    """Leaders the user may keep records for (rules.may_act_for, as SQL): their own record; for
    office staff, the leaders of their area; everyone for the administrator."""

    name = "actable leaders"

    def apply(self, query, value):  # noqa: ARG002
        user = current_actor()
        roles = {r.name for r in getattr(user, "roles", [])}
        query = query.filter(Leader.active.is_(True))
        if RoleName.ADMIN in roles:
            return query.order_by(Leader.sort_order, Leader.id)
        own = Leader.user_id == getattr(user, "id", -1)
        if roles - {RoleName.LEADER}:
            query = query.filter(or_(own, scope_clause(Leader)))
        else:
            query = query.filter(own)
        return query.order_by(Leader.sort_order, Leader.id)


def leader_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(Leader.id, Leader.name).where(scope_clause(Leader)).order_by(Leader.sort_order, Leader.id)
    ).all()
    return [(str(i), n) for i, n in rows]


def date_arg(name: str, default: date) -> date:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return default
