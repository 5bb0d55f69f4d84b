"""积案与四联四包 report: 积案 and their resolution, referrals closed on time, meetings by type,
下访 and the problems they solved (app/reports/backlog.py counts; definitions there)."""

from __future__ import annotations

from flask import url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext

from app.core import clock
from app.extensions import db
from app.leaders.choices import date_arg
from app.reports import backlog
from app.reports.views import ReportView
from app.security.access import may


class BacklogReportView(ReportView):
    route_base = "/reports/backlog"
    method_permission_name = {"index": "list"}
    previous_method_permission_name = method_permission_name

    @expose("/")
    @has_access
    def index(self):
        today = clock.today()
        first = date_arg("from", today.replace(month=1, day=1))
        last = date_arg("to", today)
        if last < first:
            first, last = last, first
        visits, solved = backlog.visits(db.session, first, last)
        return self.render_template(
            "xf/reports/backlog.html", title=gettext("Backlog and leader work report"), first=first, last=last,
            figures=backlog.backlog_figures(db.session, today),
            meetings=backlog.meetings_by_kind(db.session, first, last), visits=visits, solved=solved,
            definitions=backlog.DEFINITIONS,
            coverage_url=url_for("CoverageView.index") if may("can_list", "CoverageView") else "",
        )


def register_views(appbuilder) -> None:
    from flask_babel import lazy_gettext as _l

    from app.core.menu import add_menu_view

    add_menu_view(appbuilder, BacklogReportView, "Backlog report", _l("Backlog and leader work report"), "reports",
                  "fa-layer-group")
