"""Pages of the ledgers: the dispute ledger with its workflow, sweeps, and risk assessments."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.widgets import FormWidget
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.core import clock
from app.core.errors import DomainError, DomainErrors
from app.core.import_views import ImportView
from app.core.privacy import has_personal_data_role, person_clause
from app.core.record_page import ShowsEveryProblem, StepForms
from app.core.scoping import current_scope, get_scoped, scope_clause
from app.core.validators import MaxLength, NotInFuture
from app.core.views import QuickSearch, ScopedModelView
from app.extensions import db
from app.ledgers import closeout, rules, sweeps
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
    OrgLevel,
    RiskAssessment,
    RiskKind,
    RiskLevel,
    RiskStatus,
    SweepReport,
    SweepRule,
)
from app.ledgers.privacy import party_values
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


def raise_problems(problems: list[DomainError]) -> None:
    if problems:
        raise DomainErrors(problems)



# --- the dispute ledger --------------------------------------------------------------------------

ENTRY_LABELS = {
    "number": _l("Ledger number"),
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

    datamodel = SQLAInterface(LedgerEntry)
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
        "found_on", "township", "village", "hamlet", "place_detail", "title", "dispute_type", "parties_summary",
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


# --- sweeps -----------------------------------------------------------------------------------------


class SweepReportView(ScopedModelView):
    """Every report filed (read-only: reports are filed from the status page)."""

    datamodel = SQLAInterface(SweepReport)
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
        township_id = request.args.get("township", "")
        township_id = int(township_id) if township_id.isdigit() else None
        statuses = sweeps.period_status(session, period, current_scope(), township_id=township_id)
        counts: dict[str, int] = {}
        for status in statuses:
            counts[status.state] = counts.get(status.state, 0) + 1
        only_missing = request.args.get("missing") == "1"
        shown = [s for s in statuses if not s.filed] if only_missing else statuses
        previous = sweeps.previous_period(rule, period)
        following = sweeps.period_containing(rule, period.end + timedelta(days=1))
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
        )

    def _unit_and_period(self) -> tuple[OrgUnit, sweeps.Period]:
        unit = get_scoped(OrgUnit, request.values.get("unit"))
        level = sweeps.level_of(unit) if unit is not None else None
        if unit is None or level is None:
            abort(404)
        rule = sweeps.rules(db.session)[level]
        return unit, sweeps.parse_period(rule, request.values.get("period"), clock.today())

    def _back(self, unit: OrgUnit, period: sweeps.Period):
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


class SweepRollupView(BaseView):
    """排查汇总: reports summed one level down (the county sees townships, a township its villages)."""

    permission_group = "sweeps"
    route_base = "/sweeps/rollup"
    default_view = "index"
    method_permission_name = {"index": "list"}
    previous_method_permission_name = method_permission_name

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
            result = sweeps.rollup(
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

    datamodel = SQLAInterface(SweepRule)
    permission_group = "sweep_rules"
    base_filters = []
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


# --- risk assessment -----------------------------------------------------------------------------


class RiskAssessmentView(ScopedModelView):
    """风险评估台账."""

    datamodel = SQLAInterface(RiskAssessment)
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
    add_menu_view(appbuilder, RiskAssessmentView, "Risk assessments", _l("Risk assessment ledger"), "ledgers",
                  "fa-exclamation-triangle")
    add_menu_view(appbuilder, LedgerImportView, "Ledger import", _l("Import ledger from Excel"), "ledgers",
                  "fa-file-import")
    add_menu_view(appbuilder, SweepRuleView, "Sweep periods", _l("Sweep periods"), "admin", "fa-calendar-alt")

