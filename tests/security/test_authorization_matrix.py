"""The authorization matrix: every role × every view and API endpoint × every action ×
own/other township, against the table derived from the grants (ROLE_GRANTS: each action's
guarding permission × what each role's grants hold for the view's permission group), which must
agree with a table written by hand (EXPECTED, the intent of DOMAIN.md's roles).

The views are enumerated from the running app (`appbuilder.baseviews`), so a new view, a new
bulk action or a new API resource without a row in `EXPECTED` fails `test_every_view_and_action
_has_an_expectation`. The table states the intent of `ROLE_GRANTS` (DOMAIN.md "Who uses the
product") independently of the code, so the two can disagree — that is what the test is for.

How each cell is checked (through real HTTP, nothing changed on the way):
- list / add (the form) / export / pages: allowed → 200, denied → 403;
- show / edit (the form) on a record of the user's own area → 200; on a record of another
  township (河东镇) → 404 for everyone but county-wide roles; denied → 403;
- delete and bulk actions: on another township's record → 404 and the record is still there;
  on an id that does not exist → 404 when allowed (the permission passed), 403 when denied.
  (Deleting real own records would make the result depend on the order of the checks.)
- API resources the same way with the user's JWT.

One app and one database for the whole module, one logged-in client per role.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import func, select

from app.security.roles import RoleName as R
from tests.support import DEMO_PASSWORD, login

A, T, C, H, L, S, M = R.ADMIN, R.TOWNSHIP_ADMIN, R.CLERK, R.HANDLER, R.LEADER, R.SUPERVISOR, R.MANAGER
EVERYONE = frozenset({A, T, C, H, L, S, M})
ADMIN_ONLY = frozenset({A})
NOBODY_BUT_ADMIN = ADMIN_ONLY

# One demo user per role; all in 城关镇 except the administrator (县信访局, county-wide).
USERS = {A: "admin", T: "xz_admin", C: "clerk", H: "handler", L: "leader", S: "supervisor", M: "manager"}
COUNTY_WIDE = frozenset({A})
OTHER_TOWNSHIP_USER = "clerk2"  # 河东镇: "other" records are the ones this user sees


def roles(*names: str) -> frozenset[str]:
    return frozenset(names)


# --- the table: view → action → roles allowed ----------------------------------------------------
# Model views: actions list/show/add/edit/delete/export and each bulk action, as far as the view
# has them. Custom pages: "page" → (url, roles). API resources: "api_list"/"api_show"/"api_add".

READERS = EVERYONE - {A}  # everyone reads cases, in their own area
CASE_EXPORTERS = roles(A, C, L, S, M)
DICT = {"list": EVERYONE, "show": EVERYONE, "add": ADMIN_ONLY, "edit": ADMIN_ONLY,
        "delete": ADMIN_ONLY, "export": ADMIN_ONLY}
WRITTEN_BY_CLERKS = {  # ledgers, risk, mediation: clerks write, readers read, leaders… export
    "list": EVERYONE, "show": EVERYONE, "add": roles(A, C), "edit": roles(A, C),
    "delete": ADMIN_ONLY, "export": roles(A, C, L, S, M),
}
ADMIN_TABLE = {"list": ADMIN_ONLY, "show": ADMIN_ONLY, "add": ADMIN_ONLY, "edit": ADMIN_ONLY,
               "delete": ADMIN_ONLY, "export": ADMIN_ONLY}

EXPECTED: dict[str, dict[str, Any]] = {
    # --- cases -------------------------------------------------------------------------------
    # No delete: a registered case is voided, never deleted (tests/cases/test_void.py).
    "CaseView": {
        "list": EVERYONE, "show": EVERYONE, "add": roles(A, C), "edit": roles(A, C),
        "export": CASE_EXPORTERS, "bulk_assign": roles(A, C), "print_notices": EVERYONE,
    },
    "SubjectView": DICT,
    "CaseImportView": {"page": ("/cases/import/", roles(A, C))},
    # 积案 / 上级交办 marks: supervisors mark (a POST for a case that does not exist: 404 when allowed)
    "CaseMarksView": {"post_missing": ("/cases/marks/0", roles(A, S))},
    "CaseAttachmentView": {"page_case": EVERYONE},
    # Files of other records (issue 19): read as the record is; uploaded by who does its work —
    # a ledger entry's by who adds its work notes, a mediation record's by clerks, a 督办 answer's
    # by who answers, a meeting's by who records meetings (a POST for a record that does not exist).
    "LedgerAttachmentView": {"page_owner": EVERYONE, "post_missing": ("/attachments/ledger/0/upload", roles(A, C, H, L))},
    "MediationAttachmentView": {"page_owner": EVERYONE, "post_missing": ("/attachments/mediation/0/upload", roles(A, C))},
    "AnswerAttachmentView": {"page_owner": roles(A, H, L, S, M),
                             "post_missing": ("/attachments/answer/0/upload", roles(A, H, L))},
    "MeetingAttachmentView": {"page_owner": roles(A, H, L, S, M),
                              "post_missing": ("/attachments/meeting/0/upload", roles(A, S))},
    # --- ledgers, sweeps, risk ------------------------------------------------------------------
    "LedgerEntryView": WRITTEN_BY_CLERKS,
    "RiskAssessmentView": WRITTEN_BY_CLERKS,
    "LedgerImportView": {"page": ("/ledgers/import/", roles(A, C))},
    "SweepReportView": {"list": EVERYONE - {H}, "show": EVERYONE - {H}},
    "SweepStatusView": {"page": ("/sweeps/", EVERYONE - {H})},
    "SweepRollupView": {"page": ("/sweeps/rollup/", EVERYONE - {H})},
    "HamletSweepView": {"page": ("/sweeps/hamlets/", EVERYONE - {H})},
    "SweepRuleView": ADMIN_TABLE,
    # 风险期: the administrator's calendar and the proposals from history (county configuration)
    "RiskPeriodView": ADMIN_TABLE,
    "RiskProposalView": {"page": ("/sweeps/risk-proposals/", ADMIN_ONLY)},
    # --- mediation ----------------------------------------------------------------------------
    "CommitteeView": WRITTEN_BY_CLERKS,
    "MediatorView": WRITTEN_BY_CLERKS,
    "MediationRecordView": WRITTEN_BY_CLERKS,
    # --- 24小时值班: everyone reads the roster; clerks and township admins keep roster and log ------
    "RosterView": {"page": ("/duty/roster/", EVERYONE)},
    # 首办责任人: a handler's own cases; the unit leader's workload per person.
    "MyCasesView": {"page": ("/cases/mine/", roles(A, H))},
    "WorkloadView": {"page": ("/cases/workload/", roles(A, L))},
    "OnTheSpotView": {"page": ("/cases/on-the-spot/", roles(A, C))},
    "DutyShiftView": {"list": EVERYONE - {H}, "show": EVERYONE - {H}, "add": roles(A, T, C),
                      "edit": roles(A, T, C), "delete": roles(A, T, C), "export": roles(A, C, L, S, M)},
    "DutyLogView": {"list": EVERYONE - {H}, "show": EVERYONE - {H}, "add": roles(A, T, C),
                    "edit": roles(A, T, C), "delete": ADMIN_ONLY, "export": roles(A, C, L, S, M)},
    # --- the hard-case fund: townships' clerks apply and record payments, leaders (county ones
    # approve: tests/fund), supervisors and managers read; the yearly funds are the administrator's
    "FundApplicationView": {"list": roles(A, C, L, S, M), "show": roles(A, C, L, S, M), "add": roles(A, C),
                            "edit": roles(A, C), "delete": ADMIN_ONLY, "export": roles(A, C, L, S, M)},
    "FundDisbursementView": {"list": roles(A, C, L, S, M), "show": roles(A, C, L, S, M), "add": roles(A, C),
                             "delete": ADMIN_ONLY, "export": roles(A, C, L, S, M)},
    "FundView": {"list": roles(A, L, S, M), "show": roles(A, L, S, M), "add": ADMIN_ONLY, "edit": ADMIN_ONLY,
                 "delete": ADMIN_ONLY, "export": ADMIN_ONLY},
    "FundReportView": {"page": ("/fund/report/", roles(A, L, S, M))},
    # --- the policy knowledge base: everyone reads (county-wide reference data), the administrator
    # keeps it (or a role made with the "knowledge" grant); everyone who reads inserts a template
    # (a template or case that does not exist: 404 once allowed)
    **{name: {"list": EVERYONE, "show": EVERYONE, "add": ADMIN_ONLY, "edit": ADMIN_ONLY, "delete": ADMIN_ONLY,
              "export": ADMIN_ONLY}
       for name in ("PolicyDocumentView", "PolicyAnswerView", "ReplyTemplateView")},
    "ReplyTemplateFillView": {"page": (f"/knowledge/fill/{987654321}/0", EVERYONE)},
    # --- seed 003's practices: a case's records follow the case (clerks write, readers read; their
    # own group "practices" since issue 21), the look-back list the ledgers', the figures reports'
    **{name: {"list": EVERYONE, "show": EVERYONE, "add": roles(A, C), "edit": roles(A, C),
              "delete": ADMIN_ONLY, "export": CASE_EXPORTERS}
       for name in ("CaseAgentView", "ConsultationMeetingView", "ExpertOpinionView", "ContingencyPlanView")},
    "SweepMissView": {"list": EVERYONE, "show": EVERYONE, "edit": roles(A, C), "export": roles(A, C, L, S, M)},
    "PracticeFiguresView": {"page": ("/practices/figures/", roles(A, L, S, M))},
    # Correcting a closed case's level (POST); a case that does not exist: 404 once allowed.
    "ResolutionLevelView": {"page_export": (f"/practices/level/{987654321}", roles(A, C))},
    # --- org, users, roles, rules ----------------------------------------------------------------
    "OrgUnitView": {"list": EVERYONE - {H}, "show": EVERYONE - {H}, "add": ADMIN_ONLY,
                    "edit": ADMIN_ONLY, "delete": ADMIN_ONLY, "export": ADMIN_ONLY},
    "AppUserView": {"list": roles(A, T), "show": roles(A, T), "add": roles(A, T), "edit": roles(A, T),
                    "delete": ADMIN_ONLY, "export": ADMIN_ONLY,
                    # FAB's per-user actions: own password/profile for all, others' for admins.
                    "resetmypassword": EVERYONE, "userinfoedit": EVERYONE,
                    "resetpasswords": roles(A, T), "unlock": roles(A, T), "end_sessions": roles(A, T)},
    "ReadOnlyRoleView": {"list": ADMIN_ONLY, "show": ADMIN_ONLY, "copyrole": ADMIN_ONLY},
    # The role editor (issue 20): 乡镇管理员 manage their township's roles (tests/security/test_role_editor.py).
    "RoleEditorView": {"page": ("/rolegrants/", roles(A, T))},
    # 批量导入用户 (issue 20): administrators create their area's users from an Excel sheet.
    "UserImportView": {"page": ("/users/import/", roles(A, T))},
    "PersonalDataGrant": {"public": "no pages: the grant 办理信访人个人信息 as a permission (app/core/privacy.py)"},
    "DeadlineRuleView": {"list": EVERYONE, "show": EVERYONE, "edit": ADMIN_ONLY},
    "HolidayOverrideView": DICT,
    "AuditEntryView": {"list": ADMIN_ONLY, "show": ADMIN_ONLY, "export": ADMIN_ONLY},
    "ApiClientView": ADMIN_TABLE,
    "ApiDocsView": {"page": ("/swagger/v1", ADMIN_ONLY)},
    # --- reports (issue 6): leaders, supervisors and managers assess; the others work cases ------
    "RatesReportView": {"page": ("/reports/rates/", roles(A, L, S, M)),
                        "page_export": ("/reports/rates/export/csv", roles(A, L, S, M))},
    "SupervisionReportView": {"page": ("/reports/supervision/", roles(A, L, S, M))},
    "BulletinView": {"page": ("/reports/bulletins/", roles(A, L, S, M))},
    "AccountabilityReportView": {"page": ("/reports/accountability/", roles(A, L, S, M))},
    "BacklogReportView": {"page": ("/reports/backlog/", roles(A, L, S, M))},
    "DashboardView": {"page": ("/reports/dashboard/data", EVERYONE - {T})},
    # --- leaders (issue 5): the schedule is public inside; leaders' own work; clerks record visits
    "ScheduleView": {"page": ("/leaders/schedule/", EVERYONE)},
    "LeaderView": {"list": EVERYONE - {H}, "show": EVERYONE - {H}, "add": roles(A, T), "edit": roles(A, T),
                   "delete": ADMIN_ONLY, "export": ADMIN_ONLY},
    "HoldingView": {"list": roles(A, T, L, S, M), "show": roles(A, T, L, S, M), "add": roles(A, L),
                    "edit": roles(A, L), "export": roles(A, L, S, M)},
    "ReceptionSlotView": {"list": EVERYONE - {H}, "show": EVERYONE - {H}, "add": roles(A, C, L),
                          "edit": roles(A, C, L), "delete": ADMIN_ONLY, "export": roles(A, C, L, S, M)},
    "ReceptionView": {"list": EVERYONE - {H}, "show": EVERYONE - {H}, "add": roles(A, C, L),
                      "edit": roles(A, C, L), "delete": ADMIN_ONLY, "export": roles(A, C, L, S, M)},
    "LeaderScoreView": {"page": ("/leaders/score/", roles(A, L, S, M))},
    # 四联四包: read as the overdue watch list; proposing a holding is the supervisor's (as issuing)
    "CoverageView": {"page": ("/leaders/coverage/", roles(A, L, S, M)),
                     "post_missing": ("/leaders/coverage/propose", roles(A, S))},
    "DutyItemView": ADMIN_TABLE,
    # 轮流接访: the administrator keeps the rotas and publishes their slots
    "ReceptionRotaView": ADMIN_TABLE,
    "RotaPlanView": {"page": ("/leaders/rota/", ADMIN_ONLY)},
    "ScoreRuleView": ADMIN_TABLE,
    # --- supervision (issue 5): supervisors act, units answer, leaders and managers read -------
    "OverdueView": {"list": roles(A, L, S, M), "show": roles(A, L, S, M), "export": roles(A, L, S, M),
                    "issue_order": roles(A, S)},
    "SupervisionOrderView": {"list": roles(A, H, L, S, M), "show": roles(A, H, L, S, M),
                             "export": roles(A, S, M)},
    "JointMeetingView": {"list": roles(A, H, L, S, M), "show": roles(A, H, L, S, M), "add": roles(A, S),
                         "edit": roles(A, S), "delete": roles(A, S), "export": roles(A, S, M)},
    "AccountabilityView": {"list": roles(A, H, L, S, M), "show": roles(A, H, L, S, M), "add": roles(A, S),
                           "edit": roles(A, S), "delete": ADMIN_ONLY, "export": roles(A, S, M)},
    # --- the portal's back office (issue 7): clerks publish answered letters --------------------
    "PublishedLetterView": {"page": ("/published-letters/list/", roles(A, C))},
    # --- pages every user has ------------------------------------------------------------------
    "HomeView": {"page": ("/", EVERYONE)},
    "UserInfoEditView": {"page": ("/userinfoeditview/form", EVERYONE)},
    "ResetMyPasswordView": {"page": ("/resetmypassword/form", EVERYONE)},
    "ScopedResetPasswordView": {"page_user": roles(A, T)},
    # --- framework plumbing without data: login, language switch, static helpers, the spec ----
    "UtilView": {"public": "FAB's back-link helper"},
    "LocaleView": {"public": "language switch"},
    "AppAuthDBView": {"public": "login/logout"},
    "AuthApi": {"public": "POST /api/v1/auth/login"},
    "OpenApiView": {"page": ("/api/v1/_openapi", EVERYONE)},
    # --- notifications (issue 18): everyone has their own list; the outbox is the administrator's
    "NotificationView": {"page": ("/notifications/", EVERYONE)},
    "OutboxView": {"page": ("/notifications/admin/outbox", ADMIN_ONLY),
                   "page_also": ("/notifications/admin/templates", ADMIN_ONLY),
                   "post_missing": ("/notifications/admin/outbox/0/resend", ADMIN_ONLY)},
    # --- the navbar's search (issue 19): everyone; each kind of result asks its own list's rule --
    "SearchView": {"page": ("/search/?q=316", EVERYONE)},
    # --- 打印卷宗 (issue 19): whoever opens a case prints its file and its notices ------------------
    "CaseFileView": {"page_case": EVERYONE, "page": ("/casefile/notices?ids=1,2,3", EVERYONE)},
    # --- the REST API -------------------------------------------------------------------------------
    "CaseApi": {"api_list": EVERYONE, "api_show": EVERYONE, "api_add": roles(A, C),
                "api_step": roles(A, C, H, L)},
    "LedgerEntryApi": {"api_list": EVERYONE, "api_show": EVERYONE},
    "MediationRecordApi": {"api_list": EVERYONE, "api_show": EVERYONE},
    "SupervisionAnswerApi": {"api_list": roles(A, H, L, S, M), "api_show": roles(A, H, L, S, M)},
    "JointMeetingApi": {"api_list": roles(A, H, L, S, M), "api_show": roles(A, H, L, S, M)},
    "OrgUnitApi": {"api_list": EVERYONE - {H}, "api_show": EVERYONE - {H}},
    "SubjectApi": {"api_list": EVERYONE, "api_show": EVERYONE},
}

# Where "allowed" is not a 200: the overdue list's record opens the case page (a redirect).
ALLOWED_STATUS = {("OverdueView", "show"): 302, ("ResolutionLevelView", "page_export"): 404,
                  ("ReplyTemplateFillView", "page"): 404}

CRUD = ("list", "show", "add", "edit", "delete", "export")
API_ACTIONS = {"can_list": "api_list", "can_show": "api_show", "can_add": "api_add", "can_step": "api_step"}
MISSING_ID = 987654321


def discovered(view: Any) -> set[str]:
    """The actions a registered view offers, named as in the table."""
    perms = set(view.base_permissions or ())
    name = type(view).__name__
    if getattr(view, "datamodel", None) is not None and hasattr(view, "list_columns"):
        found = {a for a in CRUD if f"can_{a}" in perms}
        found |= set(getattr(view, "actions", {}) or {})
        return found
    if name.endswith("Api") and any(p in perms for p in API_ACTIONS):
        return {API_ACTIONS[p] for p in perms if p in API_ACTIONS}
    # Custom pages: whatever the table says (one entry per page is enough).
    return set(EXPECTED.get(name, {}).keys()) or {"<no entry>"}


# --- the same table, derived from the grants ------------------------------------------------------
# What ROLE_GRANTS (app/security/roles.py: role → permission group → permissions) gives each
# built-in role, read here without the app's own derivation: a role may take an action on a view
# when its grants for the view's `permission_group` (or the self-service pages every user has)
# hold the permission that guards the action; the 系统管理员 holds every permission but
# 办理信访人个人信息. `test_the_matrix` checks this table over HTTP; `test_the_grants_say_what_the
# _table_says` holds it against the hand-written EXPECTED above, the independent statement of
# DOMAIN.md's roles — both must agree.

# "page_also": a second page of the same view (GET), e.g. the outbox's message templates.
PAGE_ACTIONS = ("page", "page_also", "page_export", "post_missing")


def guarding_permission(app: Any, view: Any, action: str) -> str:
    """The FAB permission `action` (named as in EXPECTED) needs on `view`."""
    if action in CRUD or action.startswith("api_"):
        return f"can_{action.removeprefix('api_')}"
    if action in (getattr(view, "actions", None) or {}):
        mapped = (view.method_permission_name or {}).get(action)
        return f"can_{mapped}" if mapped else action
    if action == "page_case":
        url, method = f"{view.route_base}/case/{MISSING_ID}", "GET"
    elif action == "page_user":
        url, method = f"{view.route_base}/form", "GET"
    elif action == "page_owner":
        url, method = f"{view.route_base}/{MISSING_ID}", "GET"
    else:
        url, method = EXPECTED[type(view).__name__][action][0], "GET" if action in ("page", "page_also") else "POST"
    endpoint, _args = app.url_map.bind("localhost").match(url.split("?")[0], method=method)
    blueprint, _, method_name = endpoint.rpartition(".")
    assert blueprint == view.endpoint, f"{url} is served by {endpoint}, not by {type(view).__name__}"
    function = getattr(type(view), method_name)
    if not hasattr(function, "_permission_name"):
        return SIGNED_IN  # no has_access: the page itself decides (e.g. on the case it prints)
    name = (view.method_permission_name or {}).get(method_name) or function._permission_name
    return f"can_{name}"


SIGNED_IN = "<every signed-in user>"


def granted_roles(view: Any, permission: str) -> frozenset[str]:
    from app.security.roles import PERSONAL_DATA, ROLE_GRANTS, SELF_SERVICE

    if permission == SIGNED_IN:
        return EVERYONE
    if permission not in (view.base_permissions or ()):
        return frozenset()
    out = {A} if permission not in PERSONAL_DATA else set()
    group = getattr(view, "permission_group", "")
    for role, grants in ROLE_GRANTS.items():
        held = set(grants.get(group, ())) | set(SELF_SERVICE.get(view.class_permission_name, ()))
        if permission in held:
            out.add(role)
    return frozenset(out)


def derived_table(app: Any) -> dict[str, dict[str, Any]]:
    """EXPECTED's shape (the pages' addresses from EXPECTED), the roles from the grants."""
    table: dict[str, dict[str, Any]] = {}
    for view in app.appbuilder.baseviews:
        name = type(view).__name__
        row = table.setdefault(name, {})
        for action, stated in EXPECTED.get(name, {}).items():
            if action == "public" or action not in discovered(view):
                row[action] = stated  # nothing to check (e.g. FAB's copyrole, which the view drops)
                continue
            allowed = granted_roles(view, guarding_permission(app, view, action))
            row[action] = (stated[0], allowed) if action in PAGE_ACTIONS else allowed
    return table


# --- one app and one database for the module ----------------------------------------------------------


@pytest.fixture(scope="module")
def matrix_app(module_app) -> Any:
    return module_app


@pytest.fixture(scope="module")
def clients(matrix_app) -> dict[str, Any]:
    found = {}
    for role, username in USERS.items():
        c = matrix_app.test_client()
        login(c, username, DEMO_PASSWORD)
        response = c.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
        c.api_headers = {"Authorization": f"Bearer {response.get_json()['result']['access_token']}"}
        found[role] = c
    return found


def _records(matrix_app) -> dict[str, dict[str, int | None]]:
    """For every model view: the first record each role's user finds through the view's own
    base filters (scope and whatever the view adds, e.g. "overdue only"), and one that 河东镇's
    clerk finds there but 城关镇's clerk does not (the "other township" record)."""
    from flask import g

    from app.extensions import db
    from app.security.models import AppUser

    def first_ids(view: Any, username: str, limit: int = 50) -> list[int]:
        with matrix_app.test_request_context():
            g.user = db.session.execute(select(AppUser).where(AppUser.username == username)).scalars().one()
            _count, items = view.datamodel.query(view._base_filters, page=0, page_size=limit)
            found = [view.datamodel.get_pk_value(item) for item in items]
            db.session.remove()
            return found

    out: dict[str, dict[str, int | None]] = {}
    for view in matrix_app.appbuilder.baseviews:
        if getattr(view, "datamodel", None) is None or not hasattr(view, "_base_filters"):
            continue
        row: dict[str, int | None] = {}
        for role, username in USERS.items():
            ids = first_ids(view, username, 1)
            row[role] = ids[0] if ids else None
        theirs = first_ids(view, OTHER_TOWNSHIP_USER)
        ours = set(first_ids(view, USERS[C], 100000)) if theirs else set()
        row["other"] = next((i for i in theirs if i not in ours), None)
        out[type(view).__name__] = row
    return out


def _owner_records(matrix_app) -> dict[str, dict[str, int | None]]:
    """For every attachment view: the first parent record each role's user finds in their scope,
    and one 河东镇's clerk finds there but 城关镇's clerk does not."""
    from flask import g

    from app.core.scoping import scoped_select
    from app.extensions import db
    from app.security.models import AppUser

    def ids(model: Any, username: str, limit: int) -> list[int]:
        with matrix_app.test_request_context():
            g.user = db.session.execute(select(AppUser).where(AppUser.username == username)).scalars().one()
            found = list(db.session.execute(
                scoped_select(model).with_only_columns(model.id).order_by(model.id).limit(limit)).scalars())
            db.session.remove()
            return found

    out: dict[str, dict[str, int | None]] = {}
    for view in matrix_app.appbuilder.baseviews:
        parent = getattr(view, "parent_model", None)
        if parent is None or type(view).__name__ not in EXPECTED or "page_owner" not in EXPECTED[type(view).__name__]:
            continue
        row: dict[str, int | None] = {}
        for role, username in USERS.items():
            found = ids(parent, username, 1)
            row[role] = found[0] if found else None
        theirs = ids(parent, OTHER_TOWNSHIP_USER, 50)
        ours = set(ids(parent, USERS[C], 100000)) if theirs else set()
        row["other"] = next((i for i in theirs if i not in ours), None)
        out[type(view).__name__] = row
    return out


def _count(matrix_app, model: Any, pk: int) -> int:
    from app.extensions import db

    with matrix_app.app_context():
        n = db.session.execute(select(func.count()).select_from(model).where(model.id == pk)).scalar()
        db.session.remove()
        return n


# --- the tests ----------------------------------------------------------------------------------------


def test_every_view_and_action_has_an_expectation(matrix_app):
    missing = []
    for view in matrix_app.appbuilder.baseviews:
        name = type(view).__name__
        table = EXPECTED.get(name)
        if table is None:
            missing.append(f"{name}: no entry")
            continue
        for action in discovered(view):
            if action not in table:
                missing.append(f"{name}.{action}: no entry")
    stale = set(EXPECTED) - {type(v).__name__ for v in matrix_app.appbuilder.baseviews}
    assert not missing, "views/actions without an expected allow/deny:\n" + "\n".join(missing)
    assert not stale, f"table rows for views that no longer exist: {sorted(stale)}"


def test_the_grants_say_what_the_table_says(matrix_app):
    derived = derived_table(matrix_app)
    differ = []
    for name, row in EXPECTED.items():
        for action, stated in row.items():
            if action == "public":
                continue
            want = stated[1] if action in PAGE_ACTIONS else stated
            got = derived[name][action]
            got = got[1] if action in PAGE_ACTIONS else got
            if set(want) != set(got):
                differ.append(f"{name}.{action}: the table says {sorted(want)}, the grants give {sorted(got)}")
    assert not differ, "ROLE_GRANTS and the table disagree:\n" + "\n".join(differ)


def test_the_matrix(matrix_app, clients):
    """Every cell of the table derived from the grants, over HTTP."""
    started = time.monotonic()
    records = _records(matrix_app)
    derived = derived_table(matrix_app)
    owners = _owner_records(matrix_app)
    wrong: list[str] = []
    checked = 0

    def expect(role: str, what: str, response: Any, allowed_status: int, allowed: bool) -> None:
        nonlocal checked
        checked += 1
        # Close it: a streamed export left half-read keeps its request context pushed, and the
        # next request in this thread would run as that user (a test-client artefact).
        response.close()
        want = allowed_status if allowed else 403
        if response.status_code != want:
            wrong.append(f"{USERS[role]:>10} {what}: got {response.status_code}, expected {want}")

    for view in matrix_app.appbuilder.baseviews:
        name = type(view).__name__
        table = derived.get(name, {})
        base = view.route_base
        model = getattr(getattr(view, "datamodel", None), "obj", None)
        for action in sorted(discovered(view)):
            allowed_roles = table.get(action)
            if allowed_roles is None or action == "public":
                continue
            for role, c in clients.items():
                if action == "post_missing":  # a form POST that changes nothing: 404/422 allowed
                    url, post_roles = allowed_roles
                    response = c.post(url, data={})
                    missing = f"{url}/".find("/0/") >= 0  # a record that does not exist
                    expect(role, f"POST {url}", response, 404 if missing else 422, role in post_roles)
                    continue
                if action in ("page", "page_also", "page_export"):
                    url, page_roles = allowed_roles
                    response = c.post(url) if action == "page_export" else c.get(url)
                    expect(role, f"{'POST' if action == 'page_export' else 'GET'} {url}", response,
                           ALLOWED_STATUS.get((name, action), 200), role in page_roles)
                    continue
                allowed = role in allowed_roles
                if action == "page_case":
                    own = records["CaseView"][role]
                    other = records["CaseView"]["other"]
                    if own:
                        expect(role, f"{name} own case", c.get(f"{base}/case/{own}"), 200, allowed)
                    expect(role, f"{name} other case", c.get(f"{base}/case/{other}"),
                           200 if role in COUNTY_WIDE else 404, allowed)
                    continue
                if action == "page_owner":
                    # A record's files: its own record → 200, another township's → 404.
                    own, other = owners[name][role], owners[name]["other"]
                    if own is not None:
                        expect(role, f"{name} own record", c.get(f"{base}/{own}"), 200, allowed)
                    else:
                        expect(role, f"{name} missing record", c.get(f"{base}/{MISSING_ID}"), 404, allowed)
                    if other is not None:
                        expect(role, f"{name} other record", c.get(f"{base}/{other}"),
                               200 if role in COUNTY_WIDE else 404, allowed)
                    continue
                if action == "page_user":
                    own = records["AppUserView"][role]
                    other = records["AppUserView"]["other"]
                    expect(role, f"{name} other user", c.get(f"{base}/form?pk={other}"),
                           200 if role in COUNTY_WIDE else 404, allowed)
                    continue
                if action.startswith("api_"):
                    _check_api(expect, role, c, name, view, action, allowed, records)
                    continue
                own = records.get(name, {}).get(role)
                other = records.get(name, {}).get("other")
                if action == "list":
                    expect(role, f"{name} list", c.get(f"{base}/list/"), 200, allowed)
                elif action == "add":
                    expect(role, f"{name} add form", c.get(f"{base}/add"), 200, allowed)
                elif action == "export":
                    expect(role, f"{name} export", c.post(f"{base}/export/csv"), 200, allowed)
                elif action in ("show", "edit"):
                    ok = ALLOWED_STATUS.get((name, action), 200)
                    if own is not None:
                        expect(role, f"{name} {action} own", c.get(f"{base}/{action}/{own}"), ok, allowed)
                    else:
                        expect(role, f"{name} {action} missing", c.get(f"{base}/{action}/{MISSING_ID}"), 404, allowed)
                    if other is not None:
                        expect(role, f"{name} {action} other", c.get(f"{base}/{action}/{other}"),
                               ok if role in COUNTY_WIDE else 404, allowed)
                elif action == "delete":
                    expect(role, f"{name} delete missing", c.post(f"{base}/delete/{MISSING_ID}"), 404, allowed)
                    if other is not None and role not in COUNTY_WIDE:
                        expect(role, f"{name} delete other", c.post(f"{base}/delete/{other}"), 404, allowed)
                        if _count(matrix_app, model, other) != 1:
                            wrong.append(f"{USERS[role]:>10} {name} delete other: the record is gone")
                else:  # a bulk action
                    data = {"action": action, "rowid": [str(MISSING_ID)]}
                    expect(role, f"{name} action {action} missing", c.post(f"{base}/action_post", data=data), 404, allowed)
                    if other is not None and role not in COUNTY_WIDE:
                        data = {"action": action, "rowid": [str(other)]}
                        expect(role, f"{name} action {action} other", c.post(f"{base}/action_post", data=data), 404, allowed)
                        if _count(matrix_app, model, other) != 1:
                            wrong.append(f"{USERS[role]:>10} {name} {action} other: the record is gone")
    elapsed = time.monotonic() - started
    print(f"\nauthorization matrix: {checked} checks in {elapsed:.1f}s")
    assert checked > 500
    assert not wrong, f"{len(wrong)} of {checked} cells disagree with the table:\n" + "\n".join(wrong)


def _check_api(expect, role: str, c: Any, name: str, view: Any, action: str, allowed: bool, records) -> None:
    base = view.route_base
    headers = c.api_headers
    page_of = {"CaseApi": "CaseView", "LedgerEntryApi": "LedgerEntryView",
               "MediationRecordApi": "MediationRecordView", "OrgUnitApi": "OrgUnitView",
               "SubjectApi": "SubjectView", "JointMeetingApi": "JointMeetingView",
               "SupervisionAnswerApi": None}[name]
    # 督办 answers have no page of their own: an id that does not exist (404 once allowed).
    own = records[page_of][role] if page_of else MISSING_ID
    other = records[page_of]["other"] if page_of else None
    if action == "api_list":
        expect(role, f"GET {base}/", c.get(f"{base}/", headers=headers), 200, allowed)
    elif action == "api_show":
        if own == MISSING_ID:
            expect(role, f"GET {base}/missing", c.get(f"{base}/{own}", headers=headers), 404, allowed)
        elif own is not None:
            expect(role, f"GET {base}/own", c.get(f"{base}/{own}", headers=headers), 200, allowed)
        if other is not None:
            expect(role, f"GET {base}/other", c.get(f"{base}/{other}", headers=headers),
                   200 if role in COUNTY_WIDE else 404, allowed)
    elif action == "api_add":
        # An empty payload: refused as invalid (400) when the permission passed, else 403.
        expect(role, f"POST {base}/", c.post(f"{base}/", json={}, headers=headers), 400, allowed)
    elif action == "api_step":
        # Taking a step (POST): a missing case is 404 once the permission passed, else 403.
        expect(role, f"POST {base}/missing/steps/accept",
               c.post(f"{base}/{MISSING_ID}/steps/accept", json={}, headers=headers), 404, allowed)
        if other is not None and role not in COUNTY_WIDE:
            expect(role, f"POST {base}/other/steps/accept",
                   c.post(f"{base}/{other}/steps/accept", json={}, headers=headers), 404, allowed)
