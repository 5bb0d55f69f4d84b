"""The security manager: our user model, scoped user views, and role synchronisation."""

from __future__ import annotations

import logging

from flask import current_app, g, has_request_context
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import assoc_permissionview_role
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash

from app.audit.models import AuditKind
from app.audit.record import record_event
from app.core import refcache
from app.core.clock import now
from app.core.paging import ListInterface
from app.core.sessions import end_sessions, is_current_session, is_current_token, keep_this_session
from app.security.auth import is_locked, locked_until, lockout_threshold
from app.security.models import AppUser
from app.security.roles import PERSONAL_DATA, ROLE_GRANTS, SELF_SERVICE, RoleName
from app.security.views import (
    AppAuthDBView,
    AppUserView,
    PersonalDataGrant,
    ReadOnlyRoleView,
    ResetMyPasswordView,
    ScopedResetPasswordView,
)

log = logging.getLogger(__name__)


class AppSecurityManager(SecurityManager):
    user_model = AppUser
    authdbview = AppAuthDBView
    userdbmodelview = AppUserView
    resetpasswordview = ScopedResetPasswordView
    resetmypasswordview = ResetMyPasswordView
    rolemodelview = ReadOnlyRoleView
    userstatschartview = None  # FAB's chart loads Google's libraries: unusable offline

    def load_user(self, pk: int) -> AppUser | None:
        """The browser session's user, if the session has not been ended since it was issued
        (app/core/sessions.py)."""
        user = self._active_user(pk)
        return user if user is not None and is_current_session(user) else None

    def load_user_jwt(self, _jwt_header, jwt_data):
        """An access token's user, if the token has not been ended since it was issued."""
        user = self._active_user(jwt_data["sub"])
        if user is None or not is_current_token(user, jwt_data):
            return None
        g.user = user
        return user

    def _active_user(self, pk) -> AppUser | None:
        """The user, with their roles and their groups' roles, in one query: FAB's own load
        leaves both to lazy loads, two more round trips on every request."""
        model, group = self.user_model, self.group_model
        user = self.session.execute(
            select(model)
            .where(model.id == int(pk))
            .options(joinedload(model.roles), joinedload(model.groups).joinedload(group.roles))
        ).unique().scalar_one_or_none()
        return user if user is not None and user.is_active else None

    def register_views(self) -> None:
        """Only the security views this product uses (no groups, no raw permission tables)."""
        ab = self.appbuilder
        # No FAB SecurityApi: the API's own login (app/api/session.py) answers in Chinese with
        # error codes and goes through the same lockout and audit.
        ab.add_view_no_menu(self.userinfoeditview())
        ab.add_view_no_menu(PersonalDataGrant())
        # FAB hands the user list a plain interface: ours reads the list like every other list;
        # the scope comes from the view's ScopeFilter (one's own profile is seen whatever the scope).
        self.userdbmodelview.datamodel = ListInterface(self.user_model)
        self.user_view = self.userdbmodelview
        self.auth_view = self.authdbview()
        ab.add_view_no_menu(self.resetpasswordview())
        ab.add_view_no_menu(self.resetmypasswordview())
        ab.add_view_no_menu(self.auth_view)
        if self.is_auth_limited:
            self.limiter.limit(self.auth_rate_limit, methods=["POST"])(self.auth_view.blueprint)
        self.user_view = ab.add_view(
            self.user_view,
            "Users",
            icon="fa-user",
            label=_l("Users"),
            category="Administration",
            category_icon="fa-cogs",
            category_label=_l("Administration"),
        )
        from app.security.role_views import RoleEditorView

        ab.add_view(
            RoleEditorView,
            "Roles",
            icon="fa-user-gear",
            label=_l("Roles"),
            category="Administration",
        )
        ab.add_view_no_menu(self.rolemodelview)
        from app.security.user_import import UserImportView

        ab.add_view(
            UserImportView,
            "User import",
            icon="fa-file-import",
            label=_l("Import users from Excel"),
            category="Administration",
        )

    # --- logins: audit, lockout, forced password change ---------------------------------------

    def auth_user_db(self, username, password):
        """FAB's password check, plus: a locked account is refused without looking at the
        password (and without counting the attempt), every failure is logged (unknown login
        names too), and outside demo mode whoever signs in with the published demo password
        must change it. The caller answers every refusal alike (app/security/auth.py)."""
        user = self._login_candidate(username)
        if user is not None and user.is_active and is_locked(user):
            # Same work as a real check, so a locked account does not answer faster.
            check_password_hash(current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"], "password")
            self._refuse_login("locked")
            record_event(
                AuditKind.LOGIN_FAILED, model="ab_user", record_id=user.id, user=user,
                summary=user.username, details={"reason": "locked", **self._lock_details(user)},
            )
            return None
        authenticated = super().auth_user_db(username, password)
        if authenticated is None and (user is None or not user.is_active):
            self._refuse_login("unknown" if user is None else "inactive")
            record_event(
                AuditKind.LOGIN_FAILED,
                model="ab_user",
                record_id=user.id if user is not None else None,
                summary=(username or "")[:255],
                details={"reason": "unknown user" if user is None else "inactive"},
                username=None if user is None else user.username,
            )
        if authenticated is not None and not current_app.config.get("DEMO_MODE"):
            from seed.data import DEMO_PASSWORD

            if password == DEMO_PASSWORD and not authenticated.must_change_password:
                authenticated.must_change_password = True
                self.session.commit()
        return authenticated

    def _login_candidate(self, username):
        if not username:
            return None
        return self.find_user(username=username) or self.find_user(email=username)

    @staticmethod
    def _refuse_login(reason: str) -> None:
        if has_request_context():
            g.xf_login_refusal = reason

    def on_user_login(self, user) -> None:
        """A successful login ends the series of locks (the next starts short again); how many
        there were is kept for this request, to tell the user (app/security/auth.py)."""
        if has_request_context():
            g.xf_locks_since_login = user.lockout_count or 0
        if user.locked_at is not None or user.lockout_count:
            user.locked_at = None
            user.lockout_count = 0
            self.session.commit()
        record_event(
            AuditKind.LOGIN, model="ab_user", record_id=user.id, user=user, summary=user.username
        )

    def on_user_login_failed(self, user) -> None:
        """A wrong password for an existing account: count it; at the threshold lock the account
        for a while (longer each time) and start counting again."""
        details: dict = {"reason": "wrong password", "failures": user.fail_login_count}
        if (user.fail_login_count or 0) >= lockout_threshold():
            user.lockout_count = (user.lockout_count or 0) + 1
            user.locked_at = now()
            user.fail_login_count = 0
            self.session.commit()
            details.update(locked=True, **self._lock_details(user))
            self._refuse_login("locked")
        record_event(
            AuditKind.LOGIN_FAILED, model="ab_user", record_id=user.id, user=user,
            summary=user.username, details=details,
        )

    @staticmethod
    def _lock_details(user) -> dict:
        until = locked_until(user)
        return {
            "locks": user.lockout_count,
            "locked_until": until.strftime("%Y-%m-%d %H:%M") if until else "until unlocked",
        }

    def on_user_logout(self, user) -> None:
        """Logging out ends every session of the user, this browser's and any copy of it."""
        end_sessions(user)
        self.session.commit()
        record_event(
            AuditKind.LOGOUT, model="ab_user", record_id=user.id, user=user, summary=user.username
        )

    def unlock_user(self, user) -> None:
        """Lift a lockout (the caller commits). The count of locks stays, so that the user still
        hears of them at their next login."""
        user.locked_at = None
        user.fail_login_count = 0

    def reset_password(self, userid, password):
        """Set a password. Someone else's (an administrator's reset) must be changed by its
        owner at the next login outside demo mode; one's own clears that obligation."""
        user = self.get_user_by_id(userid)
        acting = getattr(g, "user", None) if has_request_context() else None
        own = acting is not None and getattr(acting, "is_authenticated", False) and acting.id == user.id
        user.must_change_password = not own and not current_app.config.get("DEMO_MODE")
        super().reset_password(userid, password)  # ends the user's sessions (a new password)
        if own and getattr(g, "xf_api_via", None) is None:
            keep_this_session(user)

    def end_all_sessions(self, user) -> None:
        """An administrator's "sign out everywhere": every session and token of the user ends."""
        end_sessions(user)
        self.session.commit()
        record_event(
            AuditKind.LOGOUT, model="ab_user", record_id=user.id, summary=user.username,
            details={"reason": "all sessions ended by an administrator"},
        )

    # --- permission checks: one query per request -----------------------------------------------

    def _has_view_access(self, user, permission_name: str, view_name: str) -> bool:
        """FAB asks the database once per check — some thirty times per page for the menu alone
        (each an ORM query with four joins). The user's (permission, view) pairs are read once
        per request instead and checked in memory."""
        return (permission_name, view_name) in self.request_permissions(user)

    def request_permissions(self, user) -> frozenset[tuple[str, str]]:
        roles = self.get_user_roles(user)
        key = tuple(sorted(role.id for role in roles if role is not None))
        cache = g.get("_xf_permissions") if has_request_context() else None
        if cache is not None and cache[0] == key:
            return cache[1]
        # Every process keeps each role set's pairs until the permission tables change.
        pairs = refcache.cached(("permissions", key), lambda: frozenset(self._permission_pairs(key)))
        if has_request_context():
            g._xf_permissions = (key, pairs)
        return pairs

    def _permission_pairs(self, role_ids: tuple[int, ...]) -> set[tuple[str, str]]:
        if not role_ids:
            return set()
        link = assoc_permissionview_role
        stmt = (
            select(self.permission_model.name, self.viewmenu_model.name)
            .select_from(self.permissionview_model)
            .join(self.permission_model, self.permissionview_model.permission_id == self.permission_model.id)
            .join(self.viewmenu_model, self.permissionview_model.view_menu_id == self.viewmenu_model.id)
            .join(link, link.c.permission_view_id == self.permissionview_model.id)
            .where(link.c.role_id.in_(role_ids))
        )
        return {(perm, view) for perm, view in self.session.execute(stmt)}

    def _get_user_permission_view_menus(self, user, permission_name: str, view_menus_name):
        if user is None:
            return super()._get_user_permission_view_menus(user, permission_name, view_menus_name)
        pairs = self.request_permissions(user)
        return {name for name in view_menus_name if (permission_name, name) in pairs}

    # --- roles from code ------------------------------------------------------------------------

    def sync_roles(self) -> None:
        """Make the built-in roles say exactly what app/security/roles.py says.

        Creates every view's permissions, the seven roles, and sets each built-in role's
        permissions (and its `role_grant` rows) to its declared grants, removing anything granted
        by hand. Roles made by administrators keep their grants; their permissions are derived
        again from them (a view added to a group reaches the roles holding the group). Run after
        migrations.
        """
        from app.security.grants import as_permissions, built_in_grants
        from app.security.models import RoleGrant, RoleProfile

        ab = self.appbuilder
        roles = {name: self.find_role(name) or self.add_role(name) for name in RoleName.ALL}
        self.find_role(self.auth_role_public) or self.add_role(self.auth_role_public)
        ab.add_permissions(update_perms=True)
        ab.security_cleanup()
        all_pvms = self.session.query(self.permissionview_model).all()
        for role_name, role in roles.items():
            if role_name == RoleName.ADMIN:
                # Everything, except seeing petitioners' personal data in full: that follows
                # handling them (the personal_data grant), not administering the system.
                role.permissions = [
                    pvm for pvm in all_pvms if pvm.permission and pvm.view_menu
                    and pvm.permission.name not in PERSONAL_DATA
                ]
                grants = {}
            else:
                grants = built_in_grants(role_name)
                role.permissions = self._pvms_for(all_pvms, self.role_permission_pairs(role_name))
            profile = self.session.get(RoleProfile, role.id) or RoleProfile(role_id=role.id)
            profile.built_in, profile.org_unit_id = True, None
            profile.description = None  # ROLE_DESCRIPTIONS, in the reader's language
            self.session.add(profile)
            wanted = {(group, level) for group, levels in grants.items() for level in levels}
            held = {(g.group, g.level): g for g in self.session.query(RoleGrant).filter_by(role_id=role.id)}
            for key, row in held.items():
                if key not in wanted:
                    self.session.delete(row)
            for group, level in wanted - set(held):
                self.session.add(RoleGrant(role_id=role.id, group=group, level=level))
        for profile in self.session.query(RoleProfile).filter(RoleProfile.built_in.is_(False)):
            grants: dict[str, set[str]] = {}
            for row in self.session.query(RoleGrant).filter_by(role_id=profile.role_id):
                grants.setdefault(row.group, set()).add(row.level)
            pairs = self.grant_permission_pairs(as_permissions({k: frozenset(v) for k, v in grants.items()}))
            profile.role.permissions = self._pvms_for(all_pvms, pairs)
        self.session.commit()

    @staticmethod
    def _pvms_for(all_pvms, pairs: set[tuple[str, str]]) -> list:
        return [
            pvm for pvm in all_pvms
            if pvm.permission and pvm.view_menu and (pvm.permission.name, pvm.view_menu.name) in pairs
        ]

    def apply_grants(self, role, grants) -> None:
        """Set `role`'s FAB permissions to what `grants` (group → level keys) derive to; the
        caller commits (the reference version changes with ab_permission_view_role)."""
        from app.security.grants import as_permissions

        pairs = self.grant_permission_pairs(as_permissions(grants))
        role.permissions = self._pvms_for(self.session.query(self.permissionview_model).all(), pairs)

    def role_permission_pairs(self, role_name: str) -> set[tuple[str, str]]:
        """(permission, view/menu) pairs a non-admin built-in role gets, from ROLE_GRANTS."""
        return self.grant_permission_pairs(ROLE_GRANTS.get(role_name, {}))

    def grant_permission_pairs(self, grants) -> set[tuple[str, str]]:
        """(permission, view/menu) pairs of grants (group → FAB permission names): the one
        derivation, for built-in and administrator-made roles alike."""
        pairs: set[tuple[str, str]] = set()
        granted_views: set[str] = set()
        for view in self.appbuilder.baseviews:
            group = getattr(view, "permission_group", "")
            level = grants.get(group)
            name = view.class_permission_name
            if level:
                for permission in view.base_permissions:
                    if permission in level:
                        pairs.add((permission, name))
                granted_views.add(name)
            for permission in SELF_SERVICE.get(name, ()):
                if permission in view.base_permissions:
                    pairs.add((permission, name))
        # Menus: an item is shown when its view is granted with menu_access; a category when
        # any of its items is.
        for category in self.appbuilder.menu.get_list():
            visible = False
            for item in category.childs or []:
                view = getattr(item, "baseview", None)
                if view is None or item.name == "-":
                    continue
                group = getattr(view, "permission_group", "")
                if "menu_access" in grants.get(group, ()):
                    pairs.add(("menu_access", item.name))
                    visible = True
            if category.childs:
                if visible:
                    pairs.add(("menu_access", category.name))
            else:
                view = getattr(category, "baseview", None)
                group = getattr(view, "permission_group", "") if view else ""
                if "menu_access" in grants.get(group, ()):
                    pairs.add(("menu_access", category.name))
        return pairs
