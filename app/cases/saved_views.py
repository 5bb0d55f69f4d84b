"""Saved views of the case list: a name for the list's current filters and sort.

A view is the owner's, or shared with the owner's unit when a 管理者 (or the administrator)
saves it so. It keeps only the list's query string (`saved_query`): whoever opens it sees the
list in their own scope — a shared view never shows rows its reader may not see.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext
from sqlalchemy import or_, select

from app.cases.list_models import SavedListView
from app.core.errors import DomainError
from app.extensions import db
from app.security.roles import RoleName

NAME_LENGTH = 60
QUERY_LENGTH = 4000
SHARING_ROLES = frozenset({RoleName.MANAGER, RoleName.ADMIN})
# A petitioner's name, ID number or phone typed into the list's search is not kept in a view
# (it would be stored and, shared, shown to the unit).
PERSONAL_KEYS = frozenset({"q_person"})


def saved_query(args: Any, view: str) -> str:
    """The list's filters and sort out of its query string (`args`: a MultiDict); never the
    page being shown, its size, or anything else."""
    kept = []
    for key in args:
        if key in PERSONAL_KEYS:
            continue
        if key.startswith(("q_", "_flt_")) or key in (f"_oc_{view}", f"_od_{view}"):
            kept += [(key, value) for value in args.getlist(key) if value.strip()]
    return urlencode(kept)


def may_share(user: Any) -> bool:
    return user.org_unit_id is not None and bool({r.name for r in user.roles} & SHARING_ROLES)


def visible_views(user: Any, view: str) -> list[SavedListView]:
    """The user's own views of list `view`, then those shared with their unit, by name."""
    mine = SavedListView.owner_id == user.id
    shared = SavedListView.shared_unit_id == user.org_unit_id if user.org_unit_id else None
    condition = or_(mine, shared) if shared is not None else mine
    rows = db.session.execute(
        select(SavedListView).where(SavedListView.view == view, condition)
        .order_by(SavedListView.shared_unit_id.isnot(None), SavedListView.name)
    ).scalars()
    return list(rows)


def save_view(user: Any, view: str, name: str, query: str, shared: bool) -> SavedListView:
    """Save (or replace, same name) the owner's view; the caller commits."""
    name = " ".join(name.split())
    if not name:
        raise DomainError(gettext("Give the view a name."), field="name")
    if len(name) > NAME_LENGTH:
        raise DomainError(gettext("A view's name has at most %(n)d characters.", n=NAME_LENGTH), field="name")
    if len(query) > QUERY_LENGTH:
        raise DomainError(gettext("These filters are too long to be saved as a view."), field="query")
    if shared and not may_share(user):
        raise DomainError(gettext("Only a manager shares a view with the unit."), field="shared")
    found = db.session.execute(
        select(SavedListView).where(SavedListView.owner_id == user.id, SavedListView.view == view,
                                    SavedListView.name == name)
    ).scalar_one_or_none()
    if found is None:
        found = SavedListView(owner_id=user.id, view=view, name=name)
        db.session.add(found)
    found.query = query
    found.shared_unit_id = user.org_unit_id if shared else None
    return found


class SavedViewsMixin:
    """Save, open and delete saved views of the list (CaseView); a dropdown above the list."""

    def list_context(self) -> dict:
        context = super().list_context()
        name = self.__class__.__name__
        context["saved_views"] = visible_views(g.user, name)
        context["saved_query"] = saved_query(request.args, name)
        context["may_share_views"] = may_share(g.user)
        return context

    def _saved_view(self, pk: Any) -> SavedListView:
        """A view this user sees (their own or their unit's), else 404."""
        found = db.session.get(SavedListView, int(pk)) if str(pk).isdigit() and int(pk) < 2**31 else None
        user = g.user
        if found is None or found.view != self.__class__.__name__ or not (
            found.owner_id == user.id or (found.shared_unit_id and found.shared_unit_id == user.org_unit_id)
        ):
            abort(404)
        return found

    @expose("/saved-views/save", methods=["POST"])
    @has_access
    @permission_name("list")
    def save_saved_view(self):
        query = saved_query(_args_of(request.form.get("query", "")), self.__class__.__name__)
        try:
            found = save_view(g.user, self.__class__.__name__, request.form.get("name", ""), query,
                              request.form.get("shared") == "1")
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(url_for(".list") + ("?" + query if query else ""))
        flash(gettext("View “%(name)s” saved.", name=found.name), "success")
        return redirect(url_for(".open_saved_view", pk=found.id))

    @expose("/saved-views/<pk>", methods=["GET"])
    @has_access
    @permission_name("list")
    def open_saved_view(self, pk):
        found = self._saved_view(pk)
        return redirect(url_for(".list") + ("?" + found.query if found.query else ""))

    @expose("/saved-views/<pk>/delete", methods=["GET", "POST"])
    @has_access
    @permission_name("list")
    def delete_saved_view(self, pk):
        """Confirm first (GET), then delete (POST); only the owner deletes a view."""
        found = self._saved_view(pk)
        if found.owner_id != g.user.id:
            abort(403)
        if request.method == "GET":
            return self.render_template("xf/cases/saved_view_delete.html", view=found,
                                        title=gettext("Delete saved view"))
        name = found.name
        db.session.delete(found)
        db.session.commit()
        flash(gettext("View “%(name)s” deleted.", name=name), "success")
        return redirect(url_for(".list"))


def _args_of(query: str):
    from urllib.parse import parse_qsl

    from werkzeug.datastructures import MultiDict

    return MultiDict(parse_qsl(query.lstrip("?"), keep_blank_values=False))
