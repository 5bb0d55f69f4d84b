"""Report pages: the rates report, the 督查督办 report, bulletins (周报, 通报) and the dashboard data.

Custom pages (`BaseView`): every query is scoped to the user (`current_scope()`), every figure
comes from `app/reports/figures.py` with its definition (definitions.py) shown as a tooltip and a
footnote, and every table exports to .xlsx / .csv (POST, the page's filters, logged in the audit
log) with exactly the rows the page shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import abort, jsonify, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select

from app.cases.models import Case, Category, Satisfaction
from app.core import export as exporting
from app.core.clock import now as wall_clock
from app.core.database import reads_only
from app.core.scoping import current_actor, current_scope
from app.deadlines.policy import current_policy
from app.extensions import db
from app.org.choices import org_choices
from app.org.models import OrgUnit
from app.reports import accountability, overdue
from app.reports import figures as F
from app.reports.figures import FigureDef, ReportFilters, ReportPeriod
from app.reports.filtering import FilterForm, read_filters
from app.reports.periods import add_months
from app.security.access import may
from app.supervision.models import AccountabilityKind

PAGE_SIZE = 100


def org_names(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(wanted))).all())


def responsible_ids(ids: Iterable[int | None]) -> set[int]:
    from app.org.models import RESPONSIBLE_KINDS

    wanted = {i for i in ids if i is not None}
    if not wanted:
        return set()
    return set(db.session.execute(select(OrgUnit.id).where(
        OrgUnit.id.in_(wanted), OrgUnit.kind.in_([k.value for k in RESPONSIBLE_KINDS]))).scalars())


def org_order(ids: Iterable[int | None]) -> list[int | None]:
    """Ids in the org tree's order (sort_order, then id); None (no unit yet) last."""
    wanted = [i for i in ids if i is not None]
    ordered = db.session.execute(
        select(OrgUnit.id).where(OrgUnit.id.in_(wanted)).order_by(OrgUnit.sort_order, OrgUnit.id)
    ).scalars().all() if wanted else []
    return [*ordered, *([None] if None in set(ids) else [])]


def _export(title: str, fmt: str, headers: list[str], rows: Iterator[list[Any]], filters: dict[str, Any]):
    """Send a report table as a file (logged in the audit log like every export)."""
    return exporting.download(None, title, fmt, headers, rows, user=current_actor(), filters=filters)


def _export_filters() -> dict[str, Any]:
    return request.args.to_dict(flat=False)


class ReportView(BaseView):
    """Base of the report pages: permission group "reports", filters from the query string."""

    permission_group = "reports"
    default_view = "index"
    method_permission_name = {"index": "list", "export": "export"}
    previous_method_permission_name = method_permission_name


# --- the rates report ------------------------------------------------------------------------------


def rates_table(filters: ReportFilters, now: Any = None) -> dict[str, Any]:
    """Every figure per township and per unit, with the previous period: what the page and its
    export show. Two roll-ups of the same counts (one aggregate query per family)."""
    figures = list(F.FIGURES)
    by_town, by_unit, total = F.figure_tables(filters, figures, by=("township", "unit", None), compare=True,
                                              now=now)
    names = org_names([*by_town.rows(), *by_unit.rows()])

    def rows(table: F.FigureTable, keys: list[Any], label: Callable[[Any], str]) -> list[dict[str, Any]]:
        return [
            {"key": key, "name": label(key),
             "values": [(table.value(key, f.code), table.value(key, f.code, "previous")) for f in figures]}
            for key in keys
        ]

    unassigned = gettext("Not yet assigned")
    total_rows = rows(total, [F.TOTAL], lambda _k: gettext("All (total)"))
    town_rows = rows(by_town, [k for k in org_order(by_town.rows()) if k is not None], lambda k: names.get(k, ""))
    # Units are responsible units (departments, townships, offices …); a village committee's
    # mediations count in its township's row and the total, not as a "unit" of its own.
    responsible = responsible_ids(by_unit.rows())
    unit_rows = rows(by_unit, [k for k in org_order(by_unit.rows()) if k is None or k in responsible],
                     lambda k: names.get(k, unassigned) if k else unassigned)
    return {"figures": figures, "total": total_rows, "townships": town_rows, "units": unit_rows}


@dataclass(frozen=True)
class Shown:
    """A figure's code, name and definition as this request's language reads them: translated
    once for the page's header cells and footnotes (each translation asks Flask-Babel for the
    request's catalog)."""

    code: str
    label: str
    definition: str


def shown(figures: Iterable[FigureDef]) -> list[Shown]:
    return [Shown(fig.code, str(fig.label), str(fig.definition)) for fig in figures]


def figure_heads(figures: list[Shown]) -> Markup:
    """The header cells of the figure columns, made once for both tables of the page."""
    return Markup("").join(
        Markup('<th class="xf-figure-head" title="{}" data-code="{}">{}<sup>{}</sup></th>').format(
            fig.definition, fig.code, fig.label, number)
        for number, fig in enumerate(figures, 1))


def figure_cells(figures: list[FigureDef], values: list[tuple[F.Value, F.Value]],
                 previous_title: str | None = None) -> Markup:
    """A row's figure cells: this period's value, and below it the previous period's, each with
    its count as the tooltip. Written here, not in the template: a county's page has 600 cells,
    and Jinja's per-expression work was a fifth of the page's time. Every part is escaped, what
    it holds today (digits, a figure's code) included: whatever a figure comes to print later
    cannot turn into markup."""
    previous_title = escape(previous_title if previous_title is not None else gettext("Previous reporting period"))
    cells = []
    for fig, (current, previous) in zip(figures, values, strict=True):
        detail = current.detail
        title = f' title="{escape(detail)}"' if detail else ""
        cells.append(
            f'<td class="xf-figure" data-code="{escape(fig.code)}">'
            f'<span class="xf-now"{title}>{escape(current.text)}</span>'
            f'<small class="xf-prev text-muted" title="{previous_title} {escape(previous.detail)}">'
            f"{escape(previous.text)}</small></td>"
        )
    return Markup("".join(cells))  # noqa: S704 - every value above went through escape()


def rates_export_rows(table: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    headers = [gettext("Breakdown"), gettext("Name")]
    for fig in table["figures"]:
        headers += [str(fig.label), gettext("%(figure)s (previous period)", figure=fig.label)]
    out = []
    for kind, rows in ((gettext("Total"), table["total"]), (gettext("Township"), table["townships"]),
                       (gettext("Responsible unit"), table["units"])):
        for row in rows:
            cells: list[Any] = [kind, row["name"]]
            for current, previous in row["values"]:
                cells += [current.text, previous.text]
            out.append(cells)
    return headers, out


class RatesReportView(ReportView):
    """指标报表: every figure per township and per unit for the period, the previous beside it."""

    route_base = "/reports/rates"

    def _filters(self) -> tuple[ReportFilters, FilterForm]:
        filters, _period, form = read_filters(request.args)
        return filters, form

    @expose("/")
    @has_access
    def index(self):
        filters, form = self._filters()
        table = rates_table(filters)
        figures = shown(table["figures"])
        previous_title = gettext("Previous reporting period")
        return self.render_template(
            "xf/reports/rates.html", title=gettext("Rates report"), form=form, table=table,
            period=filters.period, previous=filters.period.previous(), footnotes=figures,
            export_url=lambda fmt: url_for("RatesReportView.export", fmt=fmt, **form.query()),
            cells=lambda values: figure_cells(table["figures"], values, previous_title),
            heads=figure_heads(figures),
        )

    @expose("/export/<fmt>", methods=["POST"])
    @has_access
    @reads_only
    def export(self, fmt: str):
        if fmt not in ("csv", "xlsx"):
            abort(404)
        filters, _form = self._filters()
        headers, rows = rates_export_rows(rates_table(filters))
        return _export(gettext("Rates report"), fmt, headers, iter(rows), _export_filters())


# --- the 督查督办 report -----------------------------------------------------------------------------


def watch_filters() -> tuple[overdue.WatchFilters, FilterForm]:
    filters, period, form = read_filters(request.args, period_required=False)
    return overdue.WatchFilters(
        scope=current_scope(), period=period, township_id=filters.township_id, unit_id=filters.unit_id,
        category=filters.category,
    ), form


def _page(name: str) -> int:
    try:
        return max(1, int(request.args.get(name, "1")))
    except ValueError:
        return 1


SUPERVISION_TABLES = {
    "units": (_l("Units ranked by overdue cases"), overdue.UNIT_HEADERS),
    "cases": (_l("Overdue and due-soon cases"), overdue.CASE_HEADERS),
    "repeated": (_l("Cases redone or transferred more than 3 times"), overdue.REPEATED_HEADERS),
    "orders": (_l("Open supervision orders"), overdue.ORDER_HEADERS),
}



class SupervisionReportView(ReportView):
    """督查督办报表: overdue and 临期 cases by unit, units ranked, cases redone/transferred > 3 times."""

    route_base = "/reports/supervision"

    @expose("/")
    @has_access
    def index(self):
        filters, form = watch_filters()
        moment, policy = wall_clock(), current_policy()
        case_page, repeated_page = _page("page"), _page("rpage")
        cases = list(overdue.overdue_cases(filters, moment, policy, PAGE_SIZE, (case_page - 1) * PAGE_SIZE))
        repeated = list(overdue.repeated_cases(filters, PAGE_SIZE, (repeated_page - 1) * PAGE_SIZE))
        units = overdue.units_ranked(filters, moment, policy)
        order_page = _page("opage")
        open_orders = list(overdue.open_orders(filters, moment, PAGE_SIZE, (order_page - 1) * PAGE_SIZE))
        # Both ways between this report and the supervision area's overdue list (where orders
        # are issued): the same township/unit/category carried over as the list's quick search.
        overdue_query = {k: v for k, v in (("q_unit", form.values["unit"]), ("q_category", form.values["category"]))
                         if v}
        return self.render_template(
            "xf/reports/supervision.html", title=gettext("Supervision report"), form=form,
            units=units, orders=open_orders, orders_total=overdue.open_orders_count(filters), order_page=order_page,
            overdue_url=url_for("OverdueView.list", **overdue_query) if may("can_list", "OverdueView") else "",
            can_open_orders=may("can_show", "SupervisionOrderView"),
            # The ranking's overdue and due-soon counts add up to the list's length: no second count.
            cases=cases, cases_total=sum(r[2] + r[3] for r in units), case_page=case_page,
            repeated=repeated, repeated_total=overdue.repeated_cases_count(filters), repeated_page=repeated_page,
            page_size=PAGE_SIZE, tables=SUPERVISION_TABLES, today=moment.date(),
            definitions=[(label, text) for _code, label, text in overdue.SUPERVISION_DEFINITIONS],
            export_url=lambda table, fmt: url_for("SupervisionReportView.export", table=table, fmt=fmt,
                                                  **form.query()),
            page_url=lambda **kw: url_for("SupervisionReportView.index", **{**request.args.to_dict(), **kw}),
        )

    @expose("/export/<table>/<fmt>", methods=["POST"])
    @has_access
    @reads_only
    def export(self, table: str, fmt: str):
        if fmt not in ("csv", "xlsx") or table not in SUPERVISION_TABLES:
            abort(404)
        filters, _form = watch_filters()
        moment, policy = wall_clock(), current_policy()
        title, headers = SUPERVISION_TABLES[table]
        if table == "units":
            rows: Iterator[list[Any]] = iter(overdue.units_ranked(filters, moment, policy))
        elif table == "cases":
            rows = (row for _id, row in overdue.overdue_cases(filters, moment, policy))
        elif table == "orders":
            rows = (row for _id, row in overdue.open_orders(filters, moment))
        else:
            rows = (row for _id, row in overdue.repeated_cases(filters))
        return _export(str(title), fmt, [str(h) for h in headers], rows, _export_filters())


# --- the 问责 report ---------------------------------------------------------------------------------


class AccountabilityReportView(ReportView):
    """问责报表: accountability records by unit, kind and period, with the cases behind them."""

    route_base = "/reports/accountability"

    def _filters(self) -> tuple[accountability.RecordFilters, FilterForm, str]:
        filters, _period, form = read_filters(request.args)
        kind = request.args.get("kind", "").strip()
        kind = kind if kind in AccountabilityKind.codes() else ""
        return accountability.RecordFilters(filters, kind or None), form, kind

    @expose("/")
    @has_access
    def index(self):
        filters, form, kind = self._filters()
        page = _page("page")
        rows = list(accountability.records(filters, PAGE_SIZE, (page - 1) * PAGE_SIZE))
        query = {**form.query(), **({"kind": kind} if kind else {})}
        return self.render_template(
            "xf/reports/accountability.html", title=gettext("Accountability report"), form=form,
            kind=kind, kind_choices=AccountabilityKind.choices(), summary=accountability.summary(filters),
            records=rows, links=accountability.case_links([r[0] for r in rows], filters),
            total=accountability.records_count(filters), page=page, page_size=PAGE_SIZE,
            headers=accountability.RECORD_HEADERS, period=filters.report.period,
            summary_title=accountability.SUMMARY_TITLE,
            footnotes=[F.ACCOUNTABILITY_COUNT],
            records_definition=accountability.RECORDS_DEFINITION,
            can_open_orders=may("can_show", "SupervisionOrderView"),
            export_url=lambda table, fmt: url_for("AccountabilityReportView.export", table=table, fmt=fmt, **query),
            drill_url=lambda **kw: url_for("AccountabilityReportView.index",
                                           **{**form.query(), **{k: v for k, v in kw.items() if v}}) + "#records",
            page_url=lambda **kw: url_for("AccountabilityReportView.index", **{**request.args.to_dict(), **kw}),
        )

    @expose("/export/<table>/<fmt>", methods=["POST"])
    @has_access
    @reads_only
    def export(self, table: str, fmt: str):
        if fmt not in ("csv", "xlsx") or table not in ("summary", "records"):
            abort(404)
        filters, _form, _kind = self._filters()
        if table == "summary":
            headers, rows = accountability.summary_export_rows(accountability.summary(filters))
            return _export(str(accountability.SUMMARY_TITLE), fmt, headers, iter(rows), _export_filters())
        return _export(gettext("Accountability records"), fmt, [str(h) for h in accountability.RECORD_HEADERS],
                       (row for _id, row in accountability.records(filters)), _export_filters())


# --- bulletins ---------------------------------------------------------------------------------------

BULLETIN_FIGURES = (F.VOLUME, F.VOLUME_YOY, F.REPLY_RATE, F.DUE_REPLY_RATE, F.CLOSURE_RATE, F.DUE_CLOSURE_RATE,
                    F.ON_TIME_ACCEPTANCE, F.ON_TIME_REPLY, F.ON_TIME_COMPLETION, F.FIRST_TIME_RATE,
                    F.SATISFACTION_RATE, F.PARTICIPATION_RATE, F.REPEAT_RATE, F.SKIP_LEVEL_RATE, F.COLLECTIVE_COUNT)
TOWNSHIP_COLUMNS = (F.VOLUME, F.DUE_REPLY_RATE, F.DUE_CLOSURE_RATE, F.ON_TIME_REPLY, F.ON_TIME_COMPLETION,
                    F.SATISFACTION_RATE, F.REPEAT_RATE)
# Townships ranked by these (the seeds' headline figures: what came due, how much is closed, answered).
RANKED_BY = (F.DUE_CLOSURE_RATE, F.DUE_REPLY_RATE)


def week_of(day: date) -> ReportPeriod:
    monday = day - timedelta(days=day.weekday())
    return ReportPeriod(monday, monday + timedelta(days=6))


def bimonthly(year: int, part: int) -> ReportPeriod:
    start = date(year, 2 * part - 1, 1)
    return ReportPeriod(start, add_months(start, 2) - timedelta(days=1))


def last_bimonthly(today: date) -> tuple[int, int]:
    """The latest two-month period that has ended (Jan–Feb, Mar–Apr, …)."""
    part = (today.month - 1) // 2  # the running part is part + 1
    return (today.year, part) if part else (today.year - 1, 6)


def township_ranking(filters: ReportFilters, now: Any = None) -> list[dict[str, Any]]:
    """Townships with the bulletin's columns, ranked by 到期结案率 (then 到期回复率)."""
    table = F.figure_table(filters, TOWNSHIP_COLUMNS, by="township", now=now)
    # Every township of the area is listed, also one without a case in the period ("—").
    rows = [{"name": name, "values": [table.value(k, f.code) for f in TOWNSHIP_COLUMNS]}
            for k, name in org_choices("township", filters.resolved_scope())]

    at = [TOWNSHIP_COLUMNS.index(f) for f in RANKED_BY]

    def key(row: dict[str, Any]) -> tuple[float, ...]:
        rates = (row["values"][i].rate for i in at)
        return tuple(-(rate if rate is not None else -1) for rate in rates)

    return sorted(rows, key=key)


class BulletinView(ReportView):
    """周报 and the bimonthly 通报: print-ready A4 pages in Chinese."""

    route_base = "/reports/bulletins"
    method_permission_name = {"index": "list", "weekly": "list", "bimonthly": "list"}
    previous_method_permission_name = method_permission_name

    @expose("/")
    @has_access
    def index(self):
        today = wall_clock().date()
        weeks = [week_of(today - timedelta(days=7 * i)) for i in range(1, 9)]
        year, part = last_bimonthly(today)
        parts = []
        for _ in range(6):
            parts.append((year, part, bimonthly(year, part)))
            year, part = (year, part - 1) if part > 1 else (year - 1, 6)
        return self.render_template("xf/reports/bulletins.html", title=gettext("Bulletins"), weeks=weeks,
                                    parts=parts)

    def _common(self, period: ReportPeriod) -> dict[str, Any]:
        scope = current_scope()
        moment, policy = wall_clock(), current_policy()
        filters = ReportFilters(period, scope=scope)
        watch = overdue.WatchFilters(scope=scope)
        units = overdue.units_ranked(watch, moment, policy)
        return {
            "filters": filters,
            "units": units[:10],
            "overdue_total": sum(r[2] for r in units),
            "near_total": sum(r[3] for r in units),
            "repeated": [row for _id, row in overdue.repeated_cases(watch, limit=20)],
            "repeated_total": overdue.repeated_cases_count(watch),
            "unit_headers": overdue.UNIT_HEADERS, "repeated_headers": overdue.REPEATED_HEADERS,
            "issuer": self._issuer(), "issued": moment.date(), "moment": moment,
        }

    @staticmethod
    def _issuer() -> str:
        user = current_actor()
        org = getattr(user, "org_unit", None)
        return org.name if org is not None else ""

    @expose("/weekly")
    @has_access
    def weekly(self):
        today = wall_clock().date()
        try:
            day = date.fromisoformat(request.args.get("week", ""))
        except ValueError:
            day = today - timedelta(days=7)
        week = week_of(day)
        ctx = self._common(week)
        filters: ReportFilters = ctx["filters"]
        this_week = F.figure_table(filters, (F.VOLUME, F.COLLECTIVE_COUNT, F.REPEAT_RATE, F.SKIP_LEVEL_RATE),
                                   compare=True)
        year_to_date = F.figure_table(ReportFilters(ReportPeriod(date(week.end.year, 1, 1), week.end), scope=filters.scope),
                                      BULLETIN_FIGURES)
        iso = week.start.isocalendar()
        return self.render_template(
            "xf/reports/bulletin.html", kind="weekly",
            title=gettext("Weekly petition work summary"),
            subtitle=gettext("Week %(week)d of %(year)d (%(start)s – %(end)s)", week=iso[1], year=iso[0],
                             start=f"{week.start:%m月%d日}", end=f"{week.end:%m月%d日}"),
            period=week, week_figures=this_week, week_codes=(F.VOLUME, F.COLLECTIVE_COUNT, F.REPEAT_RATE,
                                                             F.SKIP_LEVEL_RATE),
            ytd=year_to_date, ytd_codes=BULLETIN_FIGURES, ytd_period=ReportPeriod(date(week.end.year, 1, 1), week.end),
            towns=township_ranking(filters), town_columns=TOWNSHIP_COLUMNS,
            footnotes=[*BULLETIN_FIGURES], total=F.TOTAL, **ctx,
        )

    @expose("/bimonthly")
    @has_access
    def bimonthly(self):
        today = wall_clock().date()
        year, part = last_bimonthly(today)
        try:
            year = int(request.args.get("year", year))
            part = int(request.args.get("part", part))
        except ValueError:
            pass
        if not (1 <= part <= 6) or not (2000 <= year <= 2100):
            abort(404)
        period = bimonthly(year, part)
        ctx = self._common(period)
        filters: ReportFilters = ctx["filters"]
        table = F.figure_table(filters, BULLETIN_FIGURES, compare=True)
        return self.render_template(
            "xf/reports/bulletin.html", kind="bimonthly",
            title=gettext("Petition work bulletin"),
            subtitle=gettext("%(year)d, issue %(part)d (%(first)d–%(last)d月)", year=year, part=part,
                             first=period.start.month, last=period.end.month),
            period=period, previous=period.previous(), table=table, codes=BULLETIN_FIGURES,
            towns=township_ranking(filters), town_columns=TOWNSHIP_COLUMNS,
            footnotes=[*BULLETIN_FIGURES], total=F.TOTAL, **ctx,
        )


# --- the dashboard's data ----------------------------------------------------------------------------

CARD_FIGURES: tuple[FigureDef, ...] = (F.VOLUME, F.VOLUME_YOY, F.REPLY_RATE, F.DUE_REPLY_RATE, F.CLOSURE_RATE,
                                       F.DUE_CLOSURE_RATE, F.SATISFACTION_RATE, F.ON_TIME_ACCEPTANCE)


def dashboard_data(today: date | None = None) -> dict[str, Any]:
    """The home page's figure cards and charts for the user's scope, this year (JSON)."""
    today = today or wall_clock().date()
    filters = ReportFilters(ReportPeriod.year(today.year), scope=current_scope())
    table = F.figure_table(filters, CARD_FIGURES)
    cards = [
        {"code": f.code, "label": str(f.label), "text": table.value(F.TOTAL, f.code).text,
         "detail": table.value(F.TOTAL, f.code).detail, "definition": str(f.definition)}
        for f in CARD_FIGURES
    ]
    month_filters = ReportFilters(ReportPeriod(today.replace(day=1), today), scope=filters.scope)
    monthly = F.volume_by_month(month_filters)
    categories = dict(Category.choices())
    volumes = F.volumes_by(filters, (Case.category, Case.township_id, Case.satisfaction))
    by_category, by_town = volumes["category"], volumes["township_id"]
    names = org_names(k for k, _ in by_town)
    satisfaction = dict(Satisfaction.choices())
    rated = F.satisfaction_breakdown(filters, volumes["satisfaction"])
    return {
        "year": today.year,
        "cards": cards,
        "charts": {
            "monthly": {"title": gettext("Petitions per month"), "definition": str(F.VOLUME_BY_MONTH_DEFINITION),
                        "labels": [f"{m:%Y-%m}" for m, _ in monthly], "data": [n for _, n in monthly]},
            "category": {"title": gettext("By category (this year)"), "definition": str(F.VOLUME.definition),
                         "labels": [categories.get(k, k) for k, _ in by_category], "data": [n for _, n in by_category]},
            "township": {"title": gettext("By township (this year)"), "definition": str(F.VOLUME.definition),
                         "labels": [names.get(k, "") for k, _ in by_town], "data": [n for _, n in by_town]},
            "satisfaction": {"title": gettext("Satisfaction (this year)"),
                             "definition": str(F.SATISFACTION_DEFINITION),
                             "labels": [satisfaction[k] for k, _ in rated],
                             "data": [n for _, n in rated]},
        },
        "rates_url": url_for("RatesReportView.index") if may("can_list", "RatesReportView") else "",
    }



class DashboardView(BaseView):
    """The data behind the home page's charts (drawn in the browser with the vendored Chart.js)."""

    permission_group = "dashboard"
    route_base = "/reports/dashboard"
    default_view = "data"
    method_permission_name = {"data": "list"}
    previous_method_permission_name = method_permission_name

    @expose("/data")
    @has_access
    def data(self):
        response = jsonify(dashboard_data())
        response.headers["Cache-Control"] = "no-store"
        return response


def register_views(appbuilder) -> None:
    from app.core.menu import add_menu_view

    add_menu_view(appbuilder, RatesReportView, "Rates report", _l("Rates report"), "reports", "fa-percent")
    add_menu_view(appbuilder, SupervisionReportView, "Supervision report", _l("Supervision report"), "reports",
                  "fa-hourglass-half")
    add_menu_view(appbuilder, AccountabilityReportView, "Accountability report", _l("Accountability report"),
                  "reports", "fa-gavel")
    add_menu_view(appbuilder, BulletinView, "Bulletins", _l("Bulletins"), "reports", "fa-newspaper")
    from app.reports import backlog_views  # imports this module: registered from here, after it

    backlog_views.register_views(appbuilder)
    appbuilder.add_view_no_menu(DashboardView)
