"""The results page of the navbar's search box (every signed-in user; each kind asks its own
list's permission and scope, see finder.py)."""

from __future__ import annotations

from flask import g, redirect, request
from flask_appbuilder import BaseView, expose
from flask_babel import gettext

from app.lookup.finder import MAX_LENGTH, search


class SearchView(BaseView):
    route_base = "/search"
    default_view = "index"

    @expose("/")
    def index(self):
        user = getattr(g, "user", None)
        if user is None or not getattr(user, "is_authenticated", False):
            return redirect(self.appbuilder.get_url_for_login)
        text = (request.args.get("q") or "").strip()
        groups = search(text)
        return self.render_template(
            "xf/lookup/results.html", text=text[:MAX_LENGTH], groups=groups,
            found=sum(len(group.hits) for group in groups), title=gettext("Search"),
        )


def register_views(appbuilder) -> None:
    appbuilder.add_view_no_menu(SearchView())
