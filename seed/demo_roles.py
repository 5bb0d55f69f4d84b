"""A role made by 城关镇's 乡镇管理员 in the role editor (issue 20), through the editor's own rules:
村级信访信息员 — village staff who read their township's petitions, ledger and sweeps and keep the
duty log, without petitioners' full ID numbers and phones (all within the administrator's own grants).
And the village staff holding it, imported by the same administrator from an Excel sheet through the
user import's own rules (app/security/user_import.py): a finished import whose initial passwords were
handed out, the users not signed in yet (no password of theirs is known to the demo)."""

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
    db.session.flush()
    load_demo_user_import(actor)


# (姓名, 用户名, 所属机构, 角色, 手机) as the sheet had them.
IMPORTED_USERS = [
    ("韦秀兰", "wei_xl", "城关镇/红旗村", "村级信访信息员", "13907710101"),
    ("覃志明", "qin_zm", "城关镇/团结村", "村级信访信息员", "13907710102"),
    ("欧阳春梅", "ouyang_cm", "城关镇/前进村", "村级信访信息员", "13907710103"),
]


def load_demo_user_import(actor: AppUser) -> None:
    from flask_babel import force_locale, gettext

    from app.core.clock import now
    from app.core.imports import ImportContext, ImportJob, JobStatus, ParsedRow, save_rows
    from app.org.scoping import scope_for_user
    from app.security.user_import import USER_IMPORT

    moment = now()
    job = ImportJob(spec=USER_IMPORT.name, status=JobStatus.DONE.value, filename="村级信息员.xlsx", size=9000,
                    total_rows=len(IMPORTED_USERS), processed_rows=len(IMPORTED_USERS),
                    imported_count=len(IMPORTED_USERS), created_by_id=actor.id, org_unit_id=actor.org_unit_id,
                    created_at=moment, started_at=moment, finished_at=moment, heartbeat_at=moment,
                    result_taken_at=moment, attempts=1)
    with force_locale("zh"):
        job.message = gettext("%(n)d records imported, %(s)d rows skipped as already imported.",
                              n=len(IMPORTED_USERS), s=0)
    db.session.add(job)
    db.session.flush()
    ctx = ImportContext(scope=scope_for_user(actor), user_id=actor.id, org_unit_id=actor.org_unit_id,
                        session=db.session, job_id=job.id)
    USER_IMPORT.prepare(ctx)
    rows = []
    for number, (name, login, unit, roles, mobile) in enumerate(IMPORTED_USERS, start=2):
        values = {"name": name, "username": login, "org_unit": unit, "roles": roles.split("、"),
                  "mobile": mobile, "email": None}
        problems = USER_IMPORT.check_row(values, ctx)
        if problems:
            raise RuntimeError(f"demo user import row {number}: {[str(p) for p in problems]}")
        rows.append(ParsedRow(number, values, USER_IMPORT.fingerprint(values)))
    save_rows(USER_IMPORT, rows, ctx)
