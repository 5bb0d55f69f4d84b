"""Generated admin views for the deadline rules and the holiday overrides (系统管理员 edits)."""

from __future__ import annotations

from flask import flash
from flask_appbuilder import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.core import clock
from app.core.calendar import DayKind, library_knows
from app.core.errors import DomainError
from app.core.views import ScopedModelView
from app.deadlines.models import MAX_DAYS, DeadlineRule, HolidayOverride, RuleCode


class DeadlineRuleView(ScopedModelView):
    """The rule table: lengths and day kinds. Codes are fixed, so no adding or deleting."""

    datamodel = SQLAInterface(DeadlineRule)
    permission_group = "dictionaries"
    base_filters = []  # county-wide policy, the same for every township
    base_permissions = ["can_list", "can_show", "can_edit"]
    route_base = "/deadline-rules"
    list_title = _l("Deadline rules")
    show_title = _l("Deadline rule")
    edit_title = _l("Edit deadline rule")
    label_columns = {
        "code": _l("Rule"),
        "days": _l("Days"),
        "day_kind": _l("Counted in"),
        "basis": _l("Basis"),
        "updated_at": _l("Last changed"),
    }
    list_columns = ["code", "days", "day_kind", "basis"]
    show_columns = ["code", "days", "day_kind", "basis", "updated_at"]
    edit_columns = ["days", "day_kind", "basis"]
    base_order = ("id", "asc")
    description_columns = {
        "days": _l("Working days skip weekends and public holidays and count adjusted working weekends"),
        "day_kind": _l(
            "For the warning threshold (临期): a case is due soon from this many calendar or working "
            "days before its deadline; badges, the work queue, lists and reports follow it at once."
        ),
    }

    def validate_item(self, item: DeadlineRule, is_new: bool) -> None:  # noqa: ARG002
        code = RuleCode(item.code)
        ceiling = MAX_DAYS.get(code, 366)
        if item.days is None or not 1 <= item.days <= ceiling:
            raise DomainError(
                gettext("Enter a number of days from 1 to %(max)d.", max=ceiling), field="days"
            )
        if item.day_kind not in DayKind.codes():
            raise DomainError(gettext("Choose calendar days or working days."), field="day_kind")


class HolidayOverrideView(ScopedModelView):
    """Days that differ from the library's calendar, or years it does not know yet."""

    datamodel = SQLAInterface(HolidayOverride)
    permission_group = "dictionaries"
    base_filters = []
    route_base = "/holidays"
    list_title = _l("Holidays and adjusted working days")
    show_title = _l("Holiday or working day")
    add_title = _l("Add a holiday or working day")
    edit_title = _l("Edit holiday or working day")
    label_columns = {
        "day": _l("Date"),
        "is_workday": _l("Working day"),
        "name": _l("Name"),
    }
    list_columns = ["day", "name", "is_workday"]
    add_columns = edit_columns = show_columns = ["day", "name", "is_workday"]
    base_order = ("day", "desc")
    description_columns = {
        "is_workday": _l("Ticked: an adjusted working day (调休上班). Not ticked: a day off."),
        "name": _l("E.g. 2027年春节"),
    }

    @expose("/list/")
    @has_access
    def list(self):
        year = clock.today().year
        for missing in [y for y in (year, year + 1) if not library_knows(y)]:
            if not _has_overrides(missing):
                flash(
                    gettext(
                        "The built-in calendar does not know the public holidays of %(year)d yet: "
                        "enter them here from the State Council's notice, otherwise only weekends are days off.",
                        year=missing,
                    ),
                    "warning",
                )
        return super().list()

    def validate_item(self, item: HolidayOverride, is_new: bool) -> None:  # noqa: ARG002
        if item.day is None:
            raise DomainError(gettext("This field is required"), field="day")


def _has_overrides(year: int) -> bool:
    from sqlalchemy import extract, func, select

    from app.extensions import db

    return bool(
        db.session.execute(
            select(func.count()).select_from(HolidayOverride).where(extract("year", HolidayOverride.day) == year)
        ).scalar()
    )


def register_views(appbuilder) -> None:
    from app.core.menu import add_menu_view

    add_menu_view(appbuilder, DeadlineRuleView, "Deadline rules", _l("Deadline rules"), "admin", "fa-clock")
    add_menu_view(
        appbuilder, HolidayOverrideView, "Holidays", _l("Holidays and adjusted working days"), "admin",
        "fa-calendar-alt",
    )
