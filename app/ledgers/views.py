"""Pages of the ledgers: the dispute ledger with its workflow, and risk assessments (sweeps: sweep_views.py)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_appbuilder import expose
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.widgets import FormWidget
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.core import clock
from app.core.errors import DomainError, raise_problems
from app.core.imports.views import ImportView
from app.core.paging import ScopedInterface
from app.core.privacy import has_personal_data_role, person_clause
from app.core.quick_search import QuickSearch
from app.core.record_page import ShowsEveryProblem, StepForms
from app.core.scoping import current_scope, scope_clause
from app.core.validators import MaxLength, NotInFuture
from app.core.views import ScopedModelView
from app.extensions import db
from app.ledgers import closeout, rules
from app.ledgers.forms import (
    CloseOutApplyForm,
    CloseOutDecideForm,
    LevelForm,
    NoteForm,
    PartyRowsField,
    ResolveForm,
)
from app.ledgers.importing import LEDGER_IMPORT
from app.ledgers.models import (
    DisputeType,
    EntryStatus,
    LedgerEntry,
    LedgerParty,
    ListLevel,
    RiskAssessment,
    RiskKind,
    RiskLevel,
    RiskStatus,
)
from app.ledgers.privacy import party_values
from app.ledgers.risk_views import RiskPeriodView, RiskProposalView
from app.ledgers.sweep_views import (
    HamletSweepView,
    SweepReportView,
    SweepRollupView,
    SweepRuleView,
    SweepStatusView,
)
from app.org.choices import org_select_choices
from app.org.models import OrgKind, OrgUnit
from app.security.access import may


class HamletChoiceFilter(BaseFilter):
    """Hamlets/grids inside the user's scope (for the hamlet select box)."""

    name = "hamlet choice"

    def apply(self, query, value):  # noqa: ARG002
        return query.filter(
            OrgUnit.kind == OrgKind.HAMLET.value, OrgUnit.active.is_(True), scope_clause(OrgUnit)
        ).order_by(OrgUnit.sort_order, OrgUnit.id)



# --- the dispute ledger --------------------------------------------------------------------------

ENTRY_LABELS = {
    "number": _l("Ledger number"),
    "id": _l("Ledger number"),  # the export writes the number from the id (台账编号)
    "title": _l("Dispute"),
    "dispute_type": _l("Dispute type"),
    "found_on": _l("Found on"),
    "township": _l("Township"),
    "village": _l("Village"),
    "hamlet": _l("Hamlet / grid"),
    "place_detail": _l("Exact place"),
    "description": _l("Dispute description"),
    "parties": _l("Parties"),
    "parties_summary": _l("Parties"),
    "people_count": _l("People involved"),
    "responsible_unit": _l("Responsible unit"),
    "responsible_person": _l("Responsible person"),
    "measures": _l("Measures"),
    "level": _l("List level"),
    "level_label": _l("List level"),
    "status": _l("Status"),
    "resolved_on": _l("Resolved on"),
    "closed_on": _l("Closed out on"),
    "last_progress_on": _l("Latest progress"),
    "created_at": _l("Recorded at"),
    "created_by": _l("Recorded by"),
    "updated_at": _l("Last changed"),
}


def _entry_number_clause(value: str):
    digits = value.strip().upper().removeprefix("TZ").lstrip("0")
    return LedgerEntry.id == int(digits) if digits.isdigit() else LedgerEntry.id == -1


def _party_clause(value: str):
    return LedgerEntry.id.in_(select(LedgerParty.entry_id).where(person_clause(LedgerParty, value)))


ENTRY_QUICK_SEARCH = (
    QuickSearch("number", _l("Ledger number"), _entry_number_clause, placeholder=_l("e.g. TZ000123")),
    QuickSearch("party", _l("Party"), _party_clause, placeholder=_l("Name, ID number or phone")),
    QuickSearch(
        "township", _l("Township"), lambda v: LedgerEntry.township_id == int(v) if v.isdigit() else None,
        kind="select", choices=lambda: org_select_choices("township"),
    ),
    QuickSearch("level", _l("List level"), lambda v: LedgerEntry.level == v, kind="select", choices=ListLevel.choices),
    QuickSearch("status", _l("Status"), lambda v: LedgerEntry.status == v, kind="select", choices=EntryStatus.choices),
    QuickSearch(
        "type", _l("Dispute type"), lambda v: LedgerEntry.dispute_type == v, kind="select",
        choices=DisputeType.choices,
    ),
    QuickSearch(
        "keyword", _l("Keyword"),
        lambda v: or_(LedgerEntry.title.like(f"%{v}%"), LedgerEntry.description.like(f"%{v}%")),
        placeholder=_l("Words in the dispute or description"), width=4,
    ),
)


class EntryFormWidget(FormWidget):
    """The entry form: field sections, with the parties as editable rows."""

    template = "xf/widgets/entry_form.html"


class LedgerEntryView(StepForms, ShowsEveryProblem, ScopedModelView):
    """矛盾纠纷台账: the list, the entry form, and the entry's workflow on its page."""

    datamodel = ScopedInterface(LedgerEntry)
    permission_group = "ledgers"
    route_base = "/ledgers/entries"
    list_title = _l("Dispute ledger")
    show_title = _l("Dispute")
    add_title = _l("Record a dispute")
    edit_title = _l("Edit dispute")

    label_columns = ENTRY_LABELS
    list_columns = [
        "number", "found_on", "township", "village", "title", "dispute_type", "parties_summary",
        "level", "status", "responsible_unit",
    ]
    # Exports take real columns (the ledger number is a property of the id).
    export_columns = [
        "id", "found_on", "township", "village", "hamlet", "place_detail", "title", "dispute_type", "parties_summary",
        "people_count", "responsible_unit", "responsible_person", "measures", "level", "status", "resolved_on",
        "closed_on", "last_progress_on",
    ]
    order_columns = ["found_on", "level", "status"]
    base_order = ("found_on", "desc")
    page_size = 20
    search_columns = ["title", "found_on", "township", "village", "responsible_unit", "dispute_type", "level", "status"]
    quick_search = ENTRY_QUICK_SEARCH

    add_fieldsets = [
        (_l("Dispute"), {"fields": ["title", "dispute_type", "found_on", "description", "level", "resolved_on"]}),
        (_l("Parties"), {"fields": ["parties", "people_count"]}),
        (_l("Place and responsibility"), {"fields": [
            "township", "village", "hamlet", "place_detail", "responsible_unit", "responsible_person", "measures",
        ]}),
    ]
    edit_fieldsets = [
        (_l("Dispute"), {"fields": ["title", "dispute_type", "found_on", "description"]}),
        (_l("Parties"), {"fields": ["parties", "people_count"]}),
        (_l("Place and responsibility"), {"fields": [
            "township", "village", "hamlet", "place_detail", "responsible_unit", "responsible_person", "measures",
        ]}),
    ]
    show_fieldsets = [
        (_l("Dispute"), {"fields": [
            "number", "title", "dispute_type", "found_on", "description", "level", "status", "resolved_on",
            "closed_on",
        ]}),
        (_l("Place and responsibility"), {"fields": [
            "township", "village", "hamlet", "place_detail", "people_count", "responsible_unit",
            "responsible_person", "measures",
        ]}),
        (_l("Registration"), {"fields": ["created_at", "created_by", "updated_at"], "expanded": False}),
    ]
    org_choice_columns = {"township": "township", "village": "village", "responsible_unit": "responsible"}
    add_form_query_rel_fields = {"hamlet": [["id", HamletChoiceFilter, None]]}
    edit_form_query_rel_fields = {"hamlet": [["id", HamletChoiceFilter, None]]}
    default_township_column = "township"
    add_form_extra_fields = {"parties": PartyRowsField()}
    edit_form_extra_fields = {"parties": PartyRowsField()}
    validators_columns = {
        "found_on": [NotInFuture()],
        "resolved_on": [NotInFuture()],
        "description": [MaxLength(20000)],
        "measures": [MaxLength(5000)],
    }
    description_columns = {
        "level": _l("Level 1: resolved, in observation; level 2: unresolved, focus; level 3: unresolved, key"),
        "resolved_on": _l("Only for level 1: the date the dispute was resolved"),
        "responsible_person": _l("The official answerable for resolving it (包保责任人)"),
        "people_count": _l("Everyone involved, including the parties listed"),
    }
    add_widget = EntryFormWidget
    edit_widget = EntryFormWidget
    show_template = "xf/ledgers/entry_show.html"

    def prefill_add_form(self, form) -> None:
        form.found_on.data = clock.today()

    # --- saving the form --------------------------------------------------------------------------

    def _link_parties(self, entry: LedgerEntry) -> list[DomainError]:
        from app.cases.references import visible_case_ids
        from app.mediation.rules import find_case

        problems = []
        scope = current_scope()
        for party in entry.parties:
            number = getattr(party, "case_number_input", None)
            if number is None and party.case is not None and not visible_case_ids([party.case.id], scope):
                continue  # a link the user was never shown (Art. 30) stays as it is
            if number is None:
                party.case = None
                party.petitioner = None
                continue
            case = find_case(db.session, number, scope)
            if case is None:
                problems.append(DomainError(
                    gettext("No petition case numbered %(number)s in your area", number=number), field="parties"
                ))
                continue
            party.case = case
            party.petitioner = next(
                (p for p in case.petitioners if (party.id_number and p.id_number == party.id_number)
                 or p.name == party.name),
                None,
            )
        return problems

    def validate_item(self, item: LedgerEntry, is_new: bool) -> None:
        problems = self._link_parties(item)
        township_id = item.township.id if item.township is not None else item.township_id
        unit_id = item.responsible_unit.id if item.responsible_unit is not None else item.responsible_unit_id
        problems += rules.entry_problems(
            scope=current_scope(),
            township_id=township_id,
            village=item.village,
            hamlet=item.hamlet,
            found_on=item.found_on,
            level=item.level,
            resolved_on=item.resolved_on,
            people_count=item.people_count,
            party_count=len(item.parties),
            is_new=is_new,
            responsible_unit_id=unit_id,
        )
        raise_problems(problems)
        if is_new:
            rules.initial_state(item, gettext("Recorded in the ledger"))

    # --- the entry's page and its workflow --------------------------------------------------------

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        return self._show_page(self.get_scoped_item(pk))

    def _show_page(self, item: LedgerEntry, status: int = 200, **forms: Any):
        from app.mediation.models import MediationRecord, Outcome

        pk = item.id
        widgets = self._get_show_widget(pk, item)
        self.update_redirect()
        mediations = db.session.execute(
            select(MediationRecord)
            .where(MediationRecord.ledger_entry_id == item.id, scope_clause(MediationRecord))
            .order_by(MediationRecord.applied_on.desc())
        ).scalars().all()
        note_form = forms.get("note_form") or NoteForm(formdata=None, noted_on=clock.today())
        level_form = forms.get("level_form") or LevelForm(formdata=None)
        resolve_form = forms.get("resolve_form") or ResolveForm(formdata=None, resolved_on=clock.today())
        apply_form = forms.get("apply_form") or CloseOutApplyForm(formdata=None)
        decide_form = forms.get("decide_form") or CloseOutDecideForm(formdata=None)
        pending = next((r for r in item.closeout_requests if r.status == "pending"), None)
        parties = self.party_rows(item)
        page = self.render_template(
            self.show_template,
            pk=pk,
            title=self.show_title,
            widgets=widgets,
            item=item,
            parties=parties,
            mediations=mediations,
            note_form=note_form,
            level_form=level_form,
            resolve_form=resolve_form,
            apply_form=apply_form,
            decide_form=decide_form,
            pending=pending,
            open_panel=forms.get("open_panel"),
            can={
                name: may(f"can_{name}", self)
                for name in ("add_note", "change_level", "resolve", "apply_closeout", "decide_closeout", "edit")
            },
            can_mediate=may("can_add", "MediationRecordView"),
            level_label=ListLevel.label_of,
            outcome_label=Outcome.label_of,
        )
        return page, status

    # --- personal data: in full for those who handle disputes, and every full view logged ----------

    @staticmethod
    def may_see_personal_data() -> bool:
        return has_personal_data_role(g.user)

    def party_rows(self, entry: LedgerEntry) -> list[dict[str, str]]:
        full = self.may_see_personal_data()
        if full and any(p.id_number or p.phone for p in entry.parties):
            from app.audit.record import record_personal_data_view

            record_personal_data_view(entry, fields=("id_number", "phone"))
        return party_values(entry, full)

    personal_rows = ("parties",)

    def shows_personal_data_in_form(self, item: LedgerEntry) -> bool:  # noqa: ARG002 — as on the page
        return self.may_see_personal_data()

    def prefill_form(self, form, pk) -> None:
        # Whoever gets the parties' ID numbers and phones in full on the edit form: logged.
        entry = self.datamodel.get(pk)
        if entry is not None and any(p.id_number or p.phone for p in entry.parties) and self.may_see_personal_data():
            from app.audit.record import record_personal_data_view

            record_personal_data_view(entry, fields=("id_number", "phone"), note="edit form")

    @expose("/note/<pk>", methods=["POST"])
    @has_access
    def add_note(self, pk):
        return self.run_step(
            pk, NoteForm(),
            lambda item, form: rules.add_note(item, form.noted_on.data, form.text.data),
            gettext("Progress recorded."),
            panel="note_form",
        )

    @expose("/level/<pk>", methods=["POST"])
    @has_access
    def change_level(self, pk):
        return self.run_step(
            pk, LevelForm(),
            lambda item, form: rules.change_level(item, form.level.data or None, form.reason.data),
            gettext("List level changed."),
            panel="level_form",
        )

    @expose("/resolve/<pk>", methods=["POST"])
    @has_access
    def resolve(self, pk):
        return self.run_step(
            pk, ResolveForm(),
            lambda item, form: rules.resolve_entry(item, form.resolved_on.data, form.note.data),
            gettext("Resolution recorded; the dispute is on level 1, in observation."),
            panel="resolve_form",
        )

    @expose("/closeout/<pk>", methods=["POST"])
    @has_access
    def apply_closeout(self, pk):
        def apply(item: LedgerEntry, form: CloseOutApplyForm) -> None:
            closeout.apply_for_closeout(
                db.session, item, form.reason.data, current_scope(), getattr(g.user, "org_unit_id", None)
            )

        return self.run_step(pk, CloseOutApplyForm(), apply,
                             gettext("Close-out applied for; awaiting the leader's approval."), panel="apply_form")

    @expose("/closeout/<pk>/decide", methods=["POST"])
    @has_access
    def decide_closeout(self, pk):
        def apply(item: LedgerEntry, form: CloseOutDecideForm) -> None:
            request_row = next(
                (r for r in item.closeout_requests if str(r.id) == (form.request_id.data or "")), None
            )
            if request_row is None:
                raise DomainError(gettext("This application does not exist"))
            closeout.decide_closeout(
                db.session, request_row, form.decision.data == "approve", form.note.data, current_scope(),
                g.user.id,
            )

        form = CloseOutDecideForm()
        success = (
            gettext("Close-out approved; the entry is closed out.")
            if form.decision.data == "approve" else gettext("Close-out refused.")
        )
        return self.run_step(pk, form, apply, success, panel="decide_form")


class LedgerImportView(ImportView):
    spec = LEDGER_IMPORT
    permission_group = "ledger_import"
    route_base = "/ledgers/import"
    list_endpoint = "LedgerEntryView.list"


# --- risk assessment -----------------------------------------------------------------------------


class RiskAssessmentView(ScopedModelView):
    """风险评估台账."""

    datamodel = ScopedInterface(RiskAssessment)
    permission_group = "risk"
    route_base = "/ledgers/risk"
    list_title = _l("Risk assessment ledger")
    show_title = _l("Risk assessment")
    add_title = _l("Add risk assessment")
    edit_title = _l("Edit risk assessment")
    label_columns = {
        "name": _l("Decision or project"),
        "kind": _l("Kind"),
        "responsible_unit": _l("Responsible unit"),
        "township": _l("Township"),
        "village": _l("Village"),
        "description": _l("Description"),
        "risk_points": _l("Risk points"),
        "risk_level": _l("Risk level"),
        "conclusion": _l("Conclusion"),
        "measures": _l("Measures"),
        "assessed_on": _l("Assessed on"),
        "status": _l("Status"),
        "created_by": _l("Recorded by"),
        "created_at": _l("Recorded at"),
    }
    list_columns = ["name", "kind", "responsible_unit", "township", "risk_level", "conclusion", "assessed_on", "status"]
    _fields = ["name", "kind", "responsible_unit", "township", "village", "description", "risk_points",
               "risk_level", "conclusion", "measures", "assessed_on", "status"]
    add_columns = edit_columns = _fields
    show_columns = [*_fields, "created_by", "created_at"]
    order_columns = ["name", "risk_level", "assessed_on"]
    base_order = ("id", "desc")
    search_columns = ["name", "kind", "responsible_unit", "township", "risk_level", "conclusion", "status", "assessed_on"]
    org_choice_columns = {"township": "township", "village": "village", "responsible_unit": "responsible"}
    validators_columns = {"assessed_on": [NotInFuture()], "risk_points": [MaxLength(5000)], "measures": [MaxLength(5000)]}
    description_columns = {
        "township": _l("Leave empty for a county-wide decision"),
        "risk_points": _l("What could make people petition: compensation, resettlement, environment …"),
    }
    quick_search = (
        QuickSearch("name", _l("Decision or project"), lambda v: RiskAssessment.name.like(f"%{v}%")),
        QuickSearch("kind", _l("Kind"), lambda v: RiskAssessment.kind == v, kind="select", choices=RiskKind.choices),
        QuickSearch("level", _l("Risk level"), lambda v: RiskAssessment.risk_level == v, kind="select",
                    choices=RiskLevel.choices),
        QuickSearch("status", _l("Status"), lambda v: RiskAssessment.status == v, kind="select",
                    choices=RiskStatus.choices),
    )

    def validate_item(self, item: RiskAssessment, is_new: bool) -> None:
        township_id = item.township.id if item.township is not None else item.township_id
        unit_id = item.responsible_unit.id if item.responsible_unit is not None else item.responsible_unit_id
        village = item.village
        problems = []
        if village is not None and village.township_id != township_id:
            problems.append(DomainError(gettext("This village does not belong to the chosen township"), field="village"))
        scope = current_scope()
        if not (scope.covers_place(township_id, village.id if village else None) or unit_id in scope.unit_ids):
            problems.append(DomainError(
                gettext("You may only record assessments for your own township or unit"), field="township"
            ))
        if item.status != RiskStatus.ASSESSING.value and (not item.conclusion or item.assessed_on is None):
            problems.append(DomainError(
                gettext("An assessed decision needs its conclusion and assessment date"), field="conclusion"
            ))
        raise_problems(problems)


def register_views(appbuilder) -> None:
    from app.core.menu import add_menu_view

    add_menu_view(appbuilder, LedgerEntryView, "Dispute ledger", _l("Dispute ledger"), "ledgers", "fa-book")
    add_menu_view(appbuilder, SweepStatusView, "Sweep reporting", _l("Sweep reporting"), "ledgers", "fa-search")
    add_menu_view(appbuilder, SweepRollupView, "Sweep roll-up", _l("Sweep roll-up"), "ledgers", "fa-layer-group")
    add_menu_view(appbuilder, SweepReportView, "Sweep reports", _l("Sweep reports"), "ledgers", "fa-file-alt")
    add_menu_view(appbuilder, HamletSweepView, "Sweeps by hamlet", _l("Sweeps by hamlet"), "ledgers", "fa-home")
    add_menu_view(appbuilder, RiskAssessmentView, "Risk assessments", _l("Risk assessment ledger"), "ledgers",
                  "fa-exclamation-triangle")
    add_menu_view(appbuilder, LedgerImportView, "Ledger import", _l("Import ledger from Excel"), "ledgers",
                  "fa-file-import")
    add_menu_view(appbuilder, SweepRuleView, "Sweep periods", _l("Sweep periods"), "admin", "fa-calendar-alt")
    add_menu_view(appbuilder, RiskPeriodView, "Risk periods", _l("Risk periods"), "admin", "fa-calendar-times")
    add_menu_view(appbuilder, RiskProposalView, "Proposed risk periods", _l("Proposed risk periods"), "admin",
                  "fa-chart-line")

