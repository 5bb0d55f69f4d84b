"""Which rows of a roll-up table a user's scope covers: from the `Scope` and Case's `ScopeSpec`.

The tables keep, of what a scope looks at, a case's township, responsible unit and reported-on
unit. `scope_clause` (app/core/scoping.py) builds the condition over the table's columns from
the same `Scope` and the same `ScopeSpec` (place, units, the 检举控告 exclusion) as over the
cases. What a table cannot keep:
- a village (a village's users), or the unit an accusation names itself (its screeners): the
  table cannot serve that scope, and the report counts from the cases;
- the cases a unit's handler sees beyond its own unit (ScopeSpec.unit_clause: its 会审 co-unit
  cases): the table serves the rest, and those are counted from the cases, minus the ones the
  table served (nothing is counted twice).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Table, and_, false, func, not_
from sqlalchemy.sql.elements import ColumnElement, False_

from app.cases.models import Case
from app.core.scoping import Scope, ScopeSpec, exclusion_clause, scope_clause
from app.reports.rollup.tables import case_figure_month
from app.reports.rollup.triggers import FIGURE_MONTHS, Rollup


class NotKept(AttributeError):
    """The scope needs a column of the case that the table does not keep."""


class _Rows:
    """Rows `scope_clause` can scope: the given columns under a case's column names, and the
    ScopeSpec to apply; any other column it asks for raises NotKept."""

    def __init__(self, name: str, spec: ScopeSpec, columns: dict[str, Any]) -> None:
        self.__name__ = name
        self.__scope__ = spec
        self.__dict__.update(columns)

    def __getattr__(self, name: str) -> Any:
        raise NotKept(name)


def _table_columns(table: Table) -> dict[str, Any]:
    """Case's scope columns as the table keeps them. The units are stored as 0 when empty:
    NULL again here, so IS NULL / NOT IN read as they do on the cases."""
    t = table.c
    return {"township_id": t.township_id, "responsible_unit_id": func.nullif(t.unit_id, 0),
            "reported_unit_id": func.nullif(t.reported_unit_id, 0)}


def _case_columns() -> dict[str, Any]:
    return {"township_id": Case.township_id, "responsible_unit_id": Case.responsible_unit_id,
            "reported_unit_id": Case.reported_unit_id}


def on_table(scope: Scope, table: Table) -> tuple[ColumnElement | None, ColumnElement | None]:
    """The scope as (a condition over the table, a condition over the cases it leaves out —
    None when there are none), or (None, None) when the table cannot serve it."""
    spec: ScopeSpec = Case.__scope__
    kept = replace(spec, unit_clause=None)
    try:
        condition = scope_clause(_Rows(table.name, kept, _table_columns(table)), scope)
    except NotKept:
        return None, None
    if scope.everything or not scope.unit_ids or spec.unit_clause is None:
        return condition, None
    beyond = spec.unit_clause(Case, scope.unit_ids, scope)
    if isinstance(beyond, False_):
        return condition, None
    served = scope_clause(_Rows(Case.__tablename__, replace(kept, exclude=None), _case_columns()), scope)
    return condition, and_(beyond, not_(func.coalesce(served, false())), exclusion_clause(Case, scope))


def table_conditions(filters: Any, scope_condition: ColumnElement, table: Table = case_figure_month
                     ) -> list[ColumnElement]:
    """The scope and the report's township, unit and category over a roll-up table."""
    t = table.c
    return [scope_condition, *filters.narrowed(t.township_id, t.unit_id, t.category)]


@dataclass(frozen=True)
class Plan:
    """How a report reads a rollup table: its scope over the table, and the in-scope cases the
    table cannot attribute to the user (counted from the cases, None: there are none)."""

    condition: ColumnElement
    remainder: ColumnElement | None


def plan(filters: Any, rollup: Rollup | None = None) -> Plan | None:
    """How the table can serve this report (None: it cannot; count from the cases)."""
    rollup = rollup or FIGURE_MONTHS
    condition, remainder = on_table(filters.resolved_scope(), rollup.table)
    if condition is None or not rollup.is_ready():
        return None
    return Plan(condition, remainder)
