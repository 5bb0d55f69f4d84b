"""The monthly roll-up tables: case figures by month, kept up to date by the database itself.

A year's rates report or the dashboard would otherwise read every case received that year (a
county of a million cases: a third of a million rows, seconds). Instead, `case_figure_month`
holds, for every calendar month a case was received in and every (township, responsible unit,
category, reported-on unit), how many of those cases meet each condition the case figures
count (app/reports/definitions.py: every numerator and denominator). A report adds up a few
hundred such rows.

Kept up to date by triggers on petition_case (SQLite and PostgreSQL), so every write counts:
the forms, the workflow, the API, the imports, a SQL console. The triggers' SQL is generated
from the figure definitions — nothing is defined twice — and `ensure_case_rollup`, run after
every migration run and after a bulk load, (re)installs them and rebuilds the table whenever
they are missing or their definition changed.

What is not stored:
- conditions that depend on the moment the report is made (a deadline passing): the figures
  give them as `pending(now)`. The acceptance deadline's is counted from the cases (only cases
  still awaiting acceptance: a few, on the status index). Open cases past their handling deadline
  are stored per month of that deadline (`due_month`), and the cases with a reply deadline in
  `case_due_month` per month of it (到期回复率, 到期结案率, 按期答复率's waiting cases): the
  months before the current one come from the tables, the current month's from the cases;
- the odd days of a period that does not start or end on a month boundary (counted from the
  cases);
- what a scope holds beyond the place, the responsible unit and the reported-on unit: a unit's
  handler reads the unit's cases here and only its 会审 co-unit cases from the cases
  (`scope.on_table`); a village's reports count everything from the cases.
Both ways give the same numbers; tests/reports/test_rollup.py compares them.

The same machinery (`Rollup`) keeps `case_status_count`, the home page's status cards.

The package, dependencies one way: `tables` (the columns; app/models.py imports them) ←
`triggers` (the SQL that keeps them, generated from the definitions) ← `scope` (a user's scope
over a table) ← `reading` (what the reports and the home page read). Callers use the names below.
"""

from app.reports.rollup.reading import (
    DIMENSIONS,
    count_cases,
    status_counts,
    volume_by,
    volume_by_month,
    volumes_by,
)
from app.reports.rollup.scope import Plan, on_table, plan
from app.reports.rollup.tables import (
    COUNTERS,
    DUE_COUNTERS,
    DUE_KEYS,
    KEYS,
    case_due_month,
    case_figure_month,
    case_status_count,
)
from app.reports.rollup.triggers import (
    DUE,
    FIGURE_MONTHS,
    ROLLUPS,
    STATUSES,
    Rollup,
    check,
    counter_names,
    drop_case_rollup_triggers,
    due_counter_names,
    ensure_case_rollup,
    is_ready,
)

__all__ = [
    "COUNTERS", "DIMENSIONS", "DUE", "DUE_COUNTERS", "DUE_KEYS", "FIGURE_MONTHS", "KEYS", "ROLLUPS",
    "STATUSES", "Plan", "Rollup", "case_due_month", "case_figure_month", "case_status_count", "check",
    "count_cases", "counter_names", "drop_case_rollup_triggers", "due_counter_names", "ensure_case_rollup",
    "is_ready", "on_table", "plan", "status_counts", "volume_by", "volume_by_month", "volumes_by",
]
