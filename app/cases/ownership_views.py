"""首办责任人 pages: 我的信访件 (a handler's own cases) and the unit's workload (a leader's view,
open cases per person with 临期/超期, reassigning through the case's `name_handler` step)."""

from __future__ import annotations

import uuid

from flask import g, request
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from app.cases import flags, workflow
from app.cases.case_page import case_badge
from app.cases.models import Case
from app.core.clock import now
from app.core.pages import ReadPage
from app.core.scoping import current_scope, scope_clause
from app.deadlines.policy import current_policy
from app.extensions import db
from app.home.views import QUEUE_SIZE, capped_count, deadline_counts, most_urgent
from app.org.models import RESPONSIBLE_KINDS, OrgUnit
from app.security.access import may


class MyCasesView(ReadPage):
    """我的信访件: the open cases the user holds as 首办责任人, most urgent first, flagged
    临期/超期 by the same rules (and the same queries) as the work queue on the home page."""

    permission_group = "my_cases"
    route_base = "/cases/mine"

    @expose("/")
    @has_access
    def index(self):
        moment = now()
        mine = workflow.my_cases_clause(g.user)
        total = capped_count(mine)
        near, overdue = deadline_counts([mine], moment, current_policy())
        ids = most_urgent(mine, list(flags.DEADLINE_STATUSES), QUEUE_SIZE)
        loaded = {c.id: c for c in db.session.execute(select(Case).where(Case.id.in_(ids))).scalars()}
        rows = [(loaded[i], *case_badge(loaded[i], moment)) for i in ids if i in loaded]
        return self.render_template(
            "xf/cases/my_cases.html", title=gettext("My cases"), rows=rows, total=total,
            near=near, overdue=overdue, queue_size=QUEUE_SIZE,
        )


def workload_units(user) -> list[OrgUnit]:
    """The handling units whose cases the leader acts on (their place's, or their own unit)."""
    scope = current_scope()
    units = db.session.execute(
        select(OrgUnit).where(OrgUnit.active.is_(True), OrgUnit.kind.in_(sorted(k.value for k in RESPONSIBLE_KINDS)),
                              scope_clause(OrgUnit, scope))
        .order_by(OrgUnit.path, OrgUnit.id)
    ).scalars().all()
    own = getattr(user, "org_unit_id", None)
    return sorted(units, key=lambda u: (u.id != own, u.path or "", u.id))


class WorkloadView(ReadPage):
    """The unit's workload: open cases per 承办人 with their 临期/超期 counts, and the cases of
    one person (or of nobody) with the 首办责任人 to change, for the unit's leader."""

    permission_group = "workload"
    route_base = "/cases/workload"

    @expose("/")
    @has_access
    def index(self):
        units = workload_units(g.user)
        unit = _chosen(units, request.args.get("unit"))
        moment = now()
        policy = current_policy()
        loads = workflow.workload(db.session, unit.id, g.user, moment, policy) if unit else []
        person = request.args.get("person")
        cases, people = [], []
        if unit is not None and person is not None:
            holder = None if person in ("", "none") else _int(person)
            where = and_(
                Case.responsible_unit_id == unit.id, Case.status.in_(flags.DEADLINE_STATUSES),
                Case.handler_id.is_(None) if holder is None else Case.handler_id == holder,
                scope_clause(Case),
            )
            ids = most_urgent(where, list(flags.DEADLINE_STATUSES), QUEUE_SIZE)
            loaded = {c.id: c for c in db.session.execute(select(Case).where(Case.id.in_(ids))).scalars()}
            may_step = may("can_step", "CaseView")
            step = workflow.STEPS["name_handler"]
            for i in ids:
                case = loaded.get(i)
                if case is not None:
                    allowed = may_step and workflow.refusal(step, case, g.user, now=moment) is None
                    cases.append((case, *case_badge(case, moment), allowed))
            people = [(u.id, workflow.actor_name(u)) for u in workflow.unit_handlers(db.session, unit.id)]
        return self.render_template(
            "xf/cases/workload.html", title=gettext("Workload"), units=units, unit=unit, loads=loads,
            person=person, cases=cases, people=people, token=uuid.uuid4().hex,
        )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _chosen(units: list[OrgUnit], wanted) -> OrgUnit | None:
    wanted_id = _int(wanted)
    for unit in units:
        if unit.id == wanted_id:
            return unit
    return units[0] if units else None


def register_views(appbuilder) -> None:
    from app.core.menu import add_menu_view

    add_menu_view(appbuilder, MyCasesView, "My cases", _l("My cases"), "cases", "fa-user-check")
    add_menu_view(appbuilder, WorkloadView, "Workload", _l("Workload"), "cases", "fa-users")
