"""The monthly roll-up tables' columns: case_figure_month, case_due_month, case_status_count."""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, Integer, String, Table

TABLE = "case_figure_month"
KEYS = ("month", "township_id", "unit_id", "category", "reported_unit_id", "due_month")
DUE_KEYS = ("reply_due_month", "month", "township_id", "unit_id", "category", "reported_unit_id")
# Column names only, so that the tables exist without the figure definitions (app/models.py
# imports them with every model); `tests/reports/test_rollup.py` checks they are the counters
# the triggers keep.
COUNTERS = (
    "volume_n", "reply_rate_n", "due_reply_rate_n", "due_reply_rate_d", "closure_rate_n", "due_closure_rate_n",
    "on_time_acceptance_n", "on_time_acceptance_d", "on_time_reply_n", "on_time_reply_p",
    "on_time_completion_n", "on_time_completion_d", "on_time_completion_p", "first_time_rate_n",
    "satisfaction_rate_n", "satisfaction_rate_d", "participation_rate_n", "participation_rate_d",
    "repeat_rate_n", "skip_level_rate_n", "collective_count_n",
    "sat_satisfied", "sat_basically", "sat_unsatisfied", "sat_not_rated",
)
DUE_COUNTERS = ("reply_due", "due_reply_rate_n", "due_closure_rate_n", "on_time_reply_p")


def _place_columns() -> list[Column]:
    return [
        Column("month", Integer, primary_key=True, autoincrement=False),  # 202611: received in November 2026
        Column("township_id", Integer, primary_key=True, autoincrement=False),
        Column("unit_id", Integer, primary_key=True, autoincrement=False),  # 0: not yet assigned
        Column("category", String(16), primary_key=True),
        Column("reported_unit_id", Integer, primary_key=True, autoincrement=False),  # 0: none
    ]


case_figure_month = Table(
    TABLE, Model.metadata,
    *_place_columns(),
    Column("due_month", Integer, primary_key=True, autoincrement=False),  # open with a deadline: its month; else 0
    *(Column(name, Integer, nullable=False, server_default="0") for name in COUNTERS),
)
# Cases with a reply deadline, by the month of that deadline first: a report reads only the
# rows of this month's deadlines and later ones (a few months of cases, whatever the period),
# to take the cases not yet due out of the main table's counts. (A deadline key in the main
# table instead doubled its rows and the time of every report read from it.)
case_due_month = Table(
    "case_due_month", Model.metadata,
    Column("reply_due_month", Integer, primary_key=True, autoincrement=False),
    *_place_columns(),
    *(Column(name, Integer, nullable=False, server_default="0") for name in DUE_COUNTERS),
)

case_status_count = Table(
    "case_status_count", Model.metadata,
    Column("township_id", Integer, primary_key=True, autoincrement=False),
    Column("unit_id", Integer, primary_key=True, autoincrement=False),  # 0: not yet assigned
    Column("reported_unit_id", Integer, primary_key=True, autoincrement=False),  # 0: none
    Column("status", String(16), primary_key=True),
    Column("cases", Integer, nullable=False, server_default="0"),
)
