"""Pages of the reception rota: the rotas (administrator), and each rota's coming days with gaps
and clashes, from which the published slots are generated."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectMultipleField
from wtforms.validators import DataRequired

from app.core import clock
from app.core.errors import raise_problems
from app.core.paging import ListInterface
from app.core.record_page import ShowsEveryProblem
from app.core.validators import MaxLength
from app.core.views import ScopedModelView
from app.deadlines.policy import current_policy
from app.extensions import db
from app.leaders import rota as rules
from app.leaders.models import ReceptionRota
from app.ledgers.models import Weekday


class WeekdaysField(SelectMultipleField):
    """The weekdays as ticks, stored as "0,1,2"."""

    def process_data(self, value):
        self.data = [v for v in (value or "").split(",") if v] if isinstance(value, str) else list(value or [])

    def populate_obj(self, obj, name):
        setattr(obj, name, ",".join(sorted(self.data or [])))


ROTA_LABELS = {
    "name": _l("Rota"),
    "place": _l("Place"),
    "start_time": _l("Starts at"),
    "end_time": _l("Ends at"),
    "subjects": _l("Subjects received"),
    "starts_on": _l("First day"),
    "ends_on": _l("Last day"),
    "working_days_only": _l("Working days only"),
    "weekdays": _l("Weekdays"),
    "leaders": _l("Leaders taking turns"),
    "active": _l("Active"),
}


class ReceptionRotaView(ShowsEveryProblem, ScopedModelView):
    """轮流接访: which leaders take turns where, on which days (administrator)."""

    datamodel = ListInterface(ReceptionRota)  # county configuration, kept by the administrator only
    permission_group = "reception_rota"
    route_base = "/leaders/rotas"
    list_title = _l("Reception rotas")
    show_title = _l("Reception rota")
    add_title = _l("Add reception rota")
    edit_title = _l("Edit reception rota")
    label_columns = ROTA_LABELS
    list_columns = ["name", "place", "starts_on", "ends_on", "working_days_only", "leaders", "active"]
    add_columns = edit_columns = ["name", "place", "start_time", "end_time", "subjects", "starts_on", "ends_on",
                                  "working_days_only", "weekdays", "leaders", "active"]
    show_columns = add_columns
    export_columns = ["name", "place", "start_time", "end_time", "starts_on", "ends_on", "working_days_only",
                      "weekdays"]
    search_columns = ["name", "place", "active"]
    base_order = ("starts_on", "desc")
    add_form_query_rel_fields = {"leaders": [["active", FilterEqual, True]]}
    edit_form_query_rel_fields = add_form_query_rel_fields
    validators_columns = {"name": [DataRequired(), MaxLength(100)], "place": [DataRequired(), MaxLength(100)],
                          "subjects": [MaxLength(200)]}
    description_columns = {
        "working_days_only": _l("Working days of the deadlines calendar: holidays off, adjusted working weekends on"),
        "weekdays": _l("Only when not working days only"),
        "leaders": _l("They take turns in the order of the leaders' list, one a day"),
    }

    def __init__(self, **kwargs):
        choices = [(w.value, w.label) for w in Weekday]
        self.add_form_extra_fields = {"weekdays": WeekdaysField(_l("Weekdays"), choices=choices)}
        self.edit_form_extra_fields = self.add_form_extra_fields
        super().__init__(**kwargs)

    def prefill_add_form(self, form) -> None:
        form.start_time.data, form.end_time.data = "08:00", "17:00"
        form.working_days_only.data = True
        form.starts_on.data = clock.today()

    def validate_item(self, item: ReceptionRota, is_new: bool) -> None:  # noqa: ARG002
        raise_problems(rules.problems(item))


class RotaPlanView(BaseView):
    """接访轮值: each rota's coming days — who the rule names, the slots published, gaps, clashes."""

    permission_group = "reception_rota"
    route_base = "/leaders/rota"
    default_view = "index"
    method_permission_name = {"index": "list", "generate": "add"}
    previous_method_permission_name = method_permission_name

    @expose("/")
    @has_access
    def index(self):
        today = clock.today()
        calendar = current_policy().calendar
        rotas = db.session.execute(
            select(ReceptionRota).where(ReceptionRota.active.is_(True)).order_by(ReceptionRota.id)
        ).scalars().all()
        plans = [(r, rules.overview(db.session, r, today, rules.HORIZON_DAYS, calendar)) for r in rotas]
        return self.render_template("xf/leaders/rota_plan.html", title=gettext("Reception rota"), plans=plans,
                                    horizon=rules.HORIZON_DAYS)

    @expose("/generate/<int:pk>", methods=["POST"])
    @has_access
    def generate(self, pk: int):
        rota = db.session.get(ReceptionRota, pk)
        if rota is None:
            abort(404)
        written = rules.generate(db.session, rota, clock.today(), rules.HORIZON_DAYS, current_policy().calendar)
        db.session.commit()
        flash(gettext("%(n)d reception slots published from the rota %(name)s.", n=written, name=rota.name),
              "success")
        return redirect(url_for(f"{self.endpoint}.index"))
