"""Home page: the user's work queue (待办) and the status of the cases in their area.

Anonymous visitors are sent to the login page.
"""

from __future__ import annotations

import uuid

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose
from sqlalchemy import and_, false, func, select, true
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter

from app.cases import flags, workflow
from app.cases.case_page import case_badge
from app.cases.models import Case, CaseStatus
from app.cases.workflow import queue_clause, queue_statuses
from app.core.calendar import years_to_enter
from app.core.clock import now
from app.core.paging import count_disjoint
from app.core.scoping import current_scope, disjoint_scope_parts, scope_clause
from app.deadlines.policy import DeadlinePolicy, current_policy
from app.extensions import db
from app.home.queue import other_queues
from app.reports import rollup
from app.security.access import may
from app.security.roles import RoleName

QUEUE_SIZE = 50


# Counts on the home page stop here ("1,000+"), as the lists' do at 10,000: a backlog that large
# calls for the same action either way (the lists and the supervision report give the exact
# numbers), and counting a big township's every waiting case takes seconds at 10 million.
COUNT_CAP = 1_000


def capped_count(*parts) -> int:
    """How many cases match any of the disjoint conditions `parts`, counting no further than
    COUNT_CAP (then "1,000+"). Part by part, each count is one indexed read."""
    return count_disjoint((select(Case.id).where(where) for where in parts), COUNT_CAP)


def deadline_counts(parts: list, moment, policy: DeadlinePolicy) -> tuple[int, int]:
    """(临期, 超期) among the cases matching one of the disjoint conditions `parts` (each already
    limited to statuses that carry a deadline): only rows due before the 临期 boundary are read
    (each part should let an index on next_due_at find them), each count stopping at COUNT_CAP."""
    near = capped_count(*[and_(w, flags.near_clause(moment, policy, statuses=None)) for w in parts])
    overdue = capped_count(*[and_(w, flags.overdue_clause(moment, statuses=None)) for w in parts])
    return near, overdue


def most_urgent(waiting, statuses: list[str], limit: int) -> list[int]:
    """Ids of the `limit` cases matching `waiting` with the soonest deadline (none: last), ties
    by id — i.e. ORDER BY next_due_at NULLS LAST, id LIMIT n — read status by status.

    One query over all the statuses would read every waiting case of the place and sort them
    (tens of thousands in a big township); per status, the (place, status, deadline) index
    hands them over in deadline order and each query stops after `limit`."""
    dated: list[tuple] = []
    for status in statuses:
        dated += db.session.execute(
            select(Case.next_due_at, Case.id)
            .where(Case.status == status, _given_status(waiting, status), Case.next_due_at.is_not(None))
            .order_by(Case.next_due_at, Case.id)
            .limit(limit)
        ).all()
    ids = [case_id for _, case_id in sorted(dated)[:limit]]
    if len(ids) < limit:
        undated: list[int] = []
        for status in statuses:
            undated += db.session.execute(
                select(Case.id)
                .where(Case.status == status, _given_status(waiting, status), Case.next_due_at.is_(None))
                .order_by(Case.id)
                .limit(limit - len(ids))
            ).scalars().all()
        ids += sorted(undated)[:limit - len(ids)]
    return ids


def _given_status(clause, status: str):
    """`clause` knowing the case's status: its tests of the status (IN a list, = a value) become
    true or false. PostgreSQL would otherwise count `status = x AND status IN (…)` as two
    filters, guess a few hundred rows where there are 100,000, and sort them all."""
    column = Case.__table__.c.status

    def replace(element):
        if isinstance(element, BinaryExpression) and getattr(element.left, "name", None) == "status" \
                and getattr(element.left, "table", None) is column.table:
            value = element.right.effective_value if isinstance(element.right, BindParameter) else None
            if element.operator is operators.in_op and isinstance(value, (list, tuple)):
                return true() if status in value else false()
            if element.operator is operators.eq and isinstance(value, str):
                return true() if status == value else false()
        return None

    return visitors.replacement_traverse(clause, {}, replace)


def holidays_to_enter(user, today) -> list[int]:
    """Years whose holidays an administrator must enter now (the warning on their home page)."""
    if RoleName.ADMIN not in user.role_names:
        return []
    return years_to_enter(today, current_policy().calendar)


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
        policy = current_policy()
        waiting = queue_clause(user)
        queue_total = capped_count(waiting)
        queue_near, queue_overdue = deadline_counts([waiting], moment, policy)
        ids = most_urgent(waiting, queue_statuses(user), QUEUE_SIZE)
        loaded = {c.id: c for c in db.session.execute(select(Case).where(Case.id.in_(ids))).scalars()}
        queue = [loaded[i] for i in ids if i in loaded]
        rows = [(c, *case_badge(c, moment)) for c in queue]
        # 当场办结 awaiting a leader: approved from the queue in one click.
        quick = {c.id for c in queue if c.on_the_spot and c.replied_at is None
                 and workflow.refusal(workflow.STEPS["approve_at_window"], c, user, now=moment) is None}

        counts = rollup.status_counts(current_scope())
        if counts is None:  # a scope the counts table does not serve (a village, co-units)
            counts = dict(db.session.execute(
                select(Case.status, func.count()).where(scope_clause(Case)).group_by(Case.status)
            ).all())
        status_counts = [(s, counts.get(s.value, 0)) for s in CaseStatus]
        open_cases = Case.status.in_(flags.DEADLINE_STATUSES)
        area_near, area_overdue = deadline_counts(
            [and_(part, open_cases) for part in disjoint_scope_parts(Case)], moment, policy
        )
        return self.render_template(
            self.index_template,
            status_counts=status_counts,
            total=sum(counts.values()),
            queue=rows,
            quick=quick,
            token=uuid.uuid4().hex,
            queue_total=queue_total,
            queue_near=queue_near,
            queue_overdue=queue_overdue,
            area_near=area_near,
            area_overdue=area_overdue,
            queue_size=QUEUE_SIZE,
            today=moment.date(),
            other_queues=other_queues(user),
            holiday_years=holidays_to_enter(user, moment.date()),
            # The figure cards and charts load from the dashboard's JSON (not on the page's
            # critical path: the queue shows at once, the year's aggregates follow).
            dashboard_url=(url_for("DashboardView.data")
                           if may("can_list", "DashboardView") else None),
        )
