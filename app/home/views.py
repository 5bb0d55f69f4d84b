"""Home page. Anonymous visitors are sent to the login page."""

from __future__ import annotations

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose
from sqlalchemy import func, select

from app.cases.models import Case, CaseStatus
from app.core.scoping import scope_clause
from app.extensions import db


class HomeView(IndexView):
    route_base = ""
    default_view = "index"
    index_template = "xf/home.html"

    @expose("/")
    def index(self):
        user = g.user
        if user is None or not user.is_authenticated:
            return redirect(url_for(self.appbuilder.sm.auth_view.endpoint + ".login"))
        counts = dict(
            db.session.execute(
                select(Case.status, func.count()).where(scope_clause(Case)).group_by(Case.status)
            ).all()
        )
        status_counts = [(s, counts.get(s.value, 0)) for s in CaseStatus]
        return self.render_template(
            self.index_template, status_counts=status_counts, total=sum(counts.values())
        )
