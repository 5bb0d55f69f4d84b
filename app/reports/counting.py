"""Counting the figures: one SQL aggregate per family, grouped by (period, township, unit).

Each family (cases, mediation, ledger, orders, accountability) is counted in ONE aggregate over the records of the periods, grouped by (period,
township, unit). Every figure is a ratio of two counts (or a count), and counts add up, so the
per-township, per-unit and total rows (app/reports/tables.py) are sums of those few hundred
groups — the database reads the periods' rows once, whatever the number of rows or figures.
The case figures' whole months come from the monthly tables (app/reports/rollup/) when the
user's scope can be read from them, the rest from the cases (app/reports/from_cases.py).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from app.core.clock import now as wall_clock
from app.core.scoping import scope_clause
from app.core.statements import clause_key, reused
from app.reports import rollup
from app.reports.definitions import (
    ACCOUNTABILITY_COUNT,
    ACCOUNTABILITY_KIND_FIGURES,
    CASE_FIGURES,
    LEDGER_LEVEL_1,
    LEDGER_LEVEL_2,
    LEDGER_LEVEL_3,
    ORDERS_ANSWERED,
    ORDERS_ESCALATED,
    ORDERS_OPEN,
    RESOLUTION_RATE,
    FigureDef,
)
from app.reports.from_cases import Groups, count_cases_live, sum_of
from app.reports.periods import ReportFilters, ReportPeriod, period_key, report_periods
from app.reports.values import Value


def _shape(filters: ReportFilters, periods: Mapping[str, ReportPeriod]) -> tuple[Hashable, ...]:
    """What a family's statement is built from besides its scope (see app/core/statements.py)."""
    return tuple(periods.items()), *filters.narrowing



def count_cases(filters: ReportFilters, figures: Iterable[FigureDef] = CASE_FIGURES,
                compare: bool = False, now: datetime | None = None) -> Groups:
    """The case figures, grouped by (period, township, unit).

    Periods: "current" (the filter's), "year_before" (for 同比) and, with `compare`,
    "previous" (the period just before, for the report's comparison column).

    Whole months come from the monthly figures the database keeps (app/reports/rollup/) when
    the user's scope can be read from them; odd days, and scopes it cannot serve, are counted
    from the cases. Both give the same numbers (tests/reports/test_rollup.py).
    """
    moment = now or wall_clock()
    figures = [f for f in figures if f.family == "cases"]
    periods = report_periods(filters, compare)
    groups = rollup.count_cases(filters, figures, periods, moment)
    if groups is None:
        stretches = [(key, *period.bounds) for key, period in periods.items()]
        groups = count_cases_live(filters, figures, stretches, moment)
    year_on_year(groups, figures)
    return groups


def year_on_year(groups: Groups, figures: list[FigureDef]) -> None:
    """Put each group's year-before count under its current / previous group's 同比 value.

    The year-before rows stay (their township/unit may have no current row); the roll-up adds the
    year-before count as the denominator of the current period's change.
    """
    if not any(f.kind == "change" for f in figures):
        return
    for (period, _township, _unit), values in groups.items():
        for fig in figures:
            if fig.kind == "change":
                volume = values[fig.code].numerator
                # Current-period rows count above the line, year-before rows below it.
                values[fig.code] = (
                    Value("change", volume, 0) if period != "year_before" else Value("change", 0, volume)
                )


def count_mediation(filters: ReportFilters, compare: bool = False) -> Groups:
    """化解率's counts: one query over mediation records concluded in the periods."""
    from app.extensions import db
    from app.mediation.models import MediationRecord, Outcome

    periods = report_periods(filters, compare)
    scope = scope_clause(MediationRecord, filters.resolved_scope())

    def build() -> Any:
        key, in_periods = period_key(MediationRecord.concluded_on, periods, dates=True)
        conditions = [in_periods, scope,
                      *filters.narrowed(MediationRecord.township_id, MediationRecord.org_unit_id)]
        return (
            select(
                key, MediationRecord.township_id, MediationRecord.org_unit_id,
                sum_of(MediationRecord.outcome == Outcome.SUCCESS.value),
                sum_of(MediationRecord.outcome.in_((Outcome.SUCCESS.value, Outcome.FAILED.value))),
            )
            .where(*conditions)
            .group_by(key, MediationRecord.township_id, MediationRecord.org_unit_id)
        )

    statement = reused(("mediation", *_shape(filters, periods), clause_key(scope)), build)
    return {
        (row[0], row[1], row[2]): {RESOLUTION_RATE.code: Value("rate", int(row[3]), int(row[4]))}
        for row in db.session.execute(statement)
    }


def count_ledger(filters: ReportFilters, compare: bool = False) -> Groups:
    """Ledger entries per level standing at the end of each period: one query."""
    from app.extensions import db
    from app.ledgers.models import LedgerEntry, ListLevel

    periods = report_periods(filters, compare)
    codes = {ListLevel.GENERAL.value: LEDGER_LEVEL_1.code, ListLevel.SPECIAL.value: LEDGER_LEVEL_2.code,
             ListLevel.KEY.value: LEDGER_LEVEL_3.code}
    scope = scope_clause(LedgerEntry, filters.resolved_scope())

    def build() -> Any:
        conditions = [scope, *filters.narrowed(LedgerEntry.township_id, LedgerEntry.responsible_unit_id)]
        columns = []
        for period in periods.values():
            standing = and_(LedgerEntry.found_on <= period.end,
                            or_(LedgerEntry.closed_on.is_(None), LedgerEntry.closed_on > period.end))
            level = level_on(period.end)
            columns += [sum_of(and_(standing, level == value)) for value in codes]
        return (
            select(LedgerEntry.township_id, LedgerEntry.responsible_unit_id, *columns)
            .where(*conditions)
            .group_by(LedgerEntry.township_id, LedgerEntry.responsible_unit_id)
        )

    statement = reused(("ledger", *_shape(filters, periods), clause_key(scope)), build)
    groups: Groups = {}
    for row in db.session.execute(statement):
        counts = iter(row[2:])
        for name in periods:
            groups[(name, row[0], row[1])] = {code: Value("count", int(next(counts) or 0)) for code in codes.values()}
    return groups


def level_on(day: date) -> Any:
    """A ledger entry's list level at the end of `day`: the latest change of its level history
    (ledger_level_change) made by then; before its first recorded change, the level that change
    started from (or set, for the first line), and with no history at all, its level today."""
    from app.ledgers.models import LedgerEntry, LevelChange

    end = datetime.combine(day + timedelta(days=1), time.min)
    by_then = (select(LevelChange.to_level).where(LevelChange.entry_id == LedgerEntry.id, LevelChange.changed_at < end)
               .order_by(LevelChange.changed_at.desc(), LevelChange.id.desc()).limit(1).scalar_subquery())
    first = (select(func.coalesce(LevelChange.from_level, LevelChange.to_level))
             .where(LevelChange.entry_id == LedgerEntry.id)
             .order_by(LevelChange.changed_at, LevelChange.id).limit(1).scalar_subquery())
    return func.coalesce(by_then, first, LedgerEntry.level)


def _order_township() -> Any:
    """An order's township: the addressed unit's, else the issuing supervisors' (a county
    department addressed by a township's 督查员)."""
    from app.org.models import OrgUnit
    from app.supervision.models import SupervisionOrder

    unit = select(OrgUnit.township_id).where(OrgUnit.id == SupervisionOrder.unit_id).scalar_subquery()
    return func.coalesce(unit, SupervisionOrder.issuer_township_id)


def order_conditions(filters: ReportFilters, scope: ColumnElement | None = None) -> list[ColumnElement]:
    """Scope, township and unit of supervision orders (the period is the caller's)."""
    from app.supervision.models import SupervisionOrder

    return [scope_clause(SupervisionOrder, filters.resolved_scope()) if scope is None else scope,
            *filters.narrowed(_order_township(), SupervisionOrder.unit_id)]


def count_orders(filters: ReportFilters, compare: bool = False) -> Groups:
    """Supervision orders open / answered / escalated, by the period issued: one query."""
    from app.extensions import db
    from app.supervision.models import OrderStatus, SupervisionOrder

    periods = report_periods(filters, compare)
    scope = scope_clause(SupervisionOrder, filters.resolved_scope())

    def build() -> Any:
        key, in_periods = period_key(SupervisionOrder.issued_at, periods)
        township = _order_township()
        open_statuses = (OrderStatus.ISSUED.value, OrderStatus.ANSWERED.value)
        return (
            select(
                key, township, SupervisionOrder.unit_id,
                sum_of(SupervisionOrder.status.in_(open_statuses)),
                sum_of(SupervisionOrder.answered_at.is_not(None)),
                sum_of(SupervisionOrder.status == OrderStatus.ESCALATED.value),
            )
            .where(in_periods, *order_conditions(filters, scope))
            .group_by(key, township, SupervisionOrder.unit_id)
        )

    statement = reused(("orders", *_shape(filters, periods), clause_key(scope)), build)
    return {
        (row[0], row[1], row[2]): {
            ORDERS_OPEN.code: Value("count", int(row[3])),
            ORDERS_ANSWERED.code: Value("count", int(row[4])),
            ORDERS_ESCALATED.code: Value("count", int(row[5])),
        }
        for row in db.session.execute(statement)
    }


def accountability_conditions(filters: ReportFilters, scope: ColumnElement | None = None) -> list[ColumnElement]:
    """Scope, township and unit of accountability records (the period is the caller's)."""
    from app.supervision.models import AccountabilityRecord

    return [scope_clause(AccountabilityRecord, filters.resolved_scope()) if scope is None else scope,
            *filters.narrowed(AccountabilityRecord.township_id, AccountabilityRecord.unit_id)]


def count_accountability(filters: ReportFilters, compare: bool = False) -> Groups:
    """Accountability records in total and per kind, by the day decided: one query."""
    from app.extensions import db
    from app.supervision.models import AccountabilityRecord

    periods = report_periods(filters, compare)
    scope = scope_clause(AccountabilityRecord, filters.resolved_scope())

    def build() -> Any:
        key, in_periods = period_key(AccountabilityRecord.decided_on, periods, dates=True)
        return (
            select(key, AccountabilityRecord.township_id, AccountabilityRecord.unit_id, AccountabilityRecord.kind,
                   func.count())
            .where(in_periods, *accountability_conditions(filters, scope))
            .group_by(key, AccountabilityRecord.township_id, AccountabilityRecord.unit_id,
                      AccountabilityRecord.kind)
        )

    statement = reused(("accountability", *_shape(filters, periods), clause_key(scope)), build)
    groups: Groups = {}
    for period, township, unit, kind, count in db.session.execute(statement):
        values = groups.setdefault((period, township, unit), {
            f.code: Value("count", 0) for f in (ACCOUNTABILITY_COUNT, *ACCOUNTABILITY_KIND_FIGURES)})
        values[ACCOUNTABILITY_COUNT.code] += Value("count", int(count))
        code = f"accountability_{kind}"
        if code in values:
            values[code] += Value("count", int(count))
    return groups



FAMILIES: dict[str, Callable[..., Groups]] = {
    "cases": lambda filters, figures, compare, now: count_cases(filters, figures, compare, now),
    "mediation": lambda filters, figures, compare, now: count_mediation(filters, compare),  # noqa: ARG005
    "ledger": lambda filters, figures, compare, now: count_ledger(filters, compare),  # noqa: ARG005
    "orders": lambda filters, figures, compare, now: count_orders(filters, compare),  # noqa: ARG005
    "accountability": lambda filters, figures, compare, now: count_accountability(filters, compare),  # noqa: ARG005
}


def count_groups(filters: ReportFilters, figures: Iterable[FigureDef], compare: bool = False,
                 now: datetime | None = None) -> Groups:
    """The counts of `figures` grouped by (period, township, unit): one aggregate query per family."""
    figures = list(figures)
    groups: Groups = {}
    for family in dict.fromkeys(f.family for f in figures):
        members = [f for f in figures if f.family == family]
        for key, values in FAMILIES[family](filters, members, compare, now).items():
            groups.setdefault(key, {}).update(values)
    return groups
