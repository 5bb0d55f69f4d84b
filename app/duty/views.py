"""Pages of 24小时值班: the published roster (值班表) with its gaps, the shifts, the duty log."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_appbuilder import expose
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms.validators import DataRequired

from app.cases.references import linked_case_cell
from app.core import clock
from app.core.errors import raise_problems
from app.core.fields import LocalDateTimeField
from app.core.pages import ReadPage
from app.core.paging import ScopedInterface
from app.core.privacy import free_text_in_full, has_personal_data_role, mask_phone
from app.core.quick_search import QuickSearch
from app.core.record_page import ShowsEveryProblem
from app.core.scoping import current_actor, current_scope, scope_clause
from app.core.validators import MaxLength, Phone, normalize_phone
from app.core.views import ScopedModelView
from app.duty import rules
from app.duty.case_link import PARAMETER
from app.duty.models import DutyLogEntry, DutyShift
from app.extensions import db
from app.org.models import OrgUnit
from app.security.access import may


class DutyUnitFilter(BaseFilter):
    """The county and townships whose roster the user keeps."""

    name = "duty units"

    def apply(self, query, value):  # noqa: ARG002
        return query.filter(rules.duty_unit_clause(current_scope())).order_by(
            OrgUnit.township_id.is_not(None), OrgUnit.sort_order, OrgUnit.id)


class UnitUsersFilter(BaseFilter):
    """Users inside the editor's scope (whom a township may put on duty)."""

    name = "users in scope"

    def apply(self, query, value):  # noqa: ARG002
        from app.security.models import AppUser

        scope = current_scope()
        units = select(OrgUnit.id).where(scope_clause(OrgUnit, scope))
        return query.filter(AppUser.active.is_(True), AppUser.org_unit_id.in_(units)).order_by(AppUser.username)


def _shown_phone(phone: str | None) -> str:
    """A caller's phone as this viewer may see it (DOMAIN.md "Privacy")."""
    return (phone or "") if free_text_in_full() else mask_phone(phone)


SHIFT_LABELS = {
    "org_unit": _l("Unit on duty"),
    "user": _l("Person on duty (user)"),
    "person_name": _l("Person on duty (name)"),
    "person": _l("Person on duty"),
    "phone": _l("Duty phone"),
    "starts_at": _l("Shift starts"),
    "ends_at": _l("Shift ends"),
    "note": _l("Note"),
    "created_by": _l("Recorded by"),
    "created_at": _l("Recorded at"),
}


class DutyShiftView(ShowsEveryProblem, ScopedModelView):
    """值班安排: the shifts of the county's and the townships' rosters."""

    datamodel = ScopedInterface(DutyShift)
    permission_group = "duty"
    route_base = "/duty/shifts"
    list_title = _l("Duty shifts")
    show_title = _l("Duty shift")
    add_title = _l("Add duty shift")
    edit_title = _l("Edit duty shift")
    label_columns = SHIFT_LABELS
    list_columns = ["starts_at", "ends_at", "org_unit", "person", "phone", "note"]
    export_columns = ["starts_at", "ends_at", "org_unit", "person_name", "phone", "note"]
    add_columns = edit_columns = ["org_unit", "user", "person_name", "phone", "starts_at", "ends_at", "note"]
    show_columns = ["org_unit", "person", "phone", "starts_at", "ends_at", "note", "created_by", "created_at"]
    order_columns = ["starts_at", "ends_at"]
    base_order = ("starts_at", "desc")
    page_size = 30
    search_columns = ["org_unit", "person_name", "starts_at", "ends_at"]
    add_form_query_rel_fields = {
        "org_unit": [["id", DutyUnitFilter, None]],
        "user": [["id", UnitUsersFilter, None]],
    }
    edit_form_query_rel_fields = add_form_query_rel_fields
    search_form_query_rel_fields = {"org_unit": [["id", DutyUnitFilter, None]]}
    add_form_extra_fields = {
        "starts_at": LocalDateTimeField(_l("Shift starts"), validators=[DataRequired()]),
        "ends_at": LocalDateTimeField(_l("Shift ends"), validators=[DataRequired()]),
    }
    edit_form_extra_fields = add_form_extra_fields
    validators_columns = {"phone": [Phone()], "person_name": [MaxLength(50)], "note": [MaxLength(200)]}
    description_columns = {
        "user": _l("A user of the unit, or leave empty and write the name below"),
        "phone": _l("The number to call during the shift, e.g. 0451-12345678"),
        "starts_at": _l("Shifts may run overnight, e.g. 20:00 to 08:00 the next day"),
    }
    quick_search = (
        QuickSearch("person", _l("Person on duty"), lambda v: DutyShift.person_name.like(f"%{v.strip()}%")),
    )

    def prefill_add_form(self, form) -> None:
        township_id = current_scope().default_township_id
        if township_id is not None:
            form.org_unit.data = db.session.get(OrgUnit, township_id)

    def validate_item(self, item: DutyShift, is_new: bool) -> None:  # noqa: ARG002
        item.person_name = (item.person_name or "").strip() or None
        raise_problems(rules.shift_problems(item, current_scope()))


LOG_LABELS = {
    "org_unit": _l("Unit on duty"),
    "shift": _l("Duty shift"),
    "received_at": _l("Received at"),
    "caller": _l("Caller"),
    "phone": _l("Caller's phone"),
    "shown_phone": _l("Caller's phone"),
    "summary": _l("What was reported"),
    "action_taken": _l("Action taken on duty"),
    "case": _l("Petition case"),
    "created_by": _l("Recorded by"),
    "created_at": _l("Recorded at"),
}


class DutyLogView(ShowsEveryProblem, ScopedModelView):
    """值班记录: calls and events taken on duty; one may become a petition case."""

    datamodel = ScopedInterface(DutyLogEntry)
    permission_group = "duty_log"
    route_base = "/duty/log"
    list_title = _l("Duty log")
    show_title = _l("Duty log entry")
    add_title = _l("Record a call or event on duty")
    edit_title = _l("Edit duty log entry")
    label_columns = LOG_LABELS
    list_columns = ["received_at", "org_unit", "caller", "phone", "summary", "case"]
    export_columns = ["received_at", "org_unit", "caller", "phone", "summary", "action_taken"]
    # The shift is the one on duty at the time received (rules.shift_on_duty), not chosen.
    add_columns = edit_columns = ["org_unit", "received_at", "caller", "phone", "summary", "action_taken"]
    show_columns = ["org_unit", "shift", "received_at", "caller", "phone", "summary", "action_taken", "case",
                    "created_by", "created_at"]
    order_columns = ["received_at"]
    base_order = ("received_at", "desc")
    page_size = 20
    search_columns = ["org_unit", "caller", "received_at"]
    formatters_columns = {"phone": _shown_phone, "case": linked_case_cell}
    add_form_query_rel_fields = {
        "org_unit": [["id", DutyUnitFilter, None]],
    }
    edit_form_query_rel_fields = add_form_query_rel_fields
    search_form_query_rel_fields = {"org_unit": [["id", DutyUnitFilter, None]]}
    add_form_extra_fields = {"received_at": LocalDateTimeField(_l("Received at"), validators=[DataRequired()])}
    edit_form_extra_fields = add_form_extra_fields
    validators_columns = {
        # The phone is checked by rules.log_problems, after a mask sent back is swapped for the stored number.
        "phone": [MaxLength(24)], "caller": [MaxLength(50)], "summary": [MaxLength(5000)],
        "action_taken": [MaxLength(5000)],
    }
    description_columns = {
        "caller": _l("Who called or came, as they gave their name"),
    }
    show_template = "xf/duty/log_show.html"
    quick_search = (
        QuickSearch("summary", _l("What was reported"), lambda v: DutyLogEntry.summary.like(f"%{v}%")),
    )

    def prefill_add_form(self, form) -> None:
        now = clock.now().replace(second=0, microsecond=0)
        form.received_at.data = now
        township_id = current_scope().default_township_id
        if township_id is not None:
            form.org_unit.data = db.session.get(OrgUnit, township_id)

    def prefill_form(self, form, pk) -> None:  # noqa: ARG002
        # The stored phone in full only for roles that handle petitioners; a mask sent back
        # unchanged keeps the stored number (pre_update).
        if not has_personal_data_role(current_actor()):
            form.phone.data = mask_phone(form.phone.data)

    def pre_update(self, item: DutyLogEntry) -> None:
        from sqlalchemy import inspect

        history = inspect(item).attrs.phone.history
        if history.deleted and history.added and history.added[0] == mask_phone(history.deleted[0]):
            item.phone = history.deleted[0]

    def validate_item(self, item: DutyLogEntry, is_new: bool) -> None:  # noqa: ARG002
        item.phone = normalize_phone(item.phone) or None
        problems = rules.log_problems(item, current_scope(), clock.now())
        raise_problems(problems)
        if item.org_unit is not None and item.received_at is not None:
            item.shift = rules.shift_on_duty(db.session, item.org_unit.id, item.received_at)

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        item = self.get_scoped_item(pk)
        widgets = self._get_show_widget(pk, item)
        self.update_redirect()
        may_register = item.case_id is None and may("can_add", "CaseView")
        return self.render_template(
            self.show_template, pk=pk, title=self.show_title, widgets=widgets, item=item,
            related_views=self._related_views, may_register=may_register, parameter=PARAMETER,
        )


class RosterView(ReadPage):
    """值班表: the published roster of the coming 14 days, and its gaps in red."""

    permission_group = "duty_roster"
    route_base = "/duty/roster"

    @expose("/")
    @has_access
    def index(self):
        start, end = rules.roster_window(clock.today())
        user = current_actor()
        unit_ids = rules.published_unit_ids(db.session, current_scope(), getattr(user, "org_unit", None))
        units = {u.id: u for u in db.session.execute(select(OrgUnit).where(OrgUnit.id.in_(unit_ids))).scalars()}
        shifts = db.session.execute(
            select(DutyShift).where(DutyShift.org_unit_id.in_(unit_ids), DutyShift.ends_at > start,
                                    DutyShift.starts_at < end).order_by(DutyShift.starts_at)
        ).scalars().all()
        rosters = []
        for unit_id in unit_ids:
            own = [s for s in shifts if s.org_unit_id == unit_id]
            rosters.append({
                "unit": units[unit_id],
                "shifts": own,
                "gaps": rules.gaps(((s.starts_at, s.ends_at) for s in own), start, end),
            })
        return self.render_template(
            "xf/duty/roster.html", title=gettext("Duty roster"), rosters=rosters, first_day=start.date(),
            last_day=(end - timedelta(days=1)).date(), now=clock.now(), can_plan=may("can_add", "DutyShiftView"),
            fmt=_when,
        )


def _when(value: datetime) -> str:
    return value.strftime("%m-%d %H:%M")


def register_views(appbuilder) -> None:
    from app.core.menu import add_menu_view

    add_menu_view(appbuilder, RosterView, "Duty roster", _l("Duty roster"), "duty", "fa-calendar-check")
    add_menu_view(appbuilder, DutyShiftView, "Duty shifts", _l("Duty shifts"), "duty", "fa-user-clock")
    add_menu_view(appbuilder, DutyLogView, "Duty log", _l("Duty log"), "duty", "fa-phone")

