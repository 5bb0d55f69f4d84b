"""Generated admin views for the deadline rules and the holiday overrides (系统管理员 edits)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask import abort, flash, g, redirect, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core import clock
from app.core.calendar import DayKind, library_knows
from app.core.errors import DomainError
from app.core.paging import ListInterface
from app.core.views import ScopedModelView
from app.deadlines.models import MAX_DAYS, DeadlineRule, HolidayOverride, HolidayYear, RuleCode
from app.deadlines.policy import load_policy
from app.extensions import db


class DeadlineRuleView(ScopedModelView):
    """The rule table: lengths and day kinds. Codes are fixed, so no adding or deleting."""

    datamodel = ListInterface(DeadlineRule)  # county-wide policy, the same for every township
    permission_group = "dictionaries"
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
    """Days that differ from the library's calendar, or years it does not know yet.

    Saving or deleting a day recomputes, in the same transaction, the running deadlines of open
    cases that depend on it (workflow.recompute_deadlines, a history event on each), and the
    page says so. A year the library does not know is 待核 until the administrator confirms its
    list complete (HolidayYear)."""

    datamodel = ListInterface(HolidayOverride)
    permission_group = "dictionaries"
    route_base = "/holidays"
    list_template = "xf/deadlines/holidays.html"
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
        calendar = load_policy(db.session).calendar
        for missing in calendar.unknown_years((year, year + 1)):
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

    def list_context(self) -> dict:
        calendar = load_policy(db.session).calendar
        today = clock.today()
        years = sorted({today.year, today.year + 1, *(d.year for d in calendar.overrides)})
        return {
            "years_to_confirm": [y for y in years if not calendar.knows(y) and y >= today.year],
            "confirmed_years": sorted(y for y in calendar.confirmed_years if y >= today.year),
        }

    @expose("/confirm/<int:year>", methods=["POST"])
    @has_access
    @permission_name("add")
    def confirm_year(self, year: int):
        """The administrator confirms a year's holidays are all entered: its deadlines are no
        longer 待核."""
        if library_knows(year) or not 2000 <= year <= 2100:
            abort(404)
        if db.session.get(HolidayYear, year) is None:
            db.session.add(HolidayYear(year=year, confirmed_at=clock.now(), confirmed_by_id=g.user.id))
            db.session.commit()
        flash(gettext("The holidays of %(year)d are confirmed: its deadlines are no longer marked “to be checked”.",
                      year=year), "success")
        return redirect(url_for(f"{self.endpoint}.list"))

    def validate_item(self, item: HolidayOverride, is_new: bool) -> None:  # noqa: ARG002
        if item.day is None:
            raise DomainError(gettext("This field is required"), field="day")

    # Holidays entered later move the deadlines that depend on them (in the save's transaction).

    def pre_add(self, item: HolidayOverride) -> None:
        self.validate_item(item, True)
        self._recompute(item, changed_from=None)

    def pre_update(self, item: HolidayOverride) -> None:
        self.validate_item(item, False)
        with db.session.no_autoflush:
            old_day = db.session.execute(
                select(HolidayOverride.day).where(HolidayOverride.id == item.id)
            ).scalar()
        self._recompute(item, changed_from=old_day)

    def pre_delete(self, item: HolidayOverride) -> None:
        self._recompute(item, changed_from=item.day, removed=True)

    def _recompute(self, item: HolidayOverride, changed_from: date | None, removed: bool = False) -> None:
        from app.cases.workflow import recompute_deadlines

        with db.session.no_autoflush:
            before = load_policy(db.session)
        overrides = dict(before.calendar.overrides)
        if changed_from is not None:
            overrides.pop(changed_from, None)
        if not removed:
            overrides[item.day] = bool(item.is_workday)
        after = replace(before, calendar=replace(before.calendar, overrides=overrides))
        since = min(d for d in (item.day, changed_from) if d is not None)
        why = gettext("Holidays changed (%(day)s %(name)s): deadlines recomputed",
                      day=item.day.isoformat(), name=item.name or "")
        with db.session.no_autoflush:
            g._xf_recomputed = recompute_deadlines(db.session, before, after, since, g.user, clock.now(), why)

    def post_add(self, item: HolidayOverride) -> None:  # noqa: ARG002
        self._say_recomputed()

    def post_update(self, item: HolidayOverride) -> None:  # noqa: ARG002
        self._say_recomputed()

    def post_delete(self, item: HolidayOverride) -> None:  # noqa: ARG002
        self._say_recomputed()

    @staticmethod
    def _say_recomputed() -> None:
        count = g.pop("_xf_recomputed", 0)
        if count:
            flash(gettext("The deadlines of %(n)d open cases were recomputed; each case's history says so.",
                          n=count), "info")


def _has_overrides(year: int) -> bool:
    from sqlalchemy import extract, func

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
