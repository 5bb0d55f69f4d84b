"""The demo county's saved views of the case list and a column choice, through the real rules."""

from __future__ import annotations

from sqlalchemy import select

from app.cases.list_columns import choose_columns
from app.cases.saved_views import save_view
from app.extensions import db
from app.security.models import AppUser

# (login, name, query, shared with the unit)
VIEWS = (
    ("manager", "本镇超期件", "q_due=overdue&_oc_CaseView=next_due_at&_od_CaseView=asc", True),
    ("county_manager", "集体访在办", "q_flags=collective&q_status=assigned&q_status=handling", True),
    ("clerk", "待受理", "q_status=registered", False),
    ("county_supervisor", "临期和超期待督办", "q_due=near&_oc_CaseView=next_due_at&_od_CaseView=asc", False),
)
SUPERVISOR_COLUMNS = ("number", "township", "responsible_unit", "title", "next_due_at", "days_overdue",
                      "status", "open_supervision")


def load_demo_lists() -> None:
    users = {u.username: u for u in db.session.execute(
        select(AppUser).where(AppUser.username.in_({v[0] for v in VIEWS}))).scalars()}
    for login, name, query, shared in VIEWS:
        save_view(users[login], "CaseView", name, query, shared)
    choose_columns(users["county_supervisor"].id, SUPERVISOR_COLUMNS)
