"""The roles and what each may do — the one declarative definition, synchronised at start-up.

Permissions are named by *view groups* rather than scattered strings: each area registers its
views under a group name (`register_view_group`), and a role is a mapping from group to an
access level. `sync_roles()` writes exactly this into Flask-AppBuilder's role tables, so the
role list in the admin UI always shows the truth and nobody edits it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l


class RoleName:
    ADMIN = "系统管理员"
    TOWNSHIP_ADMIN = "乡镇管理员"
    CLERK = "登记员"
    HANDLER = "承办人"
    LEADER = "领导"
    SUPERVISOR = "督查员"
    MANAGER = "管理者"

    ALL = (ADMIN, TOWNSHIP_ADMIN, CLERK, HANDLER, LEADER, SUPERVISOR, MANAGER)
    # Roles a 乡镇管理员 may grant inside their township.
    GRANTABLE_BY_TOWNSHIP_ADMIN = (CLERK, HANDLER, LEADER, SUPERVISOR, MANAGER)


ROLE_DESCRIPTIONS = {
    RoleName.ADMIN: _l("County IT / petition bureau administrator: org tree, users, rules"),
    RoleName.TOWNSHIP_ADMIN: _l("Manages users and role grants inside one township"),
    RoleName.CLERK: _l("Registers petitions, sweeps and mediation records"),
    RoleName.HANDLER: _l("Handles cases assigned to their unit"),
    RoleName.LEADER: _l("Reads and instructs, approves extensions and replies, takes cases"),
    RoleName.SUPERVISOR: _l("Watches deadlines, issues supervision orders and accountability"),
    RoleName.MANAGER: _l("Reads dashboards and reports, exports lists"),
}


# Access levels: sets of Flask-AppBuilder permission names on a view.
READ = frozenset({"can_list", "can_show", "menu_access"})
EXPORT = frozenset({"can_export"})
CREATE = frozenset({"can_add"})
EDIT = frozenset({"can_edit"})
DELETE = frozenset({"can_delete"})
WRITE = READ | CREATE | EDIT
FULL = WRITE | DELETE
# Taking workflow steps on the case page (which steps: app/cases/workflow/ decides by role).
STEP = frozenset({"can_step"})
IMPORT = frozenset({"can_import", "menu_access"})
# Workflow steps on a ledger entry (methods of LedgerEntryView) and filing sweep reports.
LEDGER_NOTE = frozenset({"can_add_note"})
LEDGER_RESOLVE = frozenset({"can_resolve"})
LEDGER_LEVEL = frozenset({"can_change_level"})
CLOSEOUT_APPLY = frozenset({"can_apply_closeout"})
CLOSEOUT_DECIDE = frozenset({"can_decide_closeout"})
SWEEP_FILE = frozenset({"can_file"})
# 办理信访人个人信息: full ID numbers and phones where the user handles the record (and in their
# exports), and searching by them (DOMAIN.md "Privacy"); a grant on the "personal_data" group.
PERSONAL_DATA = frozenset({"can_handle_personal_data"})
# 当场办结: its one page registers (can_add) and is in the menu.
WINDOW = frozenset({"can_add", "menu_access"})
# Leaders' work: a holding's duties, notes and end (methods of HoldingView).
HOLDING_STEPS = frozenset({"can_tick", "can_note", "can_end"})
# Supervision orders: issue (also the overdue list's bulk action), answer, accept or escalate.
ISSUE = frozenset({"can_issue", "issue_order"})
ANSWER = frozenset({"can_answer"})
DECIDE = frozenset({"can_decide"})
# Joint meetings: give follow-up tasks; report them done.
ADD_TASK = frozenset({"can_add_task"})
COMPLETE_TASK = frozenset({"can_complete_task"})
# 专项资金: a county leader approves or refuses an application (rules.may_decide says which leaders).
FUND_DECIDE = frozenset({"can_decide"})
# 信件选登: choosing answered mailbox letters for the public page.
PUBLISH = READ | frozenset({"can_publish"})


@dataclass
class ViewGroup:
    """A named set of views that roles are granted together (e.g. "cases", "org_admin")."""

    name: str
    views: set[str] = field(default_factory=set)
    menus: set[str] = field(default_factory=set)


VIEW_GROUPS: dict[str, ViewGroup] = {}


def register_view_group(group: str, *view_names: str, menus: tuple[str, ...] = ()) -> None:
    """Record that `view_names` (FAB class permission names) belong to `group`."""
    entry = VIEW_GROUPS.setdefault(group, ViewGroup(group))
    entry.views.update(view_names)
    entry.menus.update(menus)


# role → group → permissions. A permission not in a view's own base_permissions is ignored,
# so READ on a view without can_show simply grants can_list. Action permissions (FAB names
# them without the can_ prefix, e.g. "muldelete") are listed explicitly where granted.
ROLE_GRANTS: dict[str, dict[str, frozenset[str]]] = {
    RoleName.TOWNSHIP_ADMIN: {
        "home": READ,
        # The policy knowledge base is read by everyone; the administrator (or a role made with
        # the grant, e.g. the county office's) keeps it. A case's practice records ("practices")
        # follow what each role holds on the case itself.
        "knowledge": READ,
        "users": WRITE | frozenset(
            {"resetpasswords", "can_this_form_get", "can_this_form_post", "unlock", "end_sessions"}
        ),
        # 批量导入用户: the township's users from an Excel sheet (app/security/user_import.py).
        "user_import": IMPORT,
        "org": READ,
        "cases": READ,
        "practices": READ,
        "dictionaries": READ,
        "ledgers": READ,
        "sweeps": READ,
        "risk": READ,
        "mediation": READ,
        # 24小时值班: the township keeps its roster and duty log.
        "duty": FULL,
        "duty_log": WRITE,
        "duty_roster": READ,
        "leaders": WRITE,
        "holdings": READ,
        "receptions": READ,
        "schedule": READ,
        # 角色管理: roles of the township, within the administrator's own grants.
        "roles": FULL,
    },
    RoleName.CLERK: {
        "home": READ,
        "knowledge": READ,
        "org": READ,
        "cases": WRITE | EXPORT | STEP | frozenset({"bulk_assign"}),
        "practices": WRITE | EXPORT,
        # 当场办结: register, answer and close a simple matter in one form.
        "on_the_spot": WINDOW,
        "dictionaries": READ,
        "ledgers": WRITE | EXPORT | LEDGER_NOTE | LEDGER_RESOLVE,
        "ledger_import": IMPORT,
        "case_import": IMPORT,
        "sweeps": READ | EXPORT | SWEEP_FILE,
        "risk": WRITE | EXPORT,
        "mediation": WRITE | EXPORT,
        "duty": FULL | EXPORT,
        "duty_log": WRITE | EXPORT,
        "duty_roster": READ,
        "leaders": READ,
        "receptions": WRITE | EXPORT,
        "schedule": READ,
        "dashboard": READ,
        # Choosing answered mailbox letters for the public page (信件选登).
        "portal_publish": PUBLISH,
        # Townships apply to the hard-case fund for their cases and record what is paid out.
        "fund": WRITE | EXPORT,
        "personal_data": PERSONAL_DATA,
    },
    RoleName.HANDLER: {
        "home": READ,
        "knowledge": READ,
        "cases": READ | STEP,
        "practices": READ,
        # 我的信访件: the cases the handler holds as 首办责任人.
        "my_cases": READ,
        "dictionaries": READ,
        "ledgers": READ | LEDGER_NOTE | LEDGER_RESOLVE | CLOSEOUT_APPLY,
        "risk": READ,
        "mediation": READ,
        "duty_roster": READ,
        "schedule": READ,
        "supervision": READ | ANSWER,
        "meetings": READ | COMPLETE_TASK,
        # Scoped to nothing for a township's handlers; the 纪委's handlers see every record.
        "accountability": READ,
        "dashboard": READ,
        "personal_data": PERSONAL_DATA,
    },
    RoleName.LEADER: {
        "home": READ,
        "knowledge": READ,
        "org": READ,
        "cases": READ | EXPORT | STEP,
        "practices": READ | EXPORT,
        # The unit's workload per 首办责任人, and reassigning from it.
        "workload": READ,
        "dictionaries": READ,
        "ledgers": READ | EXPORT | LEDGER_NOTE | LEDGER_LEVEL | CLOSEOUT_DECIDE,
        "sweeps": READ | EXPORT,
        "risk": READ | EXPORT,
        "mediation": READ | EXPORT,
        "duty": READ | EXPORT,
        "duty_log": READ | EXPORT,
        "duty_roster": READ,
        "leaders": READ,
        "holdings": WRITE | EXPORT | HOLDING_STEPS,
        "receptions": WRITE | EXPORT,
        "schedule": READ,
        "leader_score": READ,
        "overdue": READ | EXPORT,
        "supervision": READ | ANSWER,
        "meetings": READ | COMPLETE_TASK,
        "accountability": READ,
        "dashboard": READ,
        # Reports and bulletins (read, export); 登记员/承办人 work cases, they do not assess them.
        "reports": READ | EXPORT,
        # The hard-case fund: county leaders approve (app/fund/rules.py may_decide).
        "fund": READ | EXPORT | FUND_DECIDE,
        "fund_years": READ,
        "fund_report": READ,
    },
    RoleName.SUPERVISOR: {
        "home": READ,
        "knowledge": READ,
        "org": READ,
        "cases": READ | EXPORT,
        "practices": READ | EXPORT,
        "dictionaries": READ,
        "ledgers": READ | EXPORT,
        "sweeps": READ | EXPORT,
        "risk": READ | EXPORT,
        "mediation": READ | EXPORT,
        "duty": READ | EXPORT,
        "duty_log": READ | EXPORT,
        "duty_roster": READ,
        "leaders": READ,
        "holdings": READ | EXPORT,
        "receptions": READ | EXPORT,
        "schedule": READ,
        "leader_score": READ,
        "overdue": READ | EXPORT | ISSUE,
        "supervision": READ | EXPORT | ISSUE | DECIDE,
        "meetings": FULL | EXPORT | ADD_TASK | COMPLETE_TASK,
        "accountability": WRITE | EXPORT,
        "dashboard": READ,
        # Reports and bulletins (read, export); 登记员/承办人 work cases, they do not assess them.
        "reports": READ | EXPORT,
        "fund": READ | EXPORT,
        "fund_years": READ,
        "fund_report": READ,
    },
    RoleName.MANAGER: {
        "home": READ,
        "knowledge": READ,
        "org": READ,
        "cases": READ | EXPORT,
        "practices": READ | EXPORT,
        "dictionaries": READ,
        "ledgers": READ | EXPORT,
        "sweeps": READ | EXPORT,
        "risk": READ | EXPORT,
        "mediation": READ | EXPORT,
        "duty": READ | EXPORT,
        "duty_log": READ | EXPORT,
        "duty_roster": READ,
        "leaders": READ,
        "holdings": READ | EXPORT,
        "receptions": READ | EXPORT,
        "schedule": READ,
        "leader_score": READ,
        "overdue": READ | EXPORT,
        "supervision": READ | EXPORT,
        "meetings": READ | EXPORT,
        "accountability": READ | EXPORT,
        "dashboard": READ,
        # Reports and bulletins (read, export); 登记员/承办人 work cases, they do not assess them.
        "reports": READ | EXPORT,
        "fund": READ | EXPORT,
        "fund_years": READ,
        "fund_report": READ,
    },
}

# Every authenticated user, whatever their role, may do these (own password, own profile).
SELF_SERVICE = {
    "ResetMyPasswordView": frozenset({"can_this_form_get", "can_this_form_post"}),
    "UserInfoEditView": frozenset({"can_this_form_get", "can_this_form_post"}),
    "AppUserView": frozenset({"can_userinfo", "resetmypassword", "userinfoedit"}),
}


def roles_granted(group: str, permission: str) -> tuple[str, ...]:
    """The roles ROLE_GRANTS gives `permission` on `group`'s views (e.g. who answers 督办单:
    `roles_granted("supervision", "can_answer")`) — for telling the right people of new work."""
    return tuple(role for role, grants in ROLE_GRANTS.items() if permission in grants.get(group, ()))
