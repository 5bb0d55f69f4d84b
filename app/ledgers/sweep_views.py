"""Pages of the 排查 sweeps: the reports, who has filed for the current period, the roll-up, the periods."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core import clock
from app.core.errors import DomainError
from app.core.pages import ReadPage
from app.core.paging import ListInterface, ScopedInterface
from app.core.scoping import current_scope, get_scoped, scope_clause
from app.core.views import ScopedModelView
from app.extensions import db
from app.ledgers import risk_periods, sweeps
from app.ledgers.models import (
    LedgerEntry,
    ListLevel,
    OrgLevel,
    SweepReport,
    SweepRule,
)
from app.org.choices import org_select_choices
from app.org.models import OrgUnit
from app.security.access import may


def _is_day(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


# --- sweeps -----------------------------------------------------------------------------------------


class SweepReportView(ScopedModelView):
    """Every report filed (read-only: reports are filed from the status page)."""

    datamodel = ScopedInterface(SweepReport)
    permission_group = "sweeps"
    route_base = "/sweeps/reports"
    base_permissions = ["can_list", "can_show"]
    list_title = _l("Sweep reports")
    show_title = _l("Sweep report")
    label_columns = {
        "unit_name": _l("Reporting unit"),
        "org_level": _l("Org level"),
        "period_label": _l("Period"),
        "period_start": _l("Period from"),
        "period_end": _l("Period to"),
        "due_at": _l("Due by"),
        "is_zero": _l("Zero report"),
        "entries_found": _l("Disputes found"),
        "people_involved": _l("People involved"),
        "summary": _l("Report summary"),
        "submitted_at": _l("Filed at"),
        "is_late": _l("Late"),
        "created_by": _l("Filed by"),
    }
    list_columns = ["unit_name", "org_level", "period_label", "is_zero", "entries_found", "people_involved",
                    "submitted_at", "is_late"]
    export_columns = ["unit_name", "org_level", "period_start", "period_end", "due_at", "is_zero", "entries_found",
                      "people_involved", "summary", "submitted_at", "is_late"]
    show_columns = ["unit_name", "org_level", "period_start", "period_end", "due_at", "is_zero", "entries_found",
                    "people_involved", "summary", "submitted_at", "is_late", "created_by"]
    order_columns = ["submitted_at", "entries_found"]
    base_order = ("submitted_at", "desc")
    search_columns = ["unit_name", "org_level", "period_start", "is_zero", "is_late"]
    show_template = "xf/ledgers/report_show.html"

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        item = self.get_scoped_item(pk)
        widgets = self._get_show_widget(pk, item)
        entries = db.session.execute(
            select(LedgerEntry).where(LedgerEntry.sweep_report_id == item.id, scope_clause(LedgerEntry))
            .order_by(LedgerEntry.found_on)
        ).scalars().all()
        return self.render_template(self.show_template, pk=pk, title=self.show_title, widgets=widgets,
                                    item=item, entries=entries)


class SweepStatusView(BaseView):
    """本期排查报送: per level and period, every reporting unit in the area and its report;
    a zero report in one click, or a report listing the disputes found."""

    permission_group = "sweeps"
    route_base = "/sweeps"
    default_view = "index"
    method_permission_name = {"index": "list", "zero": "file", "file": "file"}
    previous_method_permission_name = method_permission_name

    def _level(self) -> str:
        value = request.values.get("level", "")
        return value if value in OrgLevel.codes() else self._default_level()

    @staticmethod
    def _default_level() -> str:
        scope = current_scope()
        if scope.everything:
            return OrgLevel.TOWNSHIP.value
        if scope.township_ids or scope.village_ids:
            return OrgLevel.VILLAGE.value
        return OrgLevel.COUNTY.value

    @expose("/")
    @has_access
    def index(self):
        session = db.session
        level = self._level()
        rule = sweeps.rules(session)[level]
        period = sweeps.parse_period(rule, request.args.get("period"), clock.today())
        own_township = self._own_township(level)
        if own_township is not None:
            # A township's own periods follow its 风险期 (app/ledgers/risk_periods.py).
            period = sweeps.township_period(session, own_township, period.start if request.args.get("period")
                                            else clock.today())
        township_id = request.args.get("township", "")
        township_id = int(township_id) if township_id.isdigit() else None
        asked = request.args.get("period", "")
        day = date.fromisoformat(asked) if _is_day(asked) else clock.today()
        if not period.start <= day <= period.end:
            day = period.start
        statuses = sweeps.period_status(session, period, current_scope(), township_id=township_id, day=day)
        counts: dict[str, int] = {}
        for status in statuses:
            counts[status.state] = counts.get(status.state, 0) + 1
        only_missing = request.args.get("missing") == "1"
        shown = [s for s in statuses if not s.filed] if only_missing else statuses
        if own_township is not None:
            previous = sweeps.township_period(session, own_township, period.start - timedelta(days=1))
            following = sweeps.township_period(session, own_township, period.end + timedelta(days=1))
        else:
            previous = sweeps.previous_period(rule, period)
            following = sweeps.period_containing(rule, period.end + timedelta(days=1))
        risks = sorted({s.risk for s in statuses if s.risk is not None}, key=lambda r: (r.starts_on, r.id))
        return self.render_template(
            "xf/ledgers/sweep_status.html",
            title=gettext("Sweep reporting"),
            level=level,
            levels=OrgLevel.choices(),
            rule=rule,
            period=period,
            previous=previous,
            following=following if following.start <= clock.today() else None,
            statuses=shown,
            total=len(statuses),
            counts=counts,
            only_missing=only_missing,
            township_id=township_id,
            townships=org_select_choices("township") if level == OrgLevel.VILLAGE.value else [],
            can_file=may("can_file", self),
            past_cutoff=period.is_due(sweeps.now()),
            state=sweeps.ReportState,
            risks=risks,
            cadence=risk_periods.cadence_label,
        )

    @staticmethod
    def _own_township(level: str) -> int | None:
        """The one township whose own reports a township user sees (None: several, or another level)."""
        scope = current_scope()
        if level != OrgLevel.TOWNSHIP.value or scope.everything or len(scope.township_ids) != 1:
            return None
        return next(iter(scope.township_ids))

    def _unit_and_period(self) -> tuple[OrgUnit, sweeps.SweepPeriod]:
        unit = get_scoped(OrgUnit, request.values.get("unit"))
        level = sweeps.level_of(unit) if unit is not None else None
        if unit is None or level is None:
            abort(404)
        rule = sweeps.rules(db.session)[level]
        period = sweeps.parse_period(rule, request.values.get("period"), clock.today())
        if level == OrgLevel.TOWNSHIP.value:
            # The township's own period (风险期 included) containing the day asked for.
            value = request.values.get("period") or ""
            day = date.fromisoformat(value) if _is_day(value) else clock.today()
            period = sweeps.township_period(db.session, unit.id, day)
        return unit, period

    def _back(self, unit: OrgUnit, period: sweeps.SweepPeriod):
        target = request.form.get("next") or url_for(
            f"{self.endpoint}.index", level=period.level, period=period.start.isoformat()
        )
        if not target.startswith("/"):
            target = url_for(f"{self.endpoint}.index")
        return redirect(target)

    @expose("/zero", methods=["POST"])
    @has_access
    def zero(self):
        unit, period = self._unit_and_period()
        try:
            sweeps.file_zero_report(db.session, unit, period, current_scope())
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            flash(gettext("Zero report filed for %(unit)s, %(period)s.", unit=unit.name, period=period.label), "success")
        return self._back(unit, period)

    @expose("/file", methods=["GET", "POST"])
    @has_access
    def file(self):
        unit, period = self._unit_and_period()
        error = None
        summary = ""
        chosen: set[int] = set()
        if request.method == "POST":
            chosen = {int(v) for v in request.form.getlist("entry") if v.isdigit()}
            summary = request.form.get("summary", "")
            try:
                if len(summary) > 5000:
                    raise DomainError(gettext("At most %(max)d characters (now %(n)d)", max=5000, n=len(summary)))
                sweeps.file_report(db.session, unit, period, sorted(chosen), summary, current_scope())
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                error = exc.message
            else:
                flash(gettext("Sweep report filed for %(unit)s, %(period)s.", unit=unit.name, period=period.label),
                      "success")
                return redirect(url_for(f"{self.endpoint}.index", level=period.level, period=period.start.isoformat()))
        candidates = sweeps.candidate_entries(db.session, unit, period)
        if request.method == "GET":
            chosen = {e.id for e in candidates}
        return self.render_template(
            "xf/ledgers/sweep_file.html",
            title=gettext("File a sweep report"),
            unit=unit,
            period=period,
            candidates=candidates,
            chosen=chosen,
            summary=summary,
            error=error,
            level_label=ListLevel.label_of,
            add_url=url_for("LedgerEntryView.add"),
        )


class SweepRollupView(ReadPage):
    """排查汇总: reports summed one level down (the county sees townships, a township its villages)."""

    permission_group = "sweeps"
    route_base = "/sweeps/rollup"

    @expose("/")
    @has_access
    def index(self):
        today = clock.today()

        def day(name: str, default: date) -> date:
            try:
                return date.fromisoformat(request.args.get(name, ""))
            except ValueError:
                return default

        first = day("from", today.replace(day=1))
        last = day("to", today)
        if last < first:
            first, last = last, first
        township = request.args.get("township", "")
        try:
            result = sweeps.sweep_rollup(
                db.session, current_scope(), first, last, int(township) if township.isdigit() else None
            )
        except DomainError:
            abort(404)
        return self.render_template(
            "xf/ledgers/sweep_rollup.html", title=gettext("Sweep roll-up"), rollup=result,
            county_wide=current_scope().everything,
        )


class SweepRuleView(ScopedModelView):
    """排查周期: how often each org level sweeps, and the cut-off (administrator only)."""

    datamodel = ListInterface(SweepRule)
    permission_group = "sweep_rules"
    route_base = "/sweeps/rules"
    list_title = _l("Sweep periods")
    show_title = _l("Sweep period")
    add_title = _l("Add sweep period")
    edit_title = _l("Edit sweep period")
    label_columns = {
        "org_level": _l("Org level"),
        "frequency": _l("Frequency"),
        "due_weekday": _l("Weekly reports due on"),
        "cutoff": _l("Cut-off time"),
    }
    list_columns = ["org_level", "frequency", "due_weekday", "cutoff"]
    add_columns = edit_columns = show_columns = ["org_level", "frequency", "due_weekday", "cutoff"]
    description_columns = {
        "cutoff": _l("Reports are due by this time (HH:MM) on the due day"),
        "due_weekday": _l("Only for weekly periods (Monday–Sunday); other periods are due on their last day"),
    }

    def validate_item(self, item: SweepRule, is_new: bool) -> None:
        error = sweeps.cutoff_error(item.cutoff)
        if error:
            raise DomainError(error, field="cutoff")
        item.cutoff = item.cutoff.strip()
        clash = db.session.execute(
            select(SweepRule.id).where(SweepRule.org_level == item.org_level, SweepRule.id != (item.id or -1))
        ).first()
        if clash:
            raise DomainError(gettext("This org level already has its sweep period"), field="org_level")


class HamletSweepView(ReadPage):
    """排查到屯: disputes found per hamlet and each hamlet's mediators; hamlets below 2 listed first."""

    permission_group = "sweeps"
    route_base = "/sweeps/hamlets"

    @expose("/")
    @has_access
    def index(self):
        from app.ledgers import hamlets

        today = clock.today()
        first = _day_arg("from", today.replace(day=1))
        last = _day_arg("to", today)
        if last < first:
            first, last = last, first
        township = request.args.get("township", "")
        rows = hamlets.hamlet_rows(db.session, current_scope(), first, last,
                                   int(township) if township.isdigit() else None)
        return self.render_template(
            "xf/ledgers/sweep_hamlets.html", title=gettext("Sweeps by hamlet"), rows=rows,
            below=[r for r in rows if r.below], required=hamlets.REQUIRED_MEDIATORS, first=first, last=last,
            townships=org_select_choices("township"), township=township,
        )


def _day_arg(name: str, default: date) -> date:
    value = request.args.get(name, "")
    return date.fromisoformat(value) if _is_day(value) else default
