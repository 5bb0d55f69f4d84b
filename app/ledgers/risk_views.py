"""Pages of the 风险期: the periods the administrator keeps, and the ones history proposes."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired

from app.core import clock
from app.core.errors import DomainError, raise_problems
from app.core.paging import ListInterface
from app.core.record_page import ShowsEveryProblem
from app.core.validators import MaxLength
from app.core.views import ScopedModelView
from app.extensions import db
from app.ledgers import risk_periods
from app.ledgers.models import RiskPeriod
from app.org.models import OrgKind

RISK_LABELS = {
    "name": _l("Risk period"),
    "starts_on": _l("First day"),
    "ends_on": _l("Last day"),
    "dates_label": _l("Dates"),
    "all_townships": _l("All townships"),
    "townships": _l("Townships affected"),
    "townships_label": _l("Townships affected"),
    "frequency": _l("Sweep cadence in the period"),
    "due_weekday": _l("Weekly reports due on"),
    "cutoff": _l("Cut-off time"),
    "subject": _l("Subject"),
    "origin": _l("Origin"),
    "basis": _l("Figures behind it"),
    "note": _l("Note"),
    "created_by": _l("Recorded by"),
    "created_at": _l("Recorded at"),
}


class RiskPeriodView(ShowsEveryProblem, ScopedModelView):
    """风险期: the administrator's calendar of periods with a tighter sweep cadence."""

    datamodel = ListInterface(RiskPeriod)  # county configuration, kept by the administrator only
    permission_group = "risk_periods"
    route_base = "/sweeps/risk-periods"
    list_title = _l("Risk periods")
    show_title = _l("Risk period")
    add_title = _l("Add risk period")
    edit_title = _l("Edit risk period")
    label_columns = RISK_LABELS
    list_columns = ["name", "dates_label", "townships_label", "frequency", "cutoff", "subject", "origin"]
    export_columns = ["name", "starts_on", "ends_on", "townships_label", "frequency", "cutoff", "subject", "origin",
                      "basis", "note"]
    add_columns = edit_columns = ["name", "starts_on", "ends_on", "all_townships", "townships", "frequency",
                                  "due_weekday", "cutoff", "subject", "note"]
    show_columns = ["name", "starts_on", "ends_on", "townships_label", "frequency", "due_weekday", "cutoff",
                    "subject", "origin", "basis", "note", "created_by", "created_at"]
    order_columns = ["name"]
    base_order = ("starts_on", "desc")
    search_columns = ["name", "starts_on", "ends_on", "frequency"]
    add_form_query_rel_fields = {"townships": [["kind", FilterEqual, OrgKind.TOWNSHIP.value]]}
    edit_form_query_rel_fields = add_form_query_rel_fields
    validators_columns = {"name": [DataRequired(), MaxLength(100)], "note": [MaxLength(2000)],
                          "cutoff": [MaxLength(5)]}
    description_columns = {
        "name": _l("e.g. 春节前农民工工资, 冬季供暖期, 春耕生产"),
        "frequency": _l("While the period runs, the townships affected file their own sweep report at this "
                        "cadence, e.g. daily (零报告 when nothing was found)"),
        "cutoff": _l("Reports are due by this time (HH:MM) on the due day"),
        "due_weekday": _l("Only for weekly periods (Monday–Sunday); other periods are due on their last day"),
        "subject": _l("The subject the period watches, if one (for the record)"),
    }

    def prefill_add_form(self, form) -> None:
        form.cutoff.data = "16:00"
        form.frequency.data = "daily"

    def validate_item(self, item: RiskPeriod, is_new: bool) -> None:  # noqa: ARG002
        item.cutoff = (item.cutoff or "").strip()
        item.name = (item.name or "").strip()
        if item.all_townships:
            item.townships = []
        raise_problems(risk_periods.problems(item))


class RiskProposalView(BaseView):
    """风险期建议: months far above their average in past years, with the figures, to adopt."""

    permission_group = "risk_periods"
    route_base = "/sweeps/risk-proposals"
    default_view = "index"
    method_permission_name = {"index": "list", "adopt": "add"}
    previous_method_permission_name = method_permission_name

    @expose("/")
    @has_access
    def index(self):
        today = clock.today()
        found = risk_periods.proposals(db.session, today)
        return self.render_template(
            "xf/ledgers/risk_proposals.html", title=gettext("Proposed risk periods"), proposals=found,
            window=risk_periods.history_window(db.session, today), ratio=risk_periods.RATIO,
            minimum=risk_periods.MIN_MONTH_MEAN,
        )

    @expose("/adopt", methods=["POST"])
    @has_access
    def adopt(self):
        try:
            risk = risk_periods.adopt(db.session, request.form.get("key", ""), clock.today())
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(url_for(f"{self.endpoint}.index"))
        flash(gettext("Adopted as the risk period %(name)s, %(dates)s.", name=risk.name, dates=risk.dates_label),
              "success")
        return redirect(url_for("RiskPeriodView.show", pk=risk.id))
