"""Pages of the leaders' reception work: reception slots (接访安排), 接访/下访 records and the published schedule."""

from __future__ import annotations

from datetime import date, timedelta

from flask import g, request
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, TextAreaField
from wtforms.validators import Optional

from app.cases.references import (
    relinked_cases,
    shown_numbers_for_form,
)
from app.core import clock
from app.core.errors import DomainError, raise_problems
from app.core.pages import ReadPage
from app.core.paging import ScopedInterface
from app.core.quick_search import QuickSearch
from app.core.record_page import ShowsEveryProblem
from app.core.scoping import ScopeFilter, current_scope
from app.core.validators import MaxLength, NotInFuture
from app.core.views import ScopedModelView
from app.extensions import db
from app.leaders import rules
from app.leaders.choices import ActableLeaderFilter, date_arg, leader_choices
from app.leaders.models import (
    Reception,
    ReceptionKind,
    ReceptionSlot,
)
from app.security.access import may

# --- receptions -----------------------------------------------------------------------------------------


class ReceptionSlotView(ShowsEveryProblem, ScopedModelView):
    """领导接访安排: planned receptions, published on the schedule."""

    datamodel = ScopedInterface(ReceptionSlot)
    permission_group = "receptions"
    route_base = "/leaders/slots"
    list_title = _l("Reception plan")
    show_title = _l("Planned reception")
    add_title = _l("Plan a reception")
    edit_title = _l("Edit planned reception")
    label_columns = {
        "leader": _l("Leader"),
        "day": _l("Reception day"),
        "start_time": _l("From"),
        "end_time": _l("To"),
        "hours": _l("Hours"),
        "place": _l("Place"),
        "subjects": _l("Subjects received on"),
        "township": _l("Township"),
        "published": _l("Published"),
        "note": _l("Note"),
    }
    list_columns = ["day", "hours", "leader", "place", "subjects", "township", "published"]
    export_columns = ["day", "start_time", "end_time", "leader", "place", "subjects", "township", "published"]
    add_columns = edit_columns = ["leader", "day", "start_time", "end_time", "place", "subjects", "township",
                                  "published", "note"]
    order_columns = ["day"]
    base_order = ("day", "desc")
    search_columns = ["leader", "day", "township", "published"]
    org_choice_columns = {"township": "township"}
    add_form_query_rel_fields = {"leader": [["id", ActableLeaderFilter, None]]}
    edit_form_query_rel_fields = {"leader": [["id", ActableLeaderFilter, None]]}
    search_form_query_rel_fields = {"leader": [["id", ScopeFilter, None]]}
    description_columns = {
        "subjects": _l("The matters the leader receives on (专家门诊), e.g. 征地拆迁、劳动社保"),
        "township": _l("Where the reception takes place, if in a township"),
        "start_time": _l("HH:MM"),
        "end_time": _l("HH:MM"),
    }
    quick_search = (
        QuickSearch("leader", _l("Leader"), lambda v: ReceptionSlot.leader_id == int(v) if v.isdigit() else None,
                    kind="select", choices=leader_choices),
        QuickSearch("from", _l("From day"), lambda v: ReceptionSlot.day >= _iso(v), kind="date"),
    )

    def prefill_add_form(self, form) -> None:
        form.day.data = clock.today() + timedelta(days=1)
        form.start_time.data, form.end_time.data = "09:00", "11:30"
        mine = rules.leader_for_user(db.session, g.user)
        if mine is not None:
            form.leader.data = mine

    def validate_item(self, item: ReceptionSlot, is_new: bool) -> None:
        problems = rules.slot_problems(item, g.user, is_new)
        raise_problems(problems)
        rules.fill_slot(item)


def _iso(value: str):
    try:
        return date.fromisoformat(value)
    except ValueError:
        return date.min


class ReceptionView(ShowsEveryProblem, ScopedModelView):
    """接访/下访 records: batches, persons, and the cases registered from them."""

    datamodel = ScopedInterface(Reception)
    permission_group = "receptions"
    route_base = "/leaders/receptions"
    list_title = _l("Receptions and visits")
    show_title = _l("Reception record")
    add_title = _l("Record a reception or visit")
    edit_title = _l("Edit reception record")
    label_columns = {
        "kind": _l("Kind"),
        "leader": _l("Leader"),
        "slot": _l("Planned reception"),
        "held_on": _l("Held on"),
        "place": _l("Place"),
        "township": _l("Township"),
        "village": _l("Village"),
        "batches": _l("Batches"),
        "persons": _l("Persons"),
        "problems_solved": _l("Problems solved"),
        "summary": _l("Summary and instructions"),
        "case_numbers": _l("Cases registered"),
    }
    list_columns = ["held_on", "kind", "leader", "place", "township", "batches", "persons", "problems_solved",
                    "case_numbers"]
    export_columns = ["held_on", "kind", "leader", "place", "township", "village", "batches", "persons",
                      "problems_solved", "case_numbers", "summary"]
    add_columns = edit_columns = ["kind", "leader", "slot", "held_on", "place", "township", "village", "batches",
                                  "persons", "problems_solved", "case_numbers", "summary"]
    show_columns = ["kind", "leader", "held_on", "place", "township", "village", "batches", "persons",
                    "problems_solved", "case_numbers", "summary"]
    order_columns = ["held_on", "persons"]
    base_order = ("held_on", "desc")
    search_columns = ["kind", "leader", "held_on", "township"]
    org_choice_columns = {"township": "township", "village": "village"}
    add_form_query_rel_fields = {"leader": [["id", ActableLeaderFilter, None]], "slot": [["id", ScopeFilter, None]]}
    edit_form_query_rel_fields = add_form_query_rel_fields
    search_form_query_rel_fields = {"leader": [["id", ScopeFilter, None]]}
    add_form_extra_fields = {
        "case_numbers": TextAreaField(_l("Cases registered"), validators=[MaxLength(2000)]),
        # Optional: empty means none solved (the rule refuses a negative number, next to the field).
        "problems_solved": IntegerField(_l("Problems solved"), validators=[Optional()], default=0),
    }
    edit_form_extra_fields = add_form_extra_fields
    validators_columns = {"held_on": [NotInFuture()]}
    description_columns = {
        "case_numbers": _l("Numbers of the cases registered at this reception, separated by spaces or commas"),
        "batches": _l("批次: groups received"),
        "persons": _l("人次: people received"),
        "problems_solved": _l("Problems solved by this reception or visit (下访)"),
    }
    quick_search = (
        QuickSearch("leader", _l("Leader"), lambda v: Reception.leader_id == int(v) if v.isdigit() else None,
                    kind="select", choices=leader_choices),
        QuickSearch("kind", _l("Kind"), lambda v: Reception.kind == v, kind="select", choices=ReceptionKind.choices),
        QuickSearch("from", _l("From day"), lambda v: Reception.held_on >= _iso(v), kind="date"),
    )

    def prefill_add_form(self, form) -> None:
        form.held_on.data = clock.today()
        mine = rules.leader_for_user(db.session, g.user)
        if mine is not None:
            form.leader.data = mine

    def prefill_form(self, form, pk) -> None:
        reception = self.datamodel.get(pk)
        if reception is not None:
            form.case_numbers.data = shown_numbers_for_form(reception.cases)

    def validate_item(self, item: Reception, is_new: bool) -> None:
        problems: list[DomainError] = []
        try:
            item.cases = relinked_cases(db.session, item.case_numbers, item.cases, current_scope())
        except DomainError as exc:
            problems.append(exc)
        problems += rules.reception_problems(item, g.user)
        raise_problems(problems)
        rules.fill_reception(item)


class ScheduleView(ReadPage):
    """领导接访安排表: the published schedule, readable by every signed-in user."""

    permission_group = "schedule"
    route_base = "/leaders/schedule"

    @expose("/")
    @has_access
    def index(self):
        start = date_arg("from", clock.today())
        weeks = request.args.get("weeks", "4")
        days = 7 * (int(weeks) if weeks.isdigit() and 1 <= int(weeks) <= 12 else 4)
        slots = rules.upcoming_slots(db.session, start, days)
        by_day: dict[date, list[rules.PublicSlot]] = {}
        for slot in slots:
            by_day.setdefault(slot.day, []).append(slot)
        return self.render_template(
            "xf/leaders/schedule.html", title=gettext("Leaders' reception schedule"), by_day=sorted(by_day.items()),
            start=start, end=start + timedelta(days=days - 1), weeks=days // 7,
            can_plan=may("can_add", "ReceptionSlotView"),
            weekdays=[gettext("Monday"), gettext("Tuesday"), gettext("Wednesday"), gettext("Thursday"),
                      gettext("Friday"), gettext("Saturday"), gettext("Sunday")],
        )
