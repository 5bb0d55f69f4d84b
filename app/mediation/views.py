"""Pages of mediation: committees (with their 化解率), mediators, mediation records."""

from __future__ import annotations

from flask import request
from flask_appbuilder import expose
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import StringField

from app.cases.references import visible_case_ids
from app.core import clock
from app.core.errors import DomainError, raise_problems
from app.core.paging import ScopedInterface
from app.core.quick_search import QuickSearch
from app.core.record_page import ShowsEveryProblem
from app.core.scoping import ScopeFilter, current_scope, get_scoped, scope_clause
from app.core.validators import MaxLength, NotInFuture
from app.core.views import ScopedModelView
from app.extensions import db
from app.ledgers.models import DisputeType, EntryStatus, LedgerEntry
from app.mediation import rules
from app.mediation.models import (
    CommitteeKind,
    MediationCommittee,
    MediationRecord,
    Mediator,
    Outcome,
)
from app.org.choices import org_select_choices
from app.org.models import OrgKind

SPECIALISED_UNIT_KINDS = {
    OrgKind.TOWNSHIP.value, OrgKind.OFFICE.value, OrgKind.DEPARTMENT.value, OrgKind.BUREAU.value,
    OrgKind.COUNTY.value, OrgKind.VILLAGE.value,
}


class OpenEntryFilter(BaseFilter):
    """Ledger entries in scope that are not closed out (what a mediation can settle)."""

    name = "open ledger entries"

    def apply(self, query, value):  # noqa: ARG002
        return query.filter(
            scope_clause(LedgerEntry), LedgerEntry.status != EntryStatus.CLOSED.value
        ).order_by(LedgerEntry.id.desc())


RECORD_LABELS = {
    "committee": _l("Mediation committee"),
    "title": _l("Dispute"),
    "dispute_type": _l("Dispute type"),
    "description": _l("Dispute description"),
    "parties": _l("Parties"),
    "ledger_entry": _l("Ledger entry"),
    "case_number": _l("Case number"),
    "case": _l("Petition case"),
    "township": _l("Township"),
    "village": _l("Village"),
    "method": _l("Mediation method"),
    "mediators": _l("Mediators"),
    "mediator_names": _l("Mediators"),
    "applied_on": _l("Applied on"),
    "mediated_on": _l("Mediated on"),
    "concluded_on": _l("Concluded on"),
    "outcome": _l("Mediation outcome"),
    "referral": _l("Guided to"),
    "agreement": _l("Agreement"),
    "honoured": _l("Agreement honoured"),
    "created_by": _l("Recorded by"),
    "created_at": _l("Recorded at"),
}


class MediationRecordView(ShowsEveryProblem, ScopedModelView):
    """调解记录."""

    datamodel = ScopedInterface(MediationRecord)
    permission_group = "mediation"
    route_base = "/mediation/records"
    list_title = _l("Mediation records")
    show_title = _l("Mediation record")
    show_template = "xf/mediation/record_show.html"  # the generated record and its files
    add_title = _l("Record a mediation")
    edit_title = _l("Edit mediation record")
    label_columns = RECORD_LABELS
    list_columns = ["applied_on", "title", "committee", "township", "parties", "mediator_names", "outcome",
                    "concluded_on"]
    export_columns = ["applied_on", "title", "dispute_type", "committee", "township", "village", "parties",
                      "case_number", "method", "mediator_names", "mediated_on", "outcome", "concluded_on", "referral",
                      "honoured"]
    order_columns = ["applied_on", "concluded_on", "outcome"]
    base_order = ("applied_on", "desc")
    page_size = 20
    search_columns = ["title", "committee", "township", "dispute_type", "outcome", "applied_on", "concluded_on"]
    add_fieldsets = [
        (_l("Dispute"), {"fields": [
            "committee", "title", "dispute_type", "description", "parties", "ledger_entry", "case_number",
            "township", "village",
        ]}),
        (_l("Mediation"), {"fields": ["method", "mediators", "applied_on", "mediated_on"]}),
        (_l("Outcome"), {"fields": ["outcome", "concluded_on", "referral", "agreement", "honoured"]}),
    ]
    edit_fieldsets = add_fieldsets
    show_fieldsets = [
        (_l("Dispute"), {"fields": [
            "committee", "title", "dispute_type", "description", "parties", "ledger_entry", "case_number",
            "township", "village",
        ]}),
        (_l("Mediation"), {"fields": ["method", "mediator_names", "applied_on", "mediated_on"]}),
        (_l("Outcome"), {"fields": ["outcome", "concluded_on", "referral", "agreement", "honoured"]}),
        (_l("Registration"), {"fields": ["created_at", "created_by"], "expanded": False}),
    ]
    org_choice_columns = {"township": "township", "village": "village"}
    add_form_query_rel_fields = {
        "committee": [["id", ScopeFilter, None]],
        "mediators": [["id", ScopeFilter, None]],
        "ledger_entry": [["id", OpenEntryFilter, None]],
    }
    edit_form_query_rel_fields = add_form_query_rel_fields
    search_form_query_rel_fields = {"committee": [["id", ScopeFilter, None]]}
    add_form_extra_fields = {"case_number": StringField(_l("Case number"), validators=[MaxLength(24)])}
    edit_form_extra_fields = {"case_number": StringField(_l("Case number"), validators=[MaxLength(24)])}
    validators_columns = {
        "applied_on": [NotInFuture()],
        "mediated_on": [NotInFuture()],
        "concluded_on": [NotInFuture()],
        "agreement": [MaxLength(20000)],
        "description": [MaxLength(20000)],
    }
    description_columns = {
        "ledger_entry": _l("The dispute ledger entry this mediation settles; success resolves it"),
        "case_number": _l("The petition case this mediation settles, if any (e.g. XF2026-000123)"),
        "township": _l("Empty: the ledger entry's or the committee's place"),
        "referral": _l("Only when mediation failed"),
        "parties": _l("e.g. 王大山（申请人）、李小红（被申请人）"),
    }
    quick_search = (
        QuickSearch("title", _l("Dispute"), lambda v: MediationRecord.title.like(f"%{v}%")),
        QuickSearch(
            "township", _l("Township"), lambda v: MediationRecord.township_id == int(v) if v.isdigit() else None,
            kind="select", choices=lambda: org_select_choices("township"),
        ),
        QuickSearch("outcome", _l("Mediation outcome"), lambda v: MediationRecord.outcome == v, kind="select",
                    choices=Outcome.choices),
        QuickSearch("type", _l("Dispute type"), lambda v: MediationRecord.dispute_type == v, kind="select",
                    choices=DisputeType.choices),
    )

    def prefill_add_form(self, form) -> None:
        form.applied_on.data = clock.today()
        entry = get_scoped(LedgerEntry, request.args.get("ledger_entry"))
        if entry is not None and entry.status != EntryStatus.CLOSED.value:
            form.ledger_entry.data = entry
            form.title.data = entry.title
            form.dispute_type.data = entry.dispute_type
            form.parties.data = entry.parties_summary
            form.township.data = entry.township
            form.village.data = entry.village

    def prefill_form(self, form, pk) -> None:
        record = self.datamodel.get(pk)
        if record is not None and record.case is not None and not visible_case_ids([record.case_id]):
            form.case_number.data = ""  # a case the editor may not open is not shown (Art. 30)

    def validate_item(self, item: MediationRecord, is_new: bool) -> None:
        scope = current_scope()
        problems: list[DomainError] = []
        number = (item.case_number or "").strip().upper() or None
        if number is None and item.case is not None and not visible_case_ids([item.case.id], scope):
            number = item.case.number  # a link the editor was never shown (Art. 30) stays
        else:
            item.case = rules.find_case(db.session, number, scope) if number else None
        item.case_number = number
        if number and item.case is None:
            problems.append(DomainError(
                gettext("No petition case numbered %(number)s in your area", number=number), field="case_number"
            ))
        rules.fill_place(item)
        problems += rules.record_problems(item, scope, is_new)
        raise_problems(problems)
        if item.committee is not None:
            item.org_unit_id = item.committee.org_unit_id
        rules.apply_outcome(item)


class MediatorView(ShowsEveryProblem, ScopedModelView):
    """调解员: each belongs to one or more committees."""

    datamodel = ScopedInterface(Mediator)
    permission_group = "mediation"
    route_base = "/mediation/mediators"
    list_title = _l("Mediators")
    show_title = _l("Mediator")
    add_title = _l("Add mediator")
    edit_title = _l("Edit mediator")
    label_columns = {
        "name": _l("Person's name"),
        "phone": _l("Phone"),
        "org_unit": _l("Serves in"),
        "specialty": _l("Specialty"),
        "committees": _l("Committees"),
        "committee_names": _l("Committees"),
        "active": _l("In service"),
    }
    list_columns = ["name", "phone", "org_unit", "committee_names", "specialty", "active"]
    add_columns = edit_columns = ["name", "phone", "org_unit", "committees", "specialty", "active"]
    show_columns = ["name", "phone", "org_unit", "committee_names", "specialty", "active"]
    order_columns = ["name"]
    base_order = ("name", "asc")
    search_columns = ["name", "org_unit", "specialty", "active"]
    org_choice_columns = {"org_unit": "any"}
    add_form_query_rel_fields = {"committees": [["id", ScopeFilter, None]]}
    edit_form_query_rel_fields = {"committees": [["id", ScopeFilter, None]]}
    quick_search = (
        QuickSearch("name", _l("Person's name"), lambda v: Mediator.name == v.strip()),
        QuickSearch("committee", _l("Mediation committee"), lambda v: Mediator.committee_names.like(f"%{v}%")),
    )

    def validate_item(self, item: Mediator, is_new: bool) -> None:
        if not item.committees:
            raise DomainError(gettext("A mediator belongs to at least one committee"), field="committees")


class CommitteeView(ShowsEveryProblem, ScopedModelView):
    """调解委员会, with its counts and 化解率 (resolved / concluded)."""

    datamodel = ScopedInterface(MediationCommittee)
    permission_group = "mediation"
    route_base = "/mediation/committees"
    list_title = _l("Mediation committees")
    show_title = _l("Mediation committee")
    add_title = _l("Add mediation committee")
    edit_title = _l("Edit mediation committee")
    label_columns = {
        "name": _l("Name"),
        "kind": _l("Kind"),
        "org_unit": _l("Org unit"),
        "director": _l("Director"),
        "phone": _l("Phone"),
        "active": _l("In operation"),
        "records_total": _l("Mediations"),
        "records_success": _l("Succeeded"),
        "records_failed": _l("Failed"),
        "resolution_rate_text": _l("Resolution rate"),
    }
    list_columns = ["name", "kind", "org_unit", "director", "records_total", "records_success", "records_failed",
                    "resolution_rate_text", "active"]
    export_columns = ["name", "kind", "org_unit", "director", "phone", "records_total", "records_success",
                      "records_failed", "active"]
    add_columns = edit_columns = ["name", "kind", "org_unit", "director", "phone", "active"]
    show_columns = ["name", "kind", "org_unit", "director", "phone", "active"]
    order_columns = ["name", "records_total"]
    base_order = ("name", "asc")
    search_columns = ["name", "kind", "org_unit", "active"]
    org_choice_columns = {"org_unit": "any"}
    related_views = [MediationRecordView]
    show_template = "xf/mediation/committee_show.html"
    quick_search = (
        QuickSearch("name", _l("Name"), lambda v: MediationCommittee.name.like(f"%{v}%")),
        QuickSearch("kind", _l("Kind"), lambda v: MediationCommittee.kind == v, kind="select",
                    choices=CommitteeKind.choices),
    )

    def validate_item(self, item: MediationCommittee, is_new: bool) -> None:
        unit = item.org_unit
        if unit is None:
            return
        expected = {
            CommitteeKind.VILLAGE.value: {OrgKind.VILLAGE.value},
            CommitteeKind.TOWNSHIP.value: {OrgKind.TOWNSHIP.value},
        }.get(item.kind, SPECIALISED_UNIT_KINDS)
        if unit.kind not in expected:
            raise DomainError(
                gettext("A %(kind)s belongs to a unit of the matching level", kind=CommitteeKind.label_of(item.kind)),
                field="org_unit",
            )

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        item = self.get_scoped_item(pk)
        widgets = self._get_show_widget(pk, item)
        widgets = self._get_related_views_widgets(item, orders={}, pages={}, page_sizes={}, filters={},
                                                  widgets=widgets)
        self.update_redirect()
        return self.render_template(
            self.show_template, pk=pk, title=self.show_title, widgets=widgets, item=item,
            related_views=self._related_views,
        )


def register_views(appbuilder) -> None:
    from app.core.menu import add_menu_view

    add_menu_view(appbuilder, CommitteeView, "Mediation committees", _l("Mediation committees"), "mediation",
                  "fa-users")
    add_menu_view(appbuilder, MediatorView, "Mediators", _l("Mediators"), "mediation", "fa-user")
    add_menu_view(appbuilder, MediationRecordView, "Mediation records", _l("Mediation records"), "mediation",
                  "fa-handshake")
