"""Grants as people read them: permission groups × access levels, with names and explanations.

A role is a set of (group, level) grants. A *group* is the `permission_group` the views of one
area register under (app/security/roles.py); a *level* is a named set of Flask-AppBuilder
permissions (查看 = can_list/can_show/menu_access, 导出 = can_export …). Built-in roles' grants
are ROLE_GRANTS read back into levels (`levels_of`); administrator-made roles keep theirs in
`role_grant` rows. Either way the role's FAB permissions are derived from its grants by the one
derivation (`AppSecurityManager.grant_permission_pairs`), so every `has_access` / `access.may`
check follows, and the permission cache (app.core.refcache) sees the change on the next request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from app.security import roles as R


@dataclass(frozen=True)
class Level:
    key: str
    label: Any
    permissions: frozenset[str]
    # Offered only to these groups (empty: to every group whose views have the permissions).
    groups: frozenset[str] = frozenset()

    def fits(self, group: str | None) -> bool:
        return not self.groups or group is None or group in self.groups


# In the order the editor shows them. A group offers the levels its views have permissions for.
LEVELS: tuple[Level, ...] = (
    Level("view", _l("View"), R.READ),
    Level("add", _l("Create"), R.CREATE),
    Level("edit", _l("Edit"), R.EDIT),
    Level("delete", _l("Delete"), R.DELETE),
    Level("export", _l("Export"), R.EXPORT),
    Level("import", _l("Import"), R.IMPORT),
    Level("step", _l("Handle (workflow steps)"), R.STEP),
    Level("bulk_assign", _l("Assign in bulk"), frozenset({"bulk_assign"})),
    Level("note", _l("Add work notes"), R.LEDGER_NOTE),
    Level("resolve", _l("Mark resolved"), R.LEDGER_RESOLVE),
    Level("risk_level", _l("Change risk level"), R.LEDGER_LEVEL),
    Level("closeout_apply", _l("Apply for close-out"), R.CLOSEOUT_APPLY),
    Level("closeout_decide", _l("Decide close-out"), R.CLOSEOUT_DECIDE),
    Level("file", _l("File sweep reports"), R.SWEEP_FILE),
    Level("holding_steps", _l("Work on held cases"), R.HOLDING_STEPS),
    Level("issue", _l("Issue supervision orders"), R.ISSUE),
    Level("answer", _l("Answer supervision orders"), R.ANSWER),
    Level("decide", _l("Accept, escalate or approve"), R.DECIDE),
    Level("add_task", _l("Give follow-up tasks"), R.ADD_TASK),
    Level("complete_task", _l("Report tasks done"), R.COMPLETE_TASK),
    Level("publish", _l("Publish letters"), frozenset({"can_publish"})),
    Level("accounts", _l("Reset passwords, unlock, sign out"),
          frozenset({"resetpasswords", "can_this_form_get", "can_this_form_post", "unlock", "end_sessions"})),
    Level("personal_data", _l("Handle petitioners' personal data"), R.PERSONAL_DATA),
    # 当场办结: the one-form page is opened and used by the same grant (app/cases/window_view.py).
    Level("window", _l("Close simple matters at the window"), R.WINDOW, frozenset({"on_the_spot"})),
)
LEVEL_BY_KEY = {level.key: level for level in LEVELS}


@dataclass(frozen=True)
class GroupInfo:
    label: Any
    explanation: Any
    # Only a 系统管理员 grants these (用户管理/系统管理).
    reserved: bool = False


GROUPS: dict[str, GroupInfo] = {
    "home": GroupInfo(_l("Home page"), _l("The start page with one's own work")),
    "cases": GroupInfo(_l("Petition cases"), _l("Petition cases: register, assign, handle and reply")),
    "practices": GroupInfo(_l("Case practices"),
                           _l("A case's agents (信访代理), consultation meetings (民情征询会), expert opinions "
                              "(专家研判) and contingency plans (预案)")),
    "case_import": GroupInfo(_l("Petition import"), _l("Import petitions from Excel sheets")),
    "dictionaries": GroupInfo(_l("Dictionaries"), _l("Subjects and other lists the forms choose from")),
    "org": GroupInfo(_l("Org units"), _l("The county's townships, villages and departments")),
    "ledgers": GroupInfo(_l("Ledger entries"), _l("Dispute ledger entries, their notes, resolution and close-out")),
    "ledger_import": GroupInfo(_l("Ledger import"), _l("Import ledger entries from Excel sheets")),
    "sweeps": GroupInfo(_l("Sweeps"), _l("Dispute sweeps of villages and their reports")),
    "risk_periods": GroupInfo(_l("Risk periods"),
                              _l("风险期: periods with a tighter sweep cadence, and those history proposes")),
    "risk": GroupInfo(_l("Risk assessments"), _l("Social stability risk assessments")),
    "mediation": GroupInfo(_l("Mediation"), _l("Mediation committees, mediators and mediation records")),
    "duty": GroupInfo(_l("24-hour duty"), _l("Duty shifts of the unit")),
    "duty_log": GroupInfo(_l("Duty log"), _l("Calls and events taken on duty")),
    "duty_roster": GroupInfo(_l("Duty roster"), _l("Who is on duty in the coming days")),
    "leaders": GroupInfo(_l("Leader list"), _l("The list of leaders and their posts")),
    "holdings": GroupInfo(_l("Case holding"), _l("Leaders holding cases (包案) and their duties")),
    "receptions": GroupInfo(_l("Leader receptions"), _l("Leaders' reception days and the cases received")),
    "schedule": GroupInfo(_l("Reception schedule"), _l("The published reception schedule")),
    "reception_rota": GroupInfo(_l("Reception rota"),
                                _l("接访轮值: the leaders' rotation at the reception hall and the slots it publishes")),
    "leader_score": GroupInfo(_l("Leader scores"), _l("How leaders' case work is scored")),
    "overdue": GroupInfo(_l("Overdue watch"), _l("Cases near or past their deadlines")),
    "supervision": GroupInfo(_l("Supervision orders"), _l("督办单: issue, answer, accept or escalate")),
    "meetings": GroupInfo(_l("Joint meetings"), _l("Joint meetings and their follow-up tasks")),
    "accountability": GroupInfo(_l("Accountability"), _l("Accountability records")),
    "dashboard": GroupInfo(_l("Dashboard"), _l("Figures of one's area at a glance")),
    "reports": GroupInfo(_l("Reports"), _l("Reports and bulletins")),
    "knowledge": GroupInfo(_l("Policy knowledge base"),
                           _l("Policies and regulations, answered questions and reply templates, and inserting "
                              "a template into a reply")),
    "portal_publish": GroupInfo(_l("Letter publishing"), _l("Choose answered mailbox letters for the public page")),
    "fund": GroupInfo(_l("Hard-case fund"), _l("Applications to the hard-case fund and payments")),
    "fund_years": GroupInfo(_l("Fund years"), _l("The fund's yearly budgets")),
    "fund_report": GroupInfo(_l("Fund report"), _l("What the fund paid, by township")),
    "on_the_spot": GroupInfo(_l("Closing at the window"), _l("当场办结: register, answer and close a simple matter in one form")),
    "my_cases": GroupInfo(_l("My cases"), _l("The cases the user holds as 首办责任人")),
    "workload": GroupInfo(_l("Handlers' workload"), _l("Open cases per handler of the unit, and reassigning them")),
    "personal_data": GroupInfo(
        _l("Petitioners' personal data"),
        _l("Full ID numbers and phones where the user handles the record, and searching by them; "
           "without it they are masked"),
    ),
    "users": GroupInfo(_l("User administration"), _l("Users of one's area: create, edit, passwords"), True),
    "user_import": GroupInfo(_l("User import"), _l("Create the users of one's area in bulk from Excel sheets"), True),
    "roles": GroupInfo(_l("Role administration"), _l("Roles and their grants"), True),
}
# Groups of the 系统管理员 alone (system administration): never offered to other roles.
SYSTEM_GROUP_LABEL = _l("System administration")


def group_label(group: str) -> str:
    info = GROUPS.get(group)
    return str(info.label) if info else str(SYSTEM_GROUP_LABEL)


def is_reserved(group: str) -> bool:
    info = GROUPS.get(group)
    return info is None or info.reserved


def levels_of(permissions: Iterable[str], group: str | None = None) -> frozenset[str]:
    """The level keys whose permissions `permissions` contains (ROLE_GRANTS read back), among
    those `group` offers."""
    held = frozenset(permissions)
    return frozenset(level.key for level in LEVELS if level.permissions <= held and level.fits(group))


def permissions_of(levels: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for key in levels:
        level = LEVEL_BY_KEY.get(key)
        if level is not None:
            out |= level.permissions
    return frozenset(out)


Grants = Mapping[str, frozenset[str]]  # group → level keys


def built_in_grants(role_name: str) -> dict[str, frozenset[str]]:
    """A built-in role's grants in levels, from ROLE_GRANTS."""
    return {group: levels_of(perms, group) for group, perms in R.ROLE_GRANTS.get(role_name, {}).items()}


def as_permissions(grants: Grants) -> dict[str, frozenset[str]]:
    """group → FAB permission names, the form the derivation reads."""
    return {group: permissions_of(levels) for group, levels in grants.items() if levels}


def grant_pairs(grants: Grants) -> frozenset[tuple[str, str]]:
    return frozenset((group, level) for group, levels in grants.items() for level in levels)


# --- what the running app offers ----------------------------------------------------------------


@dataclass(frozen=True)
class GroupRow:
    """One row of the editor's matrix."""

    group: str
    label: str
    explanation: str
    areas: tuple[str, ...]
    levels: tuple[Level, ...]
    reserved: bool


def catalogue(appbuilder: Any) -> list[GroupRow]:
    """Every group the app's views use (that roles other than 系统管理员 may hold), with the levels
    its views offer and the menu entries ("areas") it opens."""
    views: dict[str, list[Any]] = {}
    for view in appbuilder.baseviews:
        group = getattr(view, "permission_group", "")
        if group in GROUPS:
            views.setdefault(group, []).append(view)
    areas: dict[str, list[str]] = {}
    for category in appbuilder.menu.get_list():
        for item in (category.childs or [category]):
            view = getattr(item, "baseview", None)
            group = getattr(view, "permission_group", "") if view is not None else ""
            if group in GROUPS and item.name != "-":
                label = str(item.label)
                if category.childs:
                    label = f"{category.label} › {label}"
                areas.setdefault(group, []).append(label)
    rows = []
    for group, info in GROUPS.items():
        if group not in views:
            continue
        offered = set()
        for view in views[group]:
            offered.update(view.base_permissions or ())
        levels = tuple(level for level in LEVELS
                       if level.fits(group) and (level.permissions - {"menu_access"}) & offered)
        if levels:
            rows.append(GroupRow(group, str(info.label), str(info.explanation),
                                 tuple(areas.get(group, ())), levels, info.reserved))
    return rows
