"""Pages of the hard-case fund: the yearly funds, applications (with a leader's decision),
disbursements, and the report of its use (专项资金使用情况)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import ValidationError

from app.core import clock
from app.core.errors import DomainError, raise_problems
from app.core.pages import ReadPage
from app.core.paging import ScopedInterface
from app.core.quick_search import QuickSearch
from app.core.record_page import ShowsEveryProblem
from app.core.scoping import current_scope, scope_clause, scoped_select
from app.core.validators import MaxLength, NotInFuture
from app.core.views import ScopedModelView
from app.extensions import db
from app.fund import rules
from app.fund.models import (
    ApplicationStatus,
    Fund,
    FundApplication,
    FundDisbursement,
    HardCaseKind,
    money,
)
from app.mediation.rules import find_case
from app.org.models import OrgUnit, county_of
from app.security.access import may


class AmountField(StringField):
    """An amount in yuan, read as an exact Decimal (never a float); the typed text is kept so a
    refused value is shown back as it was typed."""

    parse_error: str | None = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw = valuelist[0] if valuelist else ""
        self.parse_error = None
        try:
            self.data = rules.parse_amount(self.raw)
        except DomainError as exc:
            self.data, self.parse_error = None, exc.message

    def pre_validate(self, form: Any) -> None:
        if self.parse_error:
            raise ValidationError(self.parse_error)
        error = rules.amount_error(self.data)
        if error:
            raise ValidationError(error)

    def _value(self) -> str:
        if getattr(self, "raw", None):
            return self.raw
        return "" if self.data is None else str(money(self.data))


def _yuan(value: Any) -> str:
    return "" if value is None else f"{money(value):,}"


def amount_field(label: Any) -> AmountField:
    return AmountField(label, description=_l("In yuan, at most two decimals, e.g. 12000.50"))


class FundView(ShowsEveryProblem, ScopedModelView):
    """The fund of each year (e.g. 50万), set up by the administrator."""

    datamodel = ScopedInterface(Fund)
    permission_group = "fund_years"
    route_base = "/fund/years"
    list_title = _l("Hard-case funds")
    show_title = _l("Hard-case fund")
    add_title = _l("Set up a year's fund")
    edit_title = _l("Edit the year's fund")
    label_columns = {"year": _l("Year"), "county": _l("County / district"), "total": _l("Fund total (yuan)"),
                     "note": _l("Note")}
    list_columns = ["year", "county", "total", "note"]
    show_columns = ["year", "county", "total", "note", "created_at", "created_by"]
    add_columns = edit_columns = ["year", "total", "note"]
    export_columns = ["year", "county", "total", "note"]
    order_columns = ["year"]
    base_order = ("year", "desc")
    search_columns = ["year"]
    formatters_columns = {"total": _yuan}
    add_form_extra_fields = {"total": amount_field(_l("Fund total (yuan)"))}
    edit_form_extra_fields = {"total": amount_field(_l("Fund total (yuan)"))}

    def validate_item(self, item: Fund, is_new: bool) -> None:
        if is_new:
            county = county_of(g.user.org_unit) if g.user.org_unit is not None else None
            if county is None:
                raise DomainError(gettext("Only a county-level user sets up the fund"))
            item.county_id = county.id
        problems = []
        if item.year is None or not 2000 <= item.year <= clock.today().year + 1:
            problems.append(DomainError(gettext("Enter a year between 2000 and next year"), field="year"))
        elif rules.fund_for(db.session, item.county_id, item.year) not in (None, item):
            problems.append(DomainError(gettext("This year's fund is already set up"), field="year"))
        if not is_new and item.total is not None and not rules.amount_error(item.total):
            committed = rules.fund_position(db.session, item)
            if money(item.total) < committed.disbursed + committed.committed:
                problems.append(DomainError(gettext(
                    "Less than already paid out and approved (%(used)s yuan)",
                    used=committed.disbursed + committed.committed,
                ), field="total"))
        raise_problems(problems)


class ApprovedApplicationFilter(BaseFilter):
    """Approved applications in scope (what a disbursement may be paid against)."""

    name = "approved applications"

    def apply(self, query, value):  # noqa: ARG002
        return query.filter(
            scope_clause(FundApplication), FundApplication.status == ApplicationStatus.APPROVED.value
        ).order_by(FundApplication.id.desc())


APPLICATION_LABELS = {
    "case": _l("Petition case"),
    "case_number": _l("Case number"),
    "case.township": _l("Township"),
    "fund": _l("Fund year"),
    "kind": _l("Kind of hard case"),
    "amount": _l("Amount applied (yuan)"),
    "reason": _l("Reason"),
    "applied_on": _l("Applied on"),
    "status": _l("Approval"),
    "opinion": _l("Leader's opinion"),
    "decided_by": _l("Approver"),
    "decided_at": _l("Decided at"),
    "disbursed": _l("Disbursed (yuan)"),
    "undisbursed": _l("Approved, not yet disbursed (yuan)"),
    "created_by": _l("Applied by"),
}


class FundApplicationView(ShowsEveryProblem, ScopedModelView):
    """申请: a township applies for money for one case; a county leader approves or refuses."""

    datamodel = ScopedInterface(FundApplication)
    permission_group = "fund"
    route_base = "/fund/applications"
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete", "can_export", "can_decide"]
    list_title = _l("Fund applications")
    show_title = _l("Fund application")
    add_title = _l("Apply to the hard-case fund")
    edit_title = _l("Edit fund application")
    label_columns = APPLICATION_LABELS
    list_columns = ["applied_on", "case", "case.township", "kind", "amount", "status", "disbursed"]
    show_columns = ["case", "case.township", "fund", "kind", "amount", "reason", "applied_on", "status",
                    "opinion", "decided_by", "decided_at", "disbursed", "undisbursed", "created_by"]
    add_columns = edit_columns = ["case_number", "kind", "amount", "reason", "applied_on"]
    export_columns = ["applied_on", "case", "case.township", "kind", "amount", "reason", "status", "opinion",
                      "decided_at"]
    order_columns = ["applied_on", "amount", "status"]
    base_order = ("applied_on", "desc")
    search_columns = ["kind", "status", "applied_on"]
    show_template = "xf/fund/application_show.html"
    formatters_columns = {"amount": _yuan, "disbursed": _yuan, "undisbursed": _yuan}
    add_form_extra_fields = {
        "case_number": StringField(_l("Case number"), validators=[MaxLength(24)],
                                   description=_l("The petition case the money is for, e.g. XF2026-000123")),
        "amount": amount_field(_l("Amount applied (yuan)")),
    }
    edit_form_extra_fields = add_form_extra_fields
    validators_columns = {"applied_on": [NotInFuture()], "reason": [MaxLength(5000)]}
    quick_search = (
        QuickSearch("status", _l("Approval"), lambda v: FundApplication.status == v, kind="select",
                    choices=ApplicationStatus.choices),
        QuickSearch("kind", _l("Kind of hard case"), lambda v: FundApplication.kind == v, kind="select",
                    choices=HardCaseKind.choices),
    )

    def prefill_add_form(self, form) -> None:
        form.applied_on.data = clock.today()

    def prefill_form(self, form, pk) -> None:
        item = self.datamodel.get(pk)
        if item is not None and item.case is not None:
            form.case_number.data = item.case.number

    def validate_item(self, item: FundApplication, is_new: bool) -> None:
        problems: list[DomainError] = []
        number = (getattr(item, "case_number", None) or "").strip().upper()
        item.case = find_case(db.session, number, current_scope()) if number else None
        if item.case is None:
            problems.append(DomainError(
                gettext("No petition case numbered %(number)s in your area", number=number) if number
                else gettext("Enter the case number"), field="case_number",
            ))
        if item.case is not None and item.applied_on is not None:
            county = county_of(item.case.township) if item.case.township is not None else None
            item.fund = rules.fund_for(db.session, county.id if county else None, item.applied_on.year)
        problems += rules.application_problems(db.session, item, is_new)
        raise_problems(problems)

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        item = self.get_scoped_item(pk)
        widgets = self._get_show_widget(pk, item)
        self.update_redirect()
        may_decide = (
            item.status == ApplicationStatus.PENDING.value
            and may("can_decide", self.class_permission_name)
            and rules.may_decide(g.user, current_scope())
        )
        may_pay = item.undisbursed > 0 and may("can_add", "FundDisbursementView")
        return self.render_template(
            self.show_template, pk=pk, title=self.show_title, widgets=widgets, item=item,
            related_views=[], may_decide=may_decide, may_pay=may_pay,
            status_label=ApplicationStatus.label_of(item.status),
        )

    @expose("/decide/<pk>", methods=["POST"])
    @has_access
    def decide(self, pk):
        item = self.get_scoped_item(pk)
        try:
            rules.decide(db.session, item, request.form.get("decision") == "approve", request.form.get("opinion"),
                         g.user, current_scope(), clock.now())
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            flash(gettext("Application approved.") if item.status == ApplicationStatus.APPROVED.value
                  else gettext("Application refused."), "success")
        return redirect(url_for("FundApplicationView.show", pk=item.id))


class FundDisbursementView(ShowsEveryProblem, ScopedModelView):
    """拨付: money paid out against an approved application. Recorded, not edited."""

    datamodel = ScopedInterface(FundDisbursement)
    permission_group = "fund"
    route_base = "/fund/disbursements"
    base_permissions = ["can_list", "can_show", "can_add", "can_delete", "can_export"]
    list_title = _l("Fund disbursements")
    show_title = _l("Fund disbursement")
    add_title = _l("Record a disbursement")
    label_columns = {
        "application": _l("Fund application"),
        "amount": _l("Amount paid (yuan)"),
        "paid_on": _l("Paid on"),
        "recipient": _l("Paid to"),
        "purpose": _l("Purpose"),
        "created_by": _l("Recorded by"),
    }
    list_columns = ["paid_on", "application", "amount", "recipient", "purpose"]
    show_columns = ["application", "amount", "paid_on", "recipient", "purpose", "created_by", "created_at"]
    add_columns = ["application", "amount", "paid_on", "recipient", "purpose"]
    export_columns = ["paid_on", "application", "amount", "recipient", "purpose"]
    order_columns = ["paid_on", "amount"]
    base_order = ("paid_on", "desc")
    search_columns = ["paid_on", "recipient"]
    formatters_columns = {"amount": _yuan}
    add_form_extra_fields = {"amount": amount_field(_l("Amount paid (yuan)"))}
    add_form_query_rel_fields = {"application": [["id", ApprovedApplicationFilter, None]]}
    validators_columns = {"paid_on": [NotInFuture()], "recipient": [MaxLength(100)], "purpose": [MaxLength(300)]}

    def prefill_add_form(self, form) -> None:
        form.paid_on.data = clock.today()
        pk = request.args.get("application", "")
        if pk.isdigit():
            application = db.session.execute(
                scoped_select(FundApplication).where(FundApplication.id == int(pk))
            ).scalar_one_or_none()
            if application is not None and application.status == ApplicationStatus.APPROVED.value:
                form.application.data = application
                form.amount.data = application.undisbursed

    def validate_item(self, item: FundDisbursement, is_new: bool) -> None:
        raise_problems(rules.disbursement_problems(db.session, item))


# --- the report: 专项资金使用情况 ---------------------------------------------------------------------


@dataclass
class UseRow:
    """Use of the fund by one township or one kind of case."""

    label: str
    applications: int = 0
    applied: Decimal = field(default_factory=lambda: money(0))
    approved_count: int = 0
    approved: Decimal = field(default_factory=lambda: money(0))
    disbursed: Decimal = field(default_factory=lambda: money(0))

    @property
    def committed(self) -> Decimal:
        return self.approved - self.disbursed

    def add(self, application: FundApplication, disbursed: Decimal) -> None:
        self.applications += 1
        self.applied += money(application.amount)
        if application.status == ApplicationStatus.APPROVED.value:
            self.approved_count += 1
            self.approved += money(application.amount)
            self.disbursed += disbursed


def use_of_fund(session: Any, year: int) -> dict[str, Any]:
    """The year's applications the viewer may see, by township and by kind, summed as Decimal."""
    rows = session.execute(
        scoped_select(FundApplication).join(Fund, FundApplication.fund_id == Fund.id).where(Fund.year == year)
        .order_by(FundApplication.id)
    ).scalars().all()
    townships: dict[int, UseRow] = {}
    kinds = {kind.value: UseRow(str(kind.label)) for kind in HardCaseKind}
    total = UseRow(gettext("Total"))
    names = dict(session.execute(select(OrgUnit.id, OrgUnit.name).where(
        OrgUnit.id.in_({r.case.township_id for r in rows}))).all()) if rows else {}
    for application in rows:
        disbursed = application.disbursed
        township = application.case.township_id
        townships.setdefault(township, UseRow(names.get(township, ""))).add(application, disbursed)
        kinds[application.kind].add(application, disbursed)
        total.add(application, disbursed)
    return {"townships": sorted(townships.values(), key=lambda r: r.label), "kinds": list(kinds.values()),
            "total": total}


class FundReportView(ReadPage):
    """专项资金使用情况: a year's applications, approvals, disbursements and the fund's balance."""

    permission_group = "fund_report"
    route_base = "/fund/report"

    @expose("/")
    @has_access
    def index(self):
        year_arg = request.args.get("year", "")
        year = int(year_arg) if year_arg.isdigit() and 2000 <= int(year_arg) <= 2100 else clock.today().year
        funds = db.session.execute(scoped_select(Fund).where(Fund.year == year).order_by(Fund.id)).scalars().all()
        positions = [(fund, rules.fund_position(db.session, fund)) for fund in funds]
        years = sorted({*db.session.execute(select(Fund.year).distinct()).scalars(), year}, reverse=True)
        return self.render_template(
            "xf/fund/report.html", title=gettext("Use of the hard-case fund"), year=year, years=years,
            positions=positions, use=use_of_fund(db.session, year), yuan=_yuan,
        )


def register_views(appbuilder) -> None:
    from app.core.menu import add_menu_view

    add_menu_view(appbuilder, FundApplicationView, "Fund applications", _l("Fund applications"), "fund",
                  "fa-file-invoice-dollar")
    add_menu_view(appbuilder, FundDisbursementView, "Fund disbursements", _l("Fund disbursements"), "fund",
                  "fa-money-bill")
    add_menu_view(appbuilder, FundReportView, "Use of the fund", _l("Use of the hard-case fund"), "fund",
                  "fa-chart-pie")
    add_menu_view(appbuilder, FundView, "Hard-case funds", _l("Hard-case funds"), "fund", "fa-coins")


