"""User administration, scoped: a 乡镇管理员 manages only their township's users.

Flask-AppBuilder's user views assume one global administrator. Here a township administrator
creates and edits users of their own township and grants only the non-admin roles, and
FAB's password-reset form (which takes any user id from the query string) is scoped too.
"""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, action, expose
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.security.forms import ResetPasswordForm
from flask_appbuilder.security.views import (
    AuthDBView,
    ResetPasswordView,
    RoleModelView,
    UserDBModelView,
)
from flask_appbuilder.security.views import ResetMyPasswordView as FabResetMyPasswordView
from flask_appbuilder.widgets import ListWidget
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import false
from werkzeug.security import check_password_hash
from wtforms import PasswordField
from wtforms.validators import DataRequired, ValidationError

from app.core.errors import DomainError
from app.core.listing import SortsByOfferedColumns
from app.core.scoping import ScopeFilter, current_scope, get_scoped
from app.core.views import ScopedModelView
from app.extensions import db
from app.security.auth import login_refused_message


class AppAuthDBView(AuthDBView):
    """FAB's login form; every refusal reads the same (app/security/auth.py). Logging out is a POST with the CSRF token (a GET asks for it) and ends every session of
    the user (app/core/sessions.py)."""

    @expose("/logout/", methods=["GET", "POST"])
    def logout(self):
        if request.method != "POST":
            if not current_user.is_authenticated:
                return redirect(self.appbuilder.get_url_for_login)
            return self.render_template("xf/logout.html", title=gettext("Log out?"))
        return super().logout()

    @property
    def invalid_login_message(self) -> str:
        return login_refused_message()


def role_label(name: str) -> str:
    """A role as people read it: our roles are named in Chinese; FAB's role for visitors who
    are not logged in keeps its English name ("Public") in the database."""
    return str(_l("Public (not logged in)")) if name == "Public" else name


def role_list(roles) -> str:
    """A user's roles as a plain list (系统管理员、登记员), not Python's "[…]"."""
    return "、".join(role_label(role.name) for role in roles or ())


class GrantableRoleFilter(BaseFilter):
    """Roles the current user may hand out (app/security/role_rules.py): every role for a
    系统管理员; the non-admin built-in roles and their own township's roles for a 乡镇管理员."""

    name = "grantable roles"

    def apply(self, query, value):  # noqa: ARG002
        from app.security.role_rules import assignable_role_ids

        ids = assignable_role_ids(db.session, g.user)
        return query.filter(self.model.id.in_(sorted(ids))) if ids else query.filter(false())


def at_least_one_role(form, field) -> None:
    if not field.data:
        raise ValidationError(gettext("Choose at least one role"))


class AppUserView(ScopedModelView, UserDBModelView):
    """The user list, scoped through the user's org unit."""

    permission_group = "users"
    route_base = "/users"
    base_filters = [["id", ScopeFilter, None]]
    org_choice_columns = {"org_unit": "any"}

    list_title = _l("Users")
    show_title = _l("User")
    add_title = _l("Add user")
    edit_title = _l("Edit user")

    label_columns = {
        **UserDBModelView.label_columns,
        "org_unit": _l("Org unit"),
        "roles": _l("Roles"),
        "first_name": _l("Given name"),
        "last_name": _l("Family name"),
        "username": _l("Login name"),
        "locked_at": _l("Locked since"),
        "must_change_password": _l("Must change password"),
    }
    list_columns = [
        "last_name", "first_name", "username", "org_unit", "roles", "active", "locked_at", "last_login",
    ]
    search_columns = ["first_name", "last_name", "username", "email", "active", "roles", "org_unit"]
    add_columns = [
        "last_name", "first_name", "username", "org_unit", "active", "email", "roles",
        "password", "conf_password",
    ]
    edit_columns = ["last_name", "first_name", "username", "org_unit", "active", "email", "roles"]
    show_fieldsets = [
        (_l("User info"), {"fields": ["username", "org_unit", "active", "roles", "login_count"]}),
        (_l("Personal Info"), {"fields": ["last_name", "first_name", "email"], "expanded": True}),
        (
            _l("Audit Info"),
            {
                "fields": [
                    "last_login", "fail_login_count", "locked_at", "must_change_password",
                    "created_on", "changed_on",
                ],
                "expanded": False,
            },
        ),
    ]
    user_show_fieldsets = [
        (_l("User info"), {"fields": ["username", "org_unit", "roles", "login_count"]}),
        (_l("Personal Info"), {"fields": ["last_name", "first_name", "email"], "expanded": True}),
    ]
    # FAB's own validator reads a "groups" field we do not offer: require a role instead.
    # 所属机构 decides what the user sees: required (marked, and checked with the other fields).
    validators_columns = {"roles": [at_least_one_role], "org_unit": [DataRequired()]}
    formatters_columns = {"roles": role_list}
    add_form_query_rel_fields = {"roles": [["name", GrantableRoleFilter, None]]}
    edit_form_query_rel_fields = {"roles": [["name", GrantableRoleFilter, None]]}
    description_columns = {
        "org_unit": _l("The township, village or unit this person works in; it decides what they see"),
    }

    def validate_item(self, item, is_new: bool) -> None:
        scope = current_scope()
        if item.org_unit is None and not scope.everything:
            raise DomainError(gettext("Choose the org unit this user works in"), field="org_unit")
        from sqlalchemy import inspect as sa_inspect

        from app.security.role_rules import assignable_role_ids

        township = item.org_unit.township_id if item.org_unit is not None else None
        allowed = assignable_role_ids(db.session, g.user, township)
        history = sa_inspect(item).attrs.roles.history
        held = {r.id for r in (history.unchanged or ())} if not is_new else set()
        # A role the user holds already may stay; a new one must be one this administrator may
        # give to a user of this township (a township's own roles only there).
        forbidden = {r.name for r in item.roles if r.id not in allowed and r.id not in held}
        if forbidden:
            raise DomainError(
                gettext("You may not grant the role %(role)s", role="、".join(sorted(forbidden))),
                field="roles",
            )

    @staticmethod
    def _no_email_is_null(item) -> None:
        # E-mail is optional and unique: an empty one is stored as NULL, never "" (two ""s clash).
        item.email = (item.email or "").strip() or None

    def pre_update(self, item) -> None:
        super().pre_update(item)
        self._no_email_is_null(item)
        if item.id == g.user.id and not item.active:
            raise DomainError(gettext("You cannot deactivate your own account"), field="active")

    def pre_add(self, item) -> None:
        super().pre_add(item)
        self._no_email_is_null(item)
        # Outside demo mode a password chosen by an administrator is for the first login only.
        item.must_change_password = not current_app.config.get("DEMO_MODE")

    def pre_delete(self, item) -> None:
        if item.id == g.user.id:
            raise DomainError(gettext("You cannot delete your own account"))

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        item = self.get_scoped_item(pk)
        actions = {
            "resetpasswords": self.actions.get("resetpasswords"),
            "end_sessions": self.actions.get("end_sessions"),
        }
        if item.locked_at is not None:
            actions["unlock"] = self.actions.get("unlock")
        widgets = self._get_show_widget(pk, item, actions=actions)
        self.update_redirect()
        return self.render_template(
            self.show_template, pk=pk, title=self.show_title, widgets=widgets,
            appbuilder=self.appbuilder, related_views=self._related_views,
        )

    @action(
        "unlock",
        _l("Unlock"),
        _l("Unlock the selected accounts so that they can sign in again?"),
        "fa-unlock",
    )
    def unlock(self, items):
        """Lift a lockout (records come scoped: a 乡镇管理员 unlocks their township's users)."""
        users = items if isinstance(items, list) else [items]
        for user in users:
            self.appbuilder.sm.unlock_user(user)
        db.session.commit()
        flash(gettext("Unlocked %(n)d accounts.", n=len(users)), "success")
        return redirect(self.get_redirect())

    @action(
        "end_sessions",
        _l("Sign out everywhere"),
        _l("End every session of the selected users on every computer (and their API tokens)?"),
        "fa-sign-out",
    )
    def end_sessions(self, items):
        """End a user's sessions at once — a lost laptop, a shared computer (records come
        scoped: a 乡镇管理员 signs out their township's users)."""
        users = items if isinstance(items, list) else [items]
        for user in users:
            self.appbuilder.sm.end_all_sessions(user)
        flash(gettext("Signed out %(n)d users everywhere.", n=len(users)), "success")
        return redirect(self.get_redirect())

    @expose("/userinfo/")
    @has_access
    def userinfo(self):
        # One's own profile is always visible, whatever the scope.
        actions = {
            "resetmypassword": self.actions.get("resetmypassword"),
            "userinfoedit": self.actions.get("userinfoedit"),
        }
        item = self.datamodel.get(g.user.id)
        widgets = self._get_show_widget(
            g.user.id, item, actions=actions, show_fieldsets=self.user_show_fieldsets
        )
        self.update_redirect()
        return self.render_template(
            self.show_template, title=_l("Your user information"), widgets=widgets
        )


class ScopedResetPasswordView(ResetPasswordView):
    """FAB's reset form takes the user id from the query string; only scoped ids are accepted."""

    permission_group = "users"
    form_title = _l("Reset password")
    message = _l("Password changed")

    def _target(self):
        from app.security.models import AppUser

        user = get_scoped(AppUser, request.args.get("pk"))
        if user is None:
            abort(404)
        return user

    @expose("/form", methods=["GET"])
    @has_access
    def this_form_get(self):
        self._target()
        return super().this_form_get()

    @expose("/form", methods=["POST"])
    @has_access
    def this_form_post(self):
        self._target()
        return super().this_form_post()

    def form_post(self, form):
        user = self._target()
        self.appbuilder.sm.reset_password(user.id, form.password.data)
        flash(str(self.message), "info")
        return redirect(url_for("AppUserView.show", pk=user.id))


class OwnPasswordForm(ResetPasswordForm):
    """One's own new password, confirmed by the current one: a session left open on a shared
    computer must not be enough to take the account over."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password."))],
        widget=BS3PasswordFieldWidget(),
    )

    def validate_current_password(self, field) -> None:
        stored = getattr(g.user, "password", None) or ""
        if not stored or not check_password_hash(stored, field.data or ""):
            raise ValidationError(gettext("The current password is not right."))


class ResetMyPasswordView(FabResetMyPasswordView):
    """FAB's own-password form, asking for the current password first (same name: same
    endpoints and permissions)."""

    form = OwnPasswordForm
    form_columns = ["current_password", "password", "conf_password"]


class PersonalDataGrant(BaseView):
    """No pages: the holder of the grant "办理信访人个人信息" (group personal_data) as a FAB
    permission, so that it is cached and checked like every other (app/core/privacy.py)."""

    permission_group = "personal_data"
    base_permissions = ["can_handle_personal_data"]


class ReadOnlyRoleView(SortsByOfferedColumns, RoleModelView):
    """FAB's raw view of roles and their permission pairs, for the 系统管理员 alone (the role
    editor, app/security/role_views.py, is where roles are read and changed)."""

    permission_group = "system_roles"
    list_title = _l("Roles")
    show_title = _l("Role")
    base_permissions = ["can_list", "can_show"]
    list_columns = ["name"]
    show_columns = ["name", "permissions"]
    search_columns = ["name"]
    label_columns = {"name": _l("Name"), "permissions": _l("Permissions")}
    # FAB's role for visitors who are not logged in keeps its English name in the database.
    formatters_columns = {"name": role_label}
    # FAB's RoleListWidget ignores formatters_columns; the plain list widget applies them.
    list_widget = ListWidget

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.actions = {}
