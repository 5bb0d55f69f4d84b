"""Home page: the user's work queue (待办) and the status of the cases in their area.

Anonymous visitors are sent to the login page.
"""

from __future__ import annotations

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose
from sqlalchemy import case, func, select

from app.cases.case_page import urgency_badge
from app.cases.models import OPEN_STATUSES, Case, CaseStatus
from app.cases.workflow import queue_clause, scope_and
from app.core.calendar import near_boundary
from app.core.models import now
from app.core.scoping import current_scope, scope_clause
from app.deadlines.policy import current_policy
from app.extensions import db
from app.home.queue import other_queues

QUEUE_SIZE = 50


# Statuses in which a case can carry a deadline (next_due_at): the index-friendly filter.
DEADLINE_STATUSES = sorted(s.value for s in OPEN_STATUSES)


def deadline_counts(where, moment, warn_days: int) -> tuple[int, int]:
    """(临期, 超期) among the cases matching `where`: only rows due before the 临期 boundary
    are read (the where clause should let an index on next_due_at find them)."""
    boundary = near_boundary(moment, warn_days)
    near, overdue = db.session.execute(
        select(
            func.coalesce(func.sum(case((Case.next_due_at >= moment, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Case.next_due_at < moment, 1), else_=0)), 0),
        ).where(where, Case.next_due_at < boundary)
    ).one()
    return int(near), int(overdue)


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
        queue_total = db.session.execute(select(func.count()).where(waiting)).scalar() or 0
        queue_near, queue_overdue = deadline_counts(waiting, moment, warn_days)
        # The ids first (the queue indexes cover status, deadline and id), then those rows only.
        ids = db.session.execute(
            select(Case.id)
            .where(waiting)
            .order_by(Case.next_due_at.asc().nulls_last(), Case.id)
            .limit(QUEUE_SIZE)
        ).scalars().all()
        loaded = {c.id: c for c in db.session.execute(select(Case).where(Case.id.in_(ids))).scalars()}
        queue = [loaded[i] for i in ids if i in loaded]
        rows = [(c, *urgency_badge(c.next_due_at, moment)) for c in queue]

        area = scope_clause(Case)
        counts = dict(
            db.session.execute(
                select(Case.status, func.count()).where(area).group_by(Case.status)
            ).all()
        )
        status_counts = [(s, counts.get(s.value, 0)) for s in CaseStatus]
        area_near, area_overdue = deadline_counts(
            scope_and(current_scope(), Case.status.in_(DEADLINE_STATUSES)), moment, warn_days
        )
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
            other_queues=other_queues(user),
            # The figure cards and charts load from the dashboard's JSON (not on the page's
            # critical path: the queue shows at once, the year's aggregates follow).
            dashboard_url=(url_for("DashboardView.data")
                           if self.appbuilder.sm.has_access("can_list", "DashboardView") else None),
        )
