"""The 问责 records' pages: accountability decisions about units and people, with the cases and orders behind them."""

from __future__ import annotations

from flask import request
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField

from app.cases.references import (
    join_numbers,
    relinked_cases,
    shown_numbers_for_form,
)
from app.core import clock
from app.core.errors import DomainError, raise_problems
from app.core.paging import ScopedInterface
from app.core.quick_search import QuickSearch
from app.core.record_page import ShowsEveryProblem
from app.core.scoping import current_scope, get_scoped
from app.core.validators import MaxLength, NotInFuture
from app.core.views import ScopedModelView
from app.extensions import db
from app.supervision import accountability, orders
from app.supervision.linking import linking_case
from app.supervision.models import (
    AccountabilityCase,
    AccountabilityKind,
    AccountabilityRecord,
    SupervisionOrder,
)

# --- accountability ------------------------------------------------------------------------------


class AccountabilityView(ShowsEveryProblem, ScopedModelView):
    """问责: decisions against units and persons, with the cases and orders behind them."""

    datamodel = ScopedInterface(AccountabilityRecord)
    permission_group = "accountability"
    route_base = "/supervision/accountability"
    list_title = _l("Accountability records")
    show_title = _l("Accountability record")
    add_title = _l("Record an accountability decision")
    edit_title = _l("Edit accountability record")
    label_columns = {
        "kind": _l("Kind of accountability"),
        "unit": _l("Unit held to account"),
        "person_name": _l("Person held to account"),
        "person_post": _l("Post"),
        "target_label": _l("Held to account"),
        "township": _l("Township"),
        "reason": _l("Reason"),
        "case_numbers": _l("Cases behind it"),
        "order_numbers": _l("Supervision orders behind it"),
        "decided_by": _l("Decided by"),
        "decided_on": _l("Decided on"),
        "document_number": _l("Document number"),
        "created_by": _l("Recorded by"),
    }
    list_columns = ["decided_on", "kind", "target_label", "reason", "case_numbers", "order_numbers", "decided_by",
                    "document_number"]
    export_columns = ["decided_on", "kind", "unit", "person_name", "person_post", "township", "reason",
                      "case_numbers", "order_numbers", "decided_by", "document_number"]
    add_columns = edit_columns = ["kind", "unit", "person_name", "person_post", "reason", "case_numbers",
                                  "order_numbers", "decided_by", "decided_on", "document_number"]
    order_columns = ["decided_on", "kind"]
    base_order = ("decided_on", "desc")
    search_columns = ["kind", "unit", "person_name", "decided_on", "decided_by", "document_number"]
    org_choice_columns = {"unit": "responsible"}
    add_form_extra_fields = {
        "case_numbers": TextAreaField(_l("Cases behind it"), validators=[MaxLength(2000)]),
        "order_numbers": TextAreaField(_l("Supervision orders behind it"), validators=[MaxLength(2000)]),
    }
    edit_form_extra_fields = add_form_extra_fields
    validators_columns = {"decided_on": [NotInFuture()], "reason": [MaxLength(20000)]}
    description_columns = {
        "case_numbers": _l("Case numbers, separated by spaces or commas"),
        "order_numbers": _l("Order numbers, e.g. DB000012"),
        "decided_by": _l("e.g. 县纪委监委, 县委县政府督查室"),
        "document_number": _l("e.g. 青督〔2026〕3号"),
    }
    show_template = "xf/supervision/accountability_show.html"
    quick_search = (
        QuickSearch("kind", _l("Kind of accountability"), lambda v: AccountabilityRecord.kind == v, kind="select",
                    choices=AccountabilityKind.choices),
        QuickSearch("person", _l("Person held to account"), lambda v: AccountabilityRecord.person_name == v.strip()),
        QuickSearch("case", _l("Case number"),
                    lambda v: linking_case(AccountabilityRecord.id, AccountabilityCase.record_id,
                                           AccountabilityCase.case_id, v)),
    )

    def prefill_add_form(self, form) -> None:
        form.decided_on.data = clock.today()
        order = get_scoped(SupervisionOrder, request.args.get("order"))
        if order is not None:
            form.order_numbers.data = order.number
            form.case_numbers.data = shown_numbers_for_form(t.case for t in order.targets if t.case is not None)
            form.unit.data = order.unit

    def prefill_form(self, form, pk) -> None:
        record = self.datamodel.get(pk)
        if record is not None:
            form.case_numbers.data = shown_numbers_for_form(record.cases)
            form.order_numbers.data = join_numbers(record.orders)

    def validate_item(self, item: AccountabilityRecord, is_new: bool) -> None:
        scope = current_scope()
        problems: list[DomainError] = []
        try:
            item.cases = relinked_cases(db.session, item.case_numbers, item.cases, scope)
        except DomainError as exc:
            problems.append(exc)
        try:
            item.orders = orders.orders_by_numbers(db.session, item.order_numbers, scope)
        except DomainError as exc:
            problems.append(exc)
        problems += accountability.record_problems(item, scope)
        raise_problems(problems)
        accountability.fill_township(item, scope)
        accountability.summarize(item)

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        record = self.get_scoped_item(pk)
        self.update_redirect()
        widgets = self._get_show_widget(record.id, record)
        return self.render_template(
            self.show_template, pk=record.id, title=self.show_title, widgets=widgets, item=record,
            kind_label=AccountabilityKind.label_of,
        )
