"""Home page: the user's work queue (待办) and the status of the cases in their area.

Anonymous visitors are sent to the login page.
"""

from __future__ import annotations

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose
from sqlalchemy import case, func, select

from app.cases.case_page import urgency_badge
from app.cases.models import Case, CaseStatus
from app.cases.workflow import queue_clause
from app.core.calendar import near_boundary
from app.core.models import now
from app.core.scoping import scope_clause
from app.deadlines.policy import current_policy
from app.extensions import db

QUEUE_SIZE = 50


def deadline_counts(where, moment, warn_days: int) -> tuple[int, int, int]:
    """(total, 临期, 超期) of the cases matching `where`, in one query."""
    boundary = near_boundary(moment, warn_days)
    total, near, overdue = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case(((Case.next_due_at >= moment) & (Case.next_due_at < boundary), 1), else_=0)), 0),
            func.coalesce(func.sum(case((Case.next_due_at < moment, 1), else_=0)), 0),
        ).where(where)
    ).one()
    return int(total), int(near), int(overdue)


class HomeView(IndexView):
    route_base = ""
    default_view = "index"
    index_template = "xf/home.html"

    @expose("/")
    def index(self):
        user = g.user
        if user is None or not user.is_authenticated:
            return redirect(url_for(self.appbuilder.sm.auth_view.endpoint + ".login"))
        moment = now()
        warn_days = current_policy().warn_days
        waiting = queue_clause(user)
        queue_total, queue_near, queue_overdue = deadline_counts(waiting, moment, warn_days)
        queue = db.session.execute(
            select(Case)
            .where(waiting)
            .order_by(Case.next_due_at.asc().nulls_last(), Case.received_at)
            .limit(QUEUE_SIZE)
        ).scalars().all()
        rows = [(c, *urgency_badge(c.next_due_at, moment)) for c in queue]

        area = scope_clause(Case)
        counts = dict(
            db.session.execute(
                select(Case.status, func.count()).where(area).group_by(Case.status)
            ).all()
        )
        status_counts = [(s, counts.get(s.value, 0)) for s in CaseStatus]
        _, area_near, area_overdue = deadline_counts(area, moment, warn_days)
        return self.render_template(
            self.index_template,
            status_counts=status_counts,
            total=sum(counts.values()),
            queue=rows,
            queue_total=queue_total,
            queue_near=queue_near,
            queue_overdue=queue_overdue,
            area_near=area_near,
            area_overdue=area_overdue,
            queue_size=QUEUE_SIZE,
            today=moment.date(),
        )
