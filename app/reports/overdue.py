"""The 督查督办 report's case lists: overdue and 临期 cases by unit, units ranked by overdue
count, and cases returned for redo or transferred more than 3 times.

Overdue (超期) and due soon (临期) mean exactly what the case lists and the home page mean
(`app/cases/flags.py`: past the earliest running deadline the case waits for; within the
policy's warning threshold), so the counts here equal the 超期/临期 filters of the case list. Each table is one function returning
(headers, rows) — the page and the export show the same rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from app.cases import flags
from app.cases.flags import days_overdue
from app.cases.models import Case, CaseStatus
from app.cases.references import shown_case_numbers
from app.cases.workflow import scope_and
from app.core.calendar import Urgency
from app.core.scoping import Scope, current_scope
from app.deadlines.policy import DeadlinePolicy
from app.org.models import OrgUnit
from app.reports.periods import ReportPeriod

DEADLINE_STATUSES = list(flags.DEADLINE_STATUSES)

OVERDUE_DEFINITION = _l(
    "Overdue (超期): an open case past a deadline it waits for (acceptance, the unit's receipt, a "
    "complex case's handling plan, reply, review answer). Due soon (临期): the deadline falls "
    "within the warning threshold of the deadline rules (calendar or working days). A paused "
    "case is neither, unless it was already overdue when the clock was paused. Days overdue "
    "are calendar days past the deadline's day."
)
REPEATED_DEFINITION = _l(
    "Cases returned for redo (重办: by the leader's review or after an unsatisfied follow-up) or "
    "transferred to another unit (转办) more than 3 times in all — what 12345 platforms escalate."
)


@dataclass(frozen=True)
class WatchFilters:
    """The supervision report's filters; the period (of receipt) is optional."""

    scope: Scope
    period: ReportPeriod | None = None
    township_id: int | None = None
    unit_id: int | None = None
    category: str | None = None

    def conditions(self) -> list[ColumnElement]:
        conditions: list[ColumnElement] = []
        if self.period is not None:
            low, high = self.period.bounds
            conditions += [Case.received_at >= low, Case.received_at < high]
        if self.township_id:
            conditions.append(Case.township_id == self.township_id)
        if self.unit_id:
            conditions.append(Case.responsible_unit_id == self.unit_id)
        if self.category:
            conditions.append(Case.category == self.category)
        return conditions


def _deadline_where(filters: WatchFilters, moment: datetime, policy: DeadlinePolicy) -> ColumnElement:
    # The status list inside each part of the scope: the (place/unit, status, next_due_at)
    # indexes find the few urgent rows of a million (see workflow.scope_and).
    return and_(
        scope_and(filters.scope, Case.status.in_(DEADLINE_STATUSES)),
        flags.due_clause(moment, policy, statuses=None),
        *filters.conditions(),
    )


UNIT_HEADERS = (_l("Rank"), _l("Responsible unit"), _l("Overdue"), _l("Due soon"), _l("Most days overdue"))


def units_ranked(filters: WatchFilters, moment: datetime, policy: DeadlinePolicy) -> list[list[Any]]:
    """Units by overdue count (then due soon), with the oldest overdue deadline's days."""
    from app.extensions import db

    unit = aliased(OrgUnit)
    overdue = func.coalesce(func.sum(case((flags.overdue_clause(moment, statuses=None), 1), else_=0)), 0)
    near = func.coalesce(func.sum(case((flags.near_clause(moment, policy, statuses=None), 1), else_=0)), 0)
    statement = (
        select(Case.responsible_unit_id, func.max(unit.name), overdue, near, func.min(Case.next_due_at))
        .select_from(Case)
        .outerjoin(unit, unit.id == Case.responsible_unit_id)
        .where(_deadline_where(filters, moment, policy))
        .group_by(Case.responsible_unit_id)
        .order_by(overdue.desc(), near.desc(), func.max(unit.name))
    )
    rows = []
    for rank, (_unit_id, name, n_overdue, n_near, oldest) in enumerate(db.session.execute(statement), start=1):
        worst = days_overdue(oldest, moment) if n_overdue else None
        rows.append([rank, name or gettext("Not yet assigned"), int(n_overdue), int(n_near),
                     worst if worst is not None and worst > 0 else ""])
    return rows


CASE_HEADERS = (_l("Case number"), _l("Title"), _l("Township"), _l("Responsible unit"), _l("Status"),
                _l("Deadline"), _l("Urgency"), _l("Days overdue"))


def _case_select(where: ColumnElement) -> Select:
    town, unit = aliased(OrgUnit), aliased(OrgUnit)
    return (
        select(Case.id, Case.number, Case.title, town.name, unit.name, Case.status, Case.next_due_at,
               Case.redo_count, Case.transfer_count)
        .select_from(Case)
        .outerjoin(town, town.id == Case.township_id)
        .outerjoin(unit, unit.id == Case.responsible_unit_id)
        .where(where)
    )


def overdue_cases(filters: WatchFilters, moment: datetime, policy: DeadlinePolicy, limit: int | None = None,
                  offset: int = 0) -> Iterator[tuple[int, list[Any]]]:
    """(case id, row) of overdue and due-soon cases, the longest overdue first."""
    from app.extensions import db

    statement = _case_select(_deadline_where(filters, moment, policy)).order_by(Case.next_due_at, Case.id)
    if limit is not None:
        statement = statement.limit(limit).offset(offset)
    overdue_label, near_label = gettext("Overdue"), gettext("Due soon")
    statuses = dict(CaseStatus.choices())
    result = db.session.connection().execution_options(stream_results=True, yield_per=2000).execute(statement)
    for case_id, number, title, town, unit, status, due, _redo, _transfer in result:
        late = days_overdue(due, moment)
        yield case_id, [number, title, town or "", unit or gettext("Not yet assigned"), statuses.get(status, status),
                        due.strftime("%Y-%m-%d") if due else "",
                        overdue_label if policy.urgency(due, moment) == Urgency.OVERDUE else near_label,
                        late if late is not None and late > 0 else ""]


REPEATED_HEADERS = (_l("Case number"), _l("Title"), _l("Township"), _l("Responsible unit"), _l("Status"),
                    _l("Returned for redo"), _l("Transferred"))


def _repeated_where(filters: WatchFilters) -> ColumnElement:
    from app.core.scoping import scope_clause

    return and_(
        Case.reworked_often,
        scope_clause(Case, filters.scope),
        *filters.conditions(),
    )


def repeated_cases_count(filters: WatchFilters) -> int:
    from app.extensions import db

    return db.session.execute(select(func.count()).select_from(Case).where(_repeated_where(filters))).scalar() or 0


def repeated_cases(filters: WatchFilters, limit: int | None = None, offset: int = 0) -> Iterator[tuple[int, list[Any]]]:
    """(case id, row) of cases redone or transferred more than 3 times, most times first."""
    from app.extensions import db

    statement = _case_select(_repeated_where(filters)).order_by(
        (Case.redo_count + Case.transfer_count).desc(), Case.id)
    if limit is not None:
        statement = statement.limit(limit).offset(offset)
    statuses = dict(CaseStatus.choices())
    for case_id, number, title, town, unit, status, _due, redo, transfer in db.session.execute(statement):
        yield case_id, [number, title, town or "", unit or gettext("Not yet assigned"),
                        statuses.get(status, status), int(redo), int(transfer)]


# --- open supervision orders -------------------------------------------------------------------------

ORDER_HEADERS = (_l("Order number"), _l("Kind of order"), _l("Addressed unit"), _l("Status"), _l("Issued on"),
                 _l("Answer due"), _l("Days overdue"), _l("Escalation level"), _l("Cases and entries"))
OPEN_ORDERS_DEFINITION = _l(
    "Supervision orders awaiting the unit's written answer or the supervisor's review, the oldest "
    "answer deadline first. With dates, orders issued in that period; township of the addressed "
    "unit (else of the issuing supervisors). Days overdue: calendar days past the answer deadline. "
    "Escalation level: 1 催办, 2 督办 or 挂牌督办, 3 约谈 — what 约谈 leads to is accountability."
)
# (code, label, definition) of the 督查督办 report's counts: its footnotes, and README's table.
SUPERVISION_DEFINITIONS = (
    ("overdue_near", _l("Overdue and due soon"), OVERDUE_DEFINITION),
    ("repeated", _l("Redone or transferred"), REPEATED_DEFINITION),
    ("open_orders", _l("Open supervision orders"), OPEN_ORDERS_DEFINITION),
)
# The escalation chain's steps (app/supervision/orders.py ESCALATION): how far an order has gone.
ESCALATION_LEVELS = {"urge": 1, "supervise": 2, "listed": 2, "talk": 3}


def _orders_where(filters: WatchFilters) -> list[ColumnElement]:
    from app.reports.counting import order_conditions
    from app.reports.periods import ReportFilters
    from app.supervision.models import OrderStatus, SupervisionOrder

    report = ReportFilters(filters.period or ReportPeriod(datetime.min.date(), datetime.max.date()),
                           township_id=filters.township_id, unit_id=filters.unit_id, scope=filters.scope)
    conditions = [SupervisionOrder.status.in_((OrderStatus.ISSUED.value, OrderStatus.ANSWERED.value)),
                  *order_conditions(report)]
    if filters.period is not None:
        low, high = filters.period.bounds
        conditions += [SupervisionOrder.issued_at >= low, SupervisionOrder.issued_at < high]
    return conditions


def open_orders_count(filters: WatchFilters) -> int:
    from app.extensions import db
    from app.supervision.models import SupervisionOrder

    return db.session.execute(
        select(func.count()).select_from(SupervisionOrder).where(*_orders_where(filters))).scalar() or 0


def open_orders(filters: WatchFilters, moment: datetime, limit: int | None = None,
                offset: int = 0) -> Iterator[tuple[int, list[Any]]]:
    """(order id, row) of open supervision orders, the oldest answer deadline first (one query)."""
    from app.extensions import db
    from app.supervision.models import OrderKind, OrderStatus, SupervisionOrder

    unit = aliased(OrgUnit)
    statement = (
        select(SupervisionOrder.id, SupervisionOrder.kind, unit.name, SupervisionOrder.status,
               SupervisionOrder.issued_at, SupervisionOrder.due_on, SupervisionOrder.escalated_from_id,
               SupervisionOrder.targets_summary)
        .select_from(SupervisionOrder)
        .outerjoin(unit, unit.id == SupervisionOrder.unit_id)
        .where(*_orders_where(filters))
        .order_by(SupervisionOrder.due_on, SupervisionOrder.id)
    )
    if limit is not None:
        statement = statement.limit(limit).offset(offset)
    today = moment.date()
    viewer = current_scope()
    for order_id, kind, unit_name, status, issued, due, escalated_from, targets in db.session.execute(statement):
        late = (today - due).days if due is not None else 0
        level = gettext("Level %(level)d", level=ESCALATION_LEVELS.get(kind, 1))
        if escalated_from:
            level = gettext("%(level)s, escalated from DB%(number)06d", level=level, number=escalated_from)
        yield order_id, [f"DB{order_id:06d}", OrderKind.label_of(kind), unit_name or "",
                         OrderStatus.label_of(status), issued.strftime("%Y-%m-%d") if issued else "",
                         due.isoformat() if due else "", late if late > 0 else "", level,
                         shown_case_numbers(targets, viewer)]
