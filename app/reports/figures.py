"""The figures managers read (DOMAIN.md "The figures managers read"): one function per figure.

What the rest of the code calls. Every figure is defined once, in app/reports/definitions.py
(`FigureDef.definition`: what is counted above and below the line and which dates count,
shown as tooltips and footnotes); the dashboard, the rates report, the bulletins and their
exports call the functions here, and nothing computes a figure its own way. A function takes
`ReportFilters(period, township_id, unit_id, category)` — scoped to the user like every list —
and returns a `Value` ("90.7%", or "—" when nothing is below the line), or {row: Value} `by`
township or unit.

The reports package, dependencies one way:
  periods (ReportPeriod, ReportFilters) ← values (Value) ← definitions (FigureDef, the figures)
  ← from_cases (counting from the cases) ← rollup/ (the monthly tables: tables, triggers, scope,
  reading) ← counting (one aggregate per family) ← tables (FigureTable: per township, unit,
  total) ← charts, figures (this module) ← the pages (views, overdue, accountability).
This module also names the vocabulary the pages use (imported from those modules).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.reports.charts import satisfaction_breakdown, volume_by, volume_by_month, volumes_by
from app.reports.definitions import (
    ACCOUNTABILITY_COUNT,
    ACCOUNTABILITY_FIGURES,
    ACCOUNTABILITY_KIND_FIGURES,
    BY_CODE,
    CASE_FIGURES,
    CLOSURE_RATE,
    COLLECTIVE_COUNT,
    DUE_CLOSURE_RATE,
    DUE_REPLY_RATE,
    FIGURES,
    FIRST_TIME_RATE,
    LEDGER_FIGURES,
    LEDGER_LEVEL_1,
    LEDGER_LEVEL_2,
    LEDGER_LEVEL_3,
    MEDIATION_FIGURES,
    ON_TIME_ACCEPTANCE,
    ON_TIME_COMPLETION,
    ON_TIME_REPLY,
    ORDER_FIGURES,
    ORDERS_ANSWERED,
    ORDERS_ESCALATED,
    ORDERS_OPEN,
    PARTICIPATION_RATE,
    REPEAT_RATE,
    REPLY_RATE,
    RESOLUTION_RATE,
    SATISFACTION_DEFINITION,
    SATISFACTION_RATE,
    SKIP_LEVEL_RATE,
    VOLUME,
    VOLUME_BY_MONTH_DEFINITION,
    VOLUME_YOY,
    FigureDef,
)
from app.reports.periods import ReportFilters, ReportPeriod
from app.reports.tables import TOTAL, FigureTable, counts, figure, figure_table, figure_tables
from app.reports.values import DASH, Value, percent

__all__ = [
    "satisfaction_breakdown",
    "volume_by",
    "volume_by_month",
    "volumes_by",
    "ACCOUNTABILITY_COUNT",
    "ACCOUNTABILITY_FIGURES",
    "ACCOUNTABILITY_KIND_FIGURES",
    "BY_CODE",
    "CASE_FIGURES",
    "CLOSURE_RATE",
    "COLLECTIVE_COUNT",
    "DUE_CLOSURE_RATE",
    "DUE_REPLY_RATE",
    "FIGURES",
    "FIRST_TIME_RATE",
    "LEDGER_FIGURES",
    "LEDGER_LEVEL_1",
    "LEDGER_LEVEL_2",
    "LEDGER_LEVEL_3",
    "MEDIATION_FIGURES",
    "ON_TIME_ACCEPTANCE",
    "ON_TIME_COMPLETION",
    "ON_TIME_REPLY",
    "ORDERS_ANSWERED",
    "ORDERS_ESCALATED",
    "ORDERS_OPEN",
    "ORDER_FIGURES",
    "PARTICIPATION_RATE",
    "REPEAT_RATE",
    "REPLY_RATE",
    "RESOLUTION_RATE",
    "SATISFACTION_DEFINITION",
    "SATISFACTION_RATE",
    "SKIP_LEVEL_RATE",
    "VOLUME",
    "VOLUME_BY_MONTH_DEFINITION",
    "VOLUME_YOY",
    "FigureDef",
    "ReportFilters",
    "ReportPeriod",
    "TOTAL",
    "FigureTable",
    "figure",
    "figure_table",
    "figure_tables",
    "DASH",
    "Value",
    "percent",
]


def reply_rate(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """回复率: cases answered ÷ cases received in the period (REPLY_RATE.definition)."""
    return figure(REPLY_RATE, filters, by, now)


def closure_rate(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """结案率: cases closed ÷ cases received in the period (CLOSURE_RATE.definition)."""
    return figure(CLOSURE_RATE, filters, by, now)


def satisfaction_rate(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """满意率: satisfied or basically satisfied ÷ rated (SATISFACTION_RATE.definition)."""
    return figure(SATISFACTION_RATE, filters, by, now)


def participation_rate(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """参评率: rated ÷ answered (PARTICIPATION_RATE.definition)."""
    return figure(PARTICIPATION_RATE, filters, by, now)


def resolution_rate(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """化解率: mediations succeeded ÷ concluded (RESOLUTION_RATE.definition)."""
    return figure(RESOLUTION_RATE, filters, by, now)


def on_time_acceptance_rate(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """按期受理率: accepted within the deadline ÷ decided or overdue (ON_TIME_ACCEPTANCE.definition)."""
    return figure(ON_TIME_ACCEPTANCE, filters, by, now)


def on_time_completion_rate(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """按期办结率: closed by the due date ÷ come due or closed (ON_TIME_COMPLETION.definition)."""
    return figure(ON_TIME_COMPLETION, filters, by, now)


def first_time_rate(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """一次性办结率: closed with no redo/transfer/review ÷ closed (FIRST_TIME_RATE.definition)."""
    return figure(FIRST_TIME_RATE, filters, by, now)


def repeat_rate(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """重复信访率: repeat petitions ÷ received (REPEAT_RATE.definition)."""
    return figure(REPEAT_RATE, filters, by, now)


def skip_level_rate(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """越级率: skipped levels ÷ received (SKIP_LEVEL_RATE.definition)."""
    return figure(SKIP_LEVEL_RATE, filters, by, now)


def collective_count(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """集体访 count: cases of 5 or more people received (COLLECTIVE_COUNT.definition)."""
    return figure(COLLECTIVE_COUNT, filters, by, now)


def volume(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """信访量: cases received (VOLUME.definition)."""
    return figure(VOLUME, filters, by, now)


def volume_year_on_year(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """信访量同比: change against the same period a year earlier (VOLUME_YOY.definition)."""
    return figure(VOLUME_YOY, filters, by, now)


def ledger_counts(filters: ReportFilters, by: str | None = None) -> dict[str, Any]:
    """Ledger counts per level (LEDGER_LEVEL_1/2/3.definition): {code: Value or {row: Value}}."""
    table = figure_table(filters, LEDGER_FIGURES, by=by)
    if by is None:
        return {f.code: table.value(TOTAL, f.code) for f in LEDGER_FIGURES}
    return {f.code: {row: table.value(row, f.code) for row in table.rows()} for f in LEDGER_FIGURES}


def supervision_orders(filters: ReportFilters, by: str | None = None) -> dict[str, Any]:
    """Orders open / answered / escalated (ORDERS_*.definition): {code: Value or {row: Value}}."""
    return counts(filters, ORDER_FIGURES, by)


def accountability_counts(filters: ReportFilters, by: str | None = None) -> dict[str, Any]:
    """Accountability records in total and per kind (ACCOUNTABILITY_*.definition)."""
    return counts(filters, (ACCOUNTABILITY_COUNT, *ACCOUNTABILITY_KIND_FIGURES), by)
