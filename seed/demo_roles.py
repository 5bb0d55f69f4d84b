"""A role made by 城关镇's 乡镇管理员 in the role editor (issue 20), through the editor's own rules:
村级信访信息员 — village staff who read their township's petitions, ledger and sweeps and keep the
duty log, without petitioners' full ID numbers and phones (all within the administrator's own grants)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.security.models import AppUser
from app.security.role_rules import write_role

NAME = "村级信访信息员"
GRANTS = {
    "cases": frozenset({"view"}),
    "practices": frozenset({"view"}),
    "knowledge": frozenset({"view"}),
    "ledgers": frozenset({"view"}),
    "sweeps": frozenset({"view"}),
    "duty_log": frozenset({"view", "add", "edit"}),
    "mediation": frozenset({"view"}),
    "duty_roster": frozenset({"view"}),
    "schedule": frozenset({"view"}),
}


def load_demo_roles() -> None:
    actor = db.session.execute(select(AppUser).where(AppUser.username == "xz_admin")).scalars().one()
    write_role(db.session, actor, None, name=NAME,
               description="村干部了解本镇信访和矛盾纠纷情况，登记值班记录",
               grants=GRANTS)
