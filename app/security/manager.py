"""The security manager: our user model, scoped user views, and role synchronisation."""

from __future__ import annotations

import logging

from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_babel import lazy_gettext as _l

from app.security.models import AppUser
from app.security.roles import ROLE_GRANTS, SELF_SERVICE, RoleName
from app.security.views import AppUserView, ReadOnlyRoleView, ScopedResetPasswordView

log = logging.getLogger(__name__)


class AppSecurityManager(SecurityManager):
    user_model = AppUser
    userdbmodelview = AppUserView
    resetpasswordview = ScopedResetPasswordView
    rolemodelview = ReadOnlyRoleView
    userstatschartview = None  # FAB's chart loads Google's libraries: unusable offline

    def register_views(self) -> None:
        """Only the security views this product uses (no groups, no raw permission tables)."""
        ab = self.appbuilder
        ab.add_api(self.security_api)
        ab.add_view_no_menu(self.userinfoeditview())
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
        ab.add_view(
            self.rolemodelview,
            "Roles",
            icon="fa-user-gear",
            label=_l("Roles"),
            category="Administration",
        )

    # --- roles from code ------------------------------------------------------------------------

    def sync_roles(self) -> None:
        """Make the role tables say exactly what app/security/roles.py says.

        Creates every view's permissions, the seven roles, and sets each role's permissions to
        its declared grants (removing anything granted by hand). Run after migrations.
        """
        ab = self.appbuilder
        roles = {name: self.find_role(name) or self.add_role(name) for name in RoleName.ALL}
        self.find_role(self.auth_role_public) or self.add_role(self.auth_role_public)
        ab.add_permissions(update_perms=True)
        ab.security_cleanup()
        all_pvms = self.session.query(self.permissionview_model).all()
        for role_name, role in roles.items():
            if role_name == RoleName.ADMIN:
                wanted = [pvm for pvm in all_pvms if pvm.permission and pvm.view_menu]
            else:
                grants = self.role_permission_pairs(role_name)
                wanted = [
                    pvm
                    for pvm in all_pvms
                    if pvm.permission
                    and pvm.view_menu
                    and (pvm.permission.name, pvm.view_menu.name) in grants
                ]
            role.permissions = wanted
        self.session.commit()

    def role_permission_pairs(self, role_name: str) -> set[tuple[str, str]]:
        """(permission, view/menu) pairs a non-admin role gets, from ROLE_GRANTS."""
        grants = ROLE_GRANTS.get(role_name, {})
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
