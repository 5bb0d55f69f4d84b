"""角色管理: the role editor — roles as permission groups × access levels, in Chinese.

Who may see and change what: app/security/role_rules.py. The FAB permissions of a role are
derived from its grants when it is saved (AppSecurityManager.apply_grants).
"""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext

from app.core.errors import DomainError, render_error
from app.extensions import db
from app.org.choices import org_choices
from app.security import role_rules as rules
from app.security.grants import catalogue, grant_pairs
from app.security.roles import ROLE_DESCRIPTIONS


class RoleEditorView(BaseView):
    """List, create, copy, edit and delete roles (built-in ones are read-only)."""

    permission_group = "roles"
    route_base = "/rolegrants"
    default_view = "index"
    method_permission_name = {
        "index": "list", "show": "list", "who": "list", "add": "add", "copy": "add", "edit": "edit", "delete": "delete",
    }
    previous_method_permission_name = method_permission_name

    # --- pages ------------------------------------------------------------------------------

    @expose("/")
    @has_access
    def index(self):
        rows = []
        for role, profile in rules.visible_roles(db.session, g.user):
            rows.append({
                "role": role,
                "built_in": profile is None or profile.built_in,
                "township": profile.org_unit.name if profile is not None and profile.org_unit else "",
                "description": self._description(role, profile),
                "editable": rules.may_edit(g.user, profile),
            })
        return self.render_template("xf/security/roles.html", title=gettext("Roles"), rows=rows)

    @expose("/<int:pk>")
    @has_access
    def show(self, pk: int):
        role, profile = self._visible(pk)
        return self._form(role, profile, readonly=not rules.may_edit(g.user, profile), status=200)

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        if request.method == "POST":
            return self._save(None, None)
        return self._form(None, None)

    @expose("/copy/<int:pk>", methods=["GET"])
    @has_access
    def copy(self, pk: int):
        """A new role pre-filled with a visible role's grants (those the user may grant)."""
        role, profile = self._visible(pk)
        grants = rules.grants_of(db.session, [role.id])
        allowed = rules.grantable(db.session, g.user)
        if allowed is not None:
            grants = {grp: frozenset(lv for lv in levels if (grp, lv) in allowed) for grp, levels in grants.items()}
        values = {"name": gettext("Copy of %(name)s", name=role.name),
                  "description": self._description(role, profile), "grants": grant_pairs(grants)}
        return self._form(None, None, values=values)

    @expose("/edit/<int:pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk: int):
        role, profile = self._visible(pk)
        if not rules.may_edit(g.user, profile):
            return render_error(403, gettext("You may not change this role"))
        if request.method == "POST":
            return self._save(role, profile)
        return self._form(role, profile)

    @expose("/delete/<int:pk>", methods=["GET", "POST"])
    @has_access
    def delete(self, pk: int):
        """GET asks to confirm (naming who holds the role, if anyone); POST deletes."""
        role, profile = self._visible(pk)
        if not rules.may_edit(g.user, profile):
            return render_error(403, gettext("You may not change this role"))
        holders = rules.users_of(db.session, role)
        if request.method == "POST":
            try:
                name = role.name
                rules.delete_role(db.session, g.user, role)
            except DomainError as error:
                db.session.rollback()
                return self.render_template(
                    "xf/security/role_delete.html", title=gettext("Delete role"), role=role,
                    holders=holders, error=str(error),
                ), 422
            flash(gettext("Role %(name)s deleted.", name=name), "success")
            return redirect(url_for("RoleEditorView.index"))
        return self.render_template(
            "xf/security/role_delete.html", title=gettext("Delete role"), role=role, holders=holders, error="",
        )

    @expose("/who")
    @has_access
    def who(self):
        """谁能做什么: for one user of the administrator's area, every area and action their
        roles reach (a 系统管理员: everything)."""
        from app.core.scoping import get_scoped, scoped_select
        from app.security.models import AppUser

        users = db.session.execute(scoped_select(AppUser).order_by(AppUser.username)).unique().scalars().all()
        chosen, rows = None, []
        if request.args.get("user"):
            chosen = get_scoped(AppUser, request.args.get("user"))
            if chosen is None:
                from flask import abort

                abort(404)
            everything = rules.is_admin(chosen)
            held = rules.grants_of(db.session, [r.id for r in chosen.roles])
            for row in catalogue(self.appbuilder):
                levels = [lv for lv in row.levels if (everything and lv.key != "personal_data")
                          or lv.key in held.get(row.group, ())]
                if levels:
                    rows.append({"row": row, "levels": levels})
        return self.render_template(
            "xf/security/who.html", title=gettext("Who can do what"), users=users, chosen=chosen, rows=rows,
            everything=chosen is not None and rules.is_admin(chosen),
        )

    # --- helpers ----------------------------------------------------------------------------

    def _visible(self, pk: Any):
        found = rules.visible_role(db.session, g.user, pk)
        if found is None:
            from flask import abort

            abort(404)
        return found

    @staticmethod
    def _description(role, profile) -> str:
        if profile is not None and profile.description:
            return profile.description
        text = ROLE_DESCRIPTIONS.get(role.name)
        return str(text) if text else ""

    def _save(self, role, profile):
        form = request.form
        grants = rules.parse_grants(form.getlist("grant"))
        org_unit_id = None
        if rules.is_admin(g.user) and form.get("org_unit_id", "").strip():
            townships = {i for i, _ in org_choices("township")}
            try:
                org_unit_id = int(form["org_unit_id"])
            except ValueError:
                org_unit_id = -1
            if org_unit_id not in townships:
                return self._form(role, profile, values=self._posted(), errors={
                    "org_unit_id": gettext("Choose a township from the list")}, status=422)
        try:
            saved = rules.save_role(
                db.session, g.user, role, name=form.get("name", ""), description=form.get("description", ""),
                grants=grants, org_unit_id=org_unit_id,
            )
        except DomainError as error:
            db.session.rollback()
            status = 403 if isinstance(error, rules.RoleRefused) else 422
            return self._form(role, profile, values=self._posted(),
                              errors={error.field or "": str(error)}, status=status)
        flash(gettext("Role %(name)s saved.", name=saved.name), "success")
        return redirect(url_for("RoleEditorView.show", pk=saved.id))

    @staticmethod
    def _posted() -> dict[str, Any]:
        form = request.form
        return {"name": form.get("name", ""), "description": form.get("description", ""),
                "org_unit_id": form.get("org_unit_id", ""),
                "grants": grant_pairs(rules.parse_grants(form.getlist("grant")))}

    def _form(self, role, profile, *, values=None, errors=None, readonly=False, status=200):
        if values is None:
            values = {"name": "", "description": "", "org_unit_id": "", "grants": frozenset()}
            if role is not None:
                values = {
                    "name": role.name, "description": self._description(role, profile),
                    "org_unit_id": str(profile.org_unit_id or "") if profile is not None else "",
                    "grants": grant_pairs(rules.grants_of(db.session, [role.id])),
                }
        allowed = rules.grantable(db.session, g.user)
        built_in = profile is None or profile.built_in if role is not None else False
        if role is None:
            title = gettext("New role")
        elif readonly:
            title = gettext("Role %(name)s", name=role.name)
        else:
            title = gettext("Edit role %(name)s", name=role.name)
        page = self.render_template(
            "xf/security/role_form.html", title=title, role=role, built_in=built_in, readonly=readonly,
            rows=catalogue(self.appbuilder), values=values, errors=errors or {}, allowed=allowed,
            townships=org_choices("township") if rules.is_admin(g.user) else (),
            holders=rules.users_of(db.session, role) if role is not None else [],
        )
        return page, status


