"""Generated CRUD for cases and the subject dictionary."""

from __future__ import annotations

import logging
from datetime import datetime, time

from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_appbuilder import action, expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_appbuilder.widgets import FormWidget
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, inspect, select
from sqlalchemy.exc import SQLAlchemyError

from app.audit.record import record_personal_data_view
from app.cases import workflow
from app.cases.case_page import (
    may_see_personal_data,
    notices_for,
    page_context,
    shows_personal_data,
)
from app.cases.cells import due_cell, flag_cell
from app.cases.forms import MAX_PETITIONERS, PetitionerRowsField
from app.cases.models import (
    FINISHED_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseStatus,
    Category,
    Channel,
    Petitioner,
    Subject,
)
from app.cases.notices import notice_context
from app.cases.repeats import Person, find_repeats, people_of
from app.cases.rules import (
    case_problems,
    kept_accusation_problems,
    reported_unit_problems,
    still_screened,
)
from app.core import refcache
from app.core.clock import now
from app.core.errors import DomainError, StaleRecordError, is_conflict
from app.core.privacy import person_clause
from app.core.scoping import current_actor, current_scope, get_scoped, scoped_select
from app.core.search import keyword_clause, keyword_count_criterion
from app.core.validators import MaxLength, NotInFuture, normalize_id_number, normalize_phone
from app.core.views import QuickSearch, ScopedModelView
from app.duty import case_link
from app.extensions import db
from app.org.choices import org_choices, org_select_choices
from app.portal.codes import format_code
from app.portal.issuing import announce_registration, record_reissue, reissue
from app.security.access import may

log = logging.getLogger(__name__)

CASE_LABELS = {
    "number": _l("Case number"),
    "channel": _l("Channel"),
    "received_at": _l("Received at"),
    "township": _l("Township"),
    "village": _l("Village"),
    "responsible_unit": _l("Responsible unit"),
    "reported_unit": _l("Reported unit"),
    "category": _l("Category"),
    "subject": _l("Subject"),
    "title": _l("Title"),
    "content": _l("Content"),
    "demands": _l("Demands"),
    "people_count": _l("Number of people"),
    "is_collective": _l("Collective visit"),
    "is_repeat": _l("Repeat petition"),
    "skips_levels": _l("Skips levels"),
    "status": _l("Status"),
    "petitioners": _l("Petitioners"),
    "petitioner_names": _l("Petitioners"),
    "created_at": _l("Registered at"),
    "created_by": _l("Registered by"),
    "updated_at": _l("Last changed"),
    "next_due_at": _l("Deadline"),
    "needs_supervision": _l("Supervision"),
}


def _deadline_clause(value: str):
    from app.cases import flags

    if value == "overdue":
        return flags.overdue_clause(now())
    if value == "near":
        return flags.near_clause(now())
    return None


def _deadline_choices() -> list[tuple[str, str]]:
    from app.core.calendar import Urgency

    return [("near", str(Urgency.NEAR.label)), ("overdue", str(Urgency.OVERDUE.label))]


class CaseFormWidget(FormWidget):
    """The registration form: case fields in sections, petitioners as editable rows."""

    template = "xf/widgets/case_form.html"


# --- quick search ------------------------------------------------------------------------------


def _person_clause(value: str):
    """One box for a petitioner: an ID number, a phone number, or a name."""
    return Case.id.in_(select(Petitioner.case_id).where(person_clause(Petitioner, value)))


def _number_clause(value: str):
    text = value.strip().upper()
    return Case.number == text if len(text) >= 13 else Case.number.startswith(text)


def _date_clause(column, bound: str):
    def build(value: str):
        try:
            day = datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            return None
        if bound == "from":
            return column >= datetime.combine(day, time.min)
        return column <= datetime.combine(day, time.max)

    return build


def _cached_choices(key: object, query: Select) -> list[tuple[str, str]]:
    """(id, name) choices of `query`, kept by the process until the reference data changes."""
    return list(refcache.cached(key, lambda: tuple((str(i), n) for i, n in db.session.execute(query))))


def _subject_choices() -> list[tuple[str, str]]:
    query = select(Subject.id, Subject.name).order_by(Subject.sort_order, Subject.id)
    return _cached_choices("subject_choices", query)


def _keyword_clause(value: str):
    return keyword_clause(Case, value)


CASE_QUICK_SEARCH = (
    QuickSearch("number", _l("Case number"), _number_clause, placeholder=_l("e.g. XF2026-000123")),
    QuickSearch(
        "person", _l("Petitioner"), _person_clause, placeholder=_l("Name, ID number or phone")
    ),
    QuickSearch(
        "township",
        _l("Township"),
        lambda v: Case.township_id == int(v) if v.isdigit() else None,
        kind="select",
        choices=lambda: org_select_choices("township"),
    ),
    QuickSearch(
        "unit",
        _l("Responsible unit"),
        lambda v: Case.responsible_unit_id == int(v) if v.isdigit() else None,
        kind="select",
        choices=lambda: org_select_choices("responsible"),
    ),
    QuickSearch(
        "category",
        _l("Category"),
        lambda v: Case.category == v,
        kind="select",
        choices=Category.choices,
    ),
    QuickSearch(
        "subject",
        _l("Subject"),
        lambda v: Case.subject_id == int(v) if v.isdigit() else None,
        kind="select",
        choices=_subject_choices,
    ),
    QuickSearch(
        "status", _l("Status"), lambda v: Case.status == v, kind="select", choices=CaseStatus.choices
    ),
    QuickSearch(
        "channel", _l("Channel"), lambda v: Case.channel == v, kind="select", choices=Channel.choices
    ),
    QuickSearch(
        "due", _l("Deadline"), _deadline_clause, kind="select", choices=_deadline_choices
    ),
    QuickSearch(
        "from", _l("Received from"), _date_clause(Case.received_at, "from"), kind="date"
    ),
    QuickSearch("to", _l("Received to"), _date_clause(Case.received_at, "to"), kind="date"),
    QuickSearch(
        "keyword", _l("Keyword"), _keyword_clause, placeholder=_l("Words in title or content"), width=4,
        count_cap=200, count_build=lambda v: keyword_count_criterion(Case, v),
    ),
)


class CaseView(ScopedModelView):
    """信访件: registration and the case list."""

    datamodel = SQLAInterface(Case)
    permission_group = "cases"
    route_base = "/cases"
    exclude_route_methods = {"delete"}

    list_title = _l("Petition cases")
    show_title = _l("Petition case")
    add_title = _l("Register a petition")
    edit_title = _l("Edit petition registration")

    label_columns = CASE_LABELS
    list_columns = [
        "number",
        "received_at",
        "channel",
        "petitioner_names",
        "township",
        "category",
        "subject",
        "title",
        "next_due_at",
        "status",
        "needs_supervision",
    ]
    order_columns = ["number", "received_at", "status", "next_due_at"]
    formatters_columns = {"next_due_at": due_cell, "needs_supervision": flag_cell}
    base_order = ("received_at", "desc")
    page_size = 20
    # Places, subjects and units are in the quick search: FAB's advanced panel would render a
    # select box of every unit on each list page (a third of the page's time on a big county).
    search_columns = ["number", "title", "received_at", "people_count", "is_collective", "is_repeat", "skips_levels"]
    quick_search = CASE_QUICK_SEARCH

    _form_fields = [
        "channel",
        "received_at",
        "petitioners",
        "people_count",
        "township",
        "village",
        "category",
        "subject",
        "title",
        "content",
        "demands",
        "responsible_unit",
        "reported_unit",
        "skips_levels",
    ]
    add_fieldsets = [
        (_l("Petition"), {"fields": ["channel", "received_at", "category", "subject", "title", "content", "demands"]}),
        (_l("Petitioners"), {"fields": ["petitioners", "people_count"]}),
        (_l("Place and unit"), {"fields": ["township", "village", "responsible_unit", "reported_unit", "skips_levels"]}),
    ]
    edit_fieldsets = add_fieldsets
    show_fieldsets = [
        (
            _l("Petition"),
            {
                "fields": [
                    "number",
                    "status",
                    "channel",
                    "received_at",
                    "category",
                    "subject",
                    "title",
                    "content",
                    "demands",
                ]
            },
        ),
        (
            _l("Place and unit"),
            {"fields": ["township", "village", "responsible_unit", "reported_unit", "people_count", "is_collective", "is_repeat", "skips_levels"]},
        ),
        (_l("Registration"), {"fields": ["created_at", "created_by", "updated_at"], "expanded": False}),
    ]
    org_choice_columns = {
        "township": "township",
        "village": "village",
        "responsible_unit": "responsible",
        "reported_unit": "reported",
    }
    default_township_column = "township"
    add_form_extra_fields = {"petitioners": PetitionerRowsField()}
    edit_form_extra_fields = {"petitioners": PetitionerRowsField()}
    validators_columns = {
        "received_at": [NotInFuture()],
        "content": [MaxLength(20000)],
        "demands": [MaxLength(5000)],
    }
    description_columns = {
        "people_count": _l("Five or more people make a collective visit"),
        "received_at": _l("When the letter, visit or call was received"),
        "title": _l("A short summary of the matter"),
        "reported_unit": _l(
            "Reports and accusations only: the unit reported on. Its staff will never see this case."
        ),
    }
    add_widget = CaseFormWidget
    edit_widget = CaseFormWidget

    def prefill_add_form(self, form) -> None:
        super().prefill_add_form(form)
        form.received_at.data = now()
        case_link.prefill_case_form(form, request.args)  # opened from a duty log entry

    personal_rows = ("petitioners",)

    def shows_personal_data_in_form(self, item: Case) -> bool:
        return shows_personal_data(item, current_actor())

    def prefill_form(self, form, pk) -> None:
        # Whoever gets the petitioners' ID numbers and phones in full on the edit form: logged.
        case = self.datamodel.get(pk)
        if case is not None and case.petitioners and self.shows_personal_data_in_form(case):
            record_personal_data_view(case, fields=("id_number", "phone"), note="edit form")

    def validate_item(self, item: Case, is_new: bool) -> None:
        # Before the flush only the relationships are set, not the *_id columns.
        township_id = item.township.id if item.township is not None else item.township_id
        unit_id = item.responsible_unit.id if item.responsible_unit is not None else item.responsible_unit_id
        problems = case_problems(
            scope=current_scope(),
            township_id=township_id,
            village=item.village,
            channel=item.channel,
            people_count=item.people_count,
            named=len(item.petitioners),
            is_new=is_new,
            responsible_unit_id=unit_id,
            responsible_unit=item.responsible_unit,
        )
        problems += reported_unit_problems(
            category=item.category,
            reported_unit=item.reported_unit,
            responsible_unit=item.responsible_unit,
            actor_lineage=current_scope().lineage,
        )
        if not is_new:
            still_screened(db.session, item)
            problems += kept_accusation_problems(db.session, item)
        if problems:
            # The form shows one problem at a time, in the order the rules list them.
            raise problems[0]

    # A registered case is never deleted (the database refuses it: its history would go with
    # it); a registration made by mistake is voided on its page (workflow `void`). FAB's delete
    # is not routed (no can_delete, so no delete button) and there is no bulk delete; the old
    # address tells the user how to void instead of answering with a bare 403.
    @expose("/delete/<pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("show")
    def refuse_delete(self, pk):
        case = self.get_scoped_item(pk)
        flash(workflow.deletion_refusal(), "danger")
        return redirect(url_for(".show", pk=case.id))

    # --- registration: repeat detection and the first event ----------------------------------

    def pre_add(self, item: Case) -> None:
        """Show earlier cases of the same petitioner and make the clerk decide (重信重访)."""
        candidates = find_repeats(
            db.session,
            people_of(item),
            item.township.id if item.township is not None else item.township_id,
            item.village.id if item.village is not None else item.village_id,
            item.subject.id if item.subject is not None else item.subject_id,
            item.received_at,
        )
        g.xf_repeats = candidates
        decision = (request.form.get("repeat_of") or "").strip()
        earlier = None
        if decision and decision != "new":
            earlier = next((c.case for c in candidates if str(c.case.id) == decision), None)
            if earlier is None:
                raise DomainError(gettext("Choose one of the cases listed, or register a new matter."))
        elif not decision and any(c.same_person for c in candidates):
            raise DomainError(
                gettext(
                    "This petitioner has petitioned before. Check the earlier cases below: link the "
                    "new registration to one of them, or confirm it is a new matter."
                )
            )
        workflow.register(item, g.user, repeat_of=earlier)
        case_link.link_case(item, request.args)
        if earlier is not None and earlier.status in OPEN_STATUSES:
            g.xf_open_repeat = earlier

    def pre_commit(self, item: Case, is_new: bool) -> None:
        if is_new:
            # The 查询码 and the petitioner's SMS, in the registration's transaction; the code
            # stays in this request only (g), to be shown once by post_add_redirect.
            db.session.flush()
            g.xf_issued_code = announce_registration(db.session, item)
            g.xf_registered_case = item

    def post_add_redirect(self):
        code = g.pop("xf_issued_code", None)
        case = g.pop("xf_registered_case", None)
        if code is None or case is None:
            return super().post_add_redirect()
        return _code_once_redirect(case, code, new_case=True)

    @expose("/receipt/<pk>", methods=["GET"])
    @has_access
    @permission_name("add")
    def receipt(self, pk):
        """The page after a registration or a reissue: the new 查询码 once, and the receipt to print.

        The code reaches this page only in the URL's fragment (#ABCD-EFGH-JKMN), which the
        browser never sends to a server: not in any request, log, cookie or table. The page's
        script shows it and drops it from the address bar and history; opened again, the page
        says a code was issued."""
        case = self.get_scoped_item(pk)
        kind = "acceptance" if case.accepted_at is not None else "registration"
        response = make_response(render_template(
            "xf/cases/code_once.html", new_case=request.args.get("new") == "1", code_slot=True,
            **notice_context(case, kind),
        ))
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/query-code/<pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("add")
    def query_code(self, pk):
        """Issue a new 查询码 (the petitioner lost it): confirm first; the old one stops working."""
        case = self.get_scoped_item(pk)
        if request.method == "GET":
            return self.render_template("xf/cases/query_code.html", case=case,
                                        title=gettext("Issue a new query code"))
        case = self._lock_case(pk)
        code = reissue(db.session, case)
        db.session.commit()
        record_reissue(case)
        return _code_once_redirect(case, code, new_case=False)

    def post_add(self, item: Case) -> None:
        earlier = getattr(g, "xf_open_repeat", None)
        if earlier is not None:
            flash(
                gettext(
                    "Case %(number)s on the same matter is still being handled: the same matter is not "
                    "accepted again while it is handled (Art. 19).",
                    number=earlier.number,
                ),
                "warning",
            )

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        widgets = super()._get_add_widget(form, exclude_cols, widgets)
        widgets["add"].template_args["repeats"] = getattr(g, "xf_repeats", None)
        widgets["add"].template_args["repeat_choice"] = request.form.get("repeat_of", "")
        return widgets

    @expose("/repeats", methods=["GET"])
    @has_access
    @permission_name("add")
    def repeats(self):
        """The repeat panel of the registration form, for what the clerk has typed so far."""
        args = request.args
        people = []
        for index in range(MAX_PETITIONERS):
            prefix = f"petitioners-{index}-"
            if f"{prefix}name" not in args:
                continue
            people.append(
                Person(
                    args.get(f"{prefix}name", ""),
                    normalize_id_number(args.get(f"{prefix}id_number", "")),
                    normalize_phone(args.get(f"{prefix}phone", "")),
                )
            )
        received = _parse_when(args.get("received_at", ""))
        candidates = find_repeats(
            db.session, people, _int_arg("township"), _int_arg("village"), _int_arg("subject"), received
        )
        return render_template(
            "xf/cases/_repeats.html", repeats=candidates, repeat_choice=args.get("repeat_of", "")
        )

    def pre_update(self, item: Case) -> None:
        if item.status in FINISHED_STATUSES:
            raise DomainError(gettext("The registration of a finished case can no longer be changed."))
        history = inspect(item).attrs.responsible_unit.history
        if item.assigned_at is not None and history.has_changes():
            raise DomainError(
                gettext("After assignment the unit changes only by a send-back and a new assignment."),
                field="responsible_unit",
            )

    # --- the case page -----------------------------------------------------------------------

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        item = self.get_scoped_item(pk)
        self.update_redirect()
        return self._render_case(item)

    def _render_case(self, item: Case, status: int = 200, **form_state):
        context = page_context(item, g.user, **form_state)
        return self.render_template(
            "xf/cases/case.html", title=f"{item.number} {item.title}", **context
        ), status

    @expose("/step/<pk>/<string:step>", methods=["POST"])
    @has_access
    @permission_name("step")
    def step(self, pk, step: str):
        """Apply one workflow step from the case page; refused steps change nothing."""
        case = self._lock_case(pk)
        step_def = workflow.STEPS.get(step)
        if step_def is None:
            abort(404)
        raw = {
            inp.name: request.form.getlist(inp.name) if inp.kind == "units" else request.form.get(inp.name)
            for inp in step_def.inputs
        }
        try:
            workflow.apply_step(
                case, step, g.user,
                expected_version=request.form.get("version"),
                token=request.form.get("token") or None,
                **raw,
            )
            db.session.commit()
        except workflow.AlreadyApplied as exc:
            db.session.rollback()
            flash(exc.message, "info")
            return redirect(url_for(".show", pk=case.id))
        except (DomainError, SQLAlchemyError) as exc:
            db.session.rollback()
            if not isinstance(exc, DomainError) and not is_conflict(exc):
                raise  # an outage (503) or a fault (500): not "changed by someone else"
            if not isinstance(exc, DomainError):
                exc = StaleRecordError(
                    gettext(
                        "The case was changed by someone else after you opened it; nothing was "
                        "applied. Reload the page to see its current state."
                    )
                )
            fresh = self.get_scoped_item(pk)
            errors = {exc.field: exc.message} if exc.field else {}
            return self._render_case(
                fresh, 409 if exc.code == "conflict" else 422,
                failed=step, posted=_posted(step_def), errors=errors,
                message="" if exc.field else exc.message,
            )
        flash(gettext("Done: %(step)s", step=step_def.label), "success")
        if get_scoped(Case, case.id) is None:
            # The step moved the case out of this user's area (e.g. a unit sent it back).
            return redirect(url_for("HomeView.index"))
        return redirect(url_for(".show", pk=case.id))

    def _lock_case(self, pk) -> Case:
        """Load the case for a step, locking its row (PostgreSQL) so concurrent steps queue up."""
        try:
            pk_value = int(pk)
        except (TypeError, ValueError):
            abort(404)
        case = db.session.execute(
            scoped_select(Case).where(Case.id == pk_value).with_for_update(of=Case)
            .execution_options(populate_existing=True)
        ).scalars().first()
        if case is None:
            abort(404)
        return case

    @expose("/notice/<pk>/<string:kind>", methods=["GET"])
    @has_access
    @permission_name("show")
    def notice(self, pk, kind: str):
        """A printable notice (A4, the browser's print), filled from the case."""
        case = self.get_scoped_item(pk)
        if kind not in dict(notices_for(case)):
            abort(404)
        return render_template("xf/cases/notice.html", **notice_context(case, kind))

    # --- notices of the selected cases, printed at once (app/casefile/) ----------------------------

    # Printing what one may read: the case page's permission, not one more to grant.
    method_permission_name = {"print_notices": "show"}

    @action("print_notices", _l("Print notices"), None, "fa-print", single=False)
    def print_notices(self, items: list[Case]):
        from app.casefile.views import print_notices_of

        return print_notices_of(items)

    # --- bulk assignment -------------------------------------------------------------------------

    @action(
        "bulk_assign",
        _l("Assign to a unit"),
        None,
        "fa-share-square",
        single=False,
    )
    def bulk_assign(self, items: list[Case]):
        """Choose the unit and deadline for the selected cases (next page), then assign them."""
        return self._render_bulk(items)

    def _render_bulk(self, items: list[Case], status: int = 200, error: str = "", form=None):
        return self.render_template(
            "xf/cases/bulk_assign.html",
            title=gettext("Assign cases to a unit"),
            items=items,
            units=org_choices("responsible"),
            rules=workflow.HandlingRule.choices(),
            form=form or {},
            error=error,
        ), status

    @expose("/bulk_assign", methods=["POST"])
    def bulk_assign_post(self):
        """Assign every selected case in one transaction: all of them, or none."""
        if not may("bulk_assign", self):
            abort(403)
        ids = request.form.getlist("rowid")
        if not ids:
            flash(gettext("Select at least one record first."), "warning")
            return redirect(url_for(".list"))
        items = [self._lock_case(pk) for pk in ids]
        versions = {str(k): v for k, v in zip(ids, request.form.getlist("version"), strict=False)}
        fields = {name: request.form.get(name) for name in ("unit", "rule", "deadline", "note")}
        current = ""
        try:
            for case in items:
                current = case.number
                workflow.apply_step(
                    case, "assign", g.user, expected_version=versions.get(str(case.id)), **fields
                )
            db.session.commit()
        except (DomainError, SQLAlchemyError) as exc:
            db.session.rollback()
            if not isinstance(exc, DomainError) and not is_conflict(exc):
                raise  # an outage (503) or a fault (500): not "changed by someone else"
            message = exc.message if isinstance(exc, DomainError) else StaleRecordError().message
            failed = current
            fresh = [self.get_scoped_item(pk) for pk in ids]
            return self._render_bulk(
                fresh, 422,
                error=gettext("Nothing was assigned. %(number)s: %(message)s", number=failed, message=message),
                form=fields,
            )
        unit = items[0].responsible_unit.name if items and items[0].responsible_unit else ""
        flash(gettext("%(n)d cases assigned to %(unit)s.", n=len(items), unit=unit), "success")
        return redirect(url_for(".list"))

    @staticmethod
    def may_see_personal_data(case: Case) -> bool:
        return may_see_personal_data(case)


def _code_once_redirect(case: Case, code: str, new_case: bool):
    """To the receipt page with the new code in the fragment only (see CaseView.receipt)."""
    url = url_for("CaseView.receipt", pk=case.id, new="1" if new_case else None)
    return redirect(f"{url}#{format_code(code)}")


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def _parse_when(value: str) -> datetime | None:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"):
        try:
            return datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
    return None


def _posted(step_def: workflow.Step) -> dict:
    values: dict = {}
    for inp in step_def.inputs:
        if inp.kind == "units":
            values[inp.name] = [int(v) for v in request.form.getlist(inp.name) if v.isdigit()]
        elif inp.kind == "unit":
            value = request.form.get(inp.name, "")
            values[inp.name] = int(value) if value.isdigit() else None
        else:
            values[inp.name] = request.form.get(inp.name, "")
    return values


class SubjectView(ScopedModelView):
    """The subject dictionary: county-wide, edited by the administrator."""

    datamodel = SQLAInterface(Subject)
    permission_group = "dictionaries"
    base_filters = []
    route_base = "/subjects"
    list_title = _l("Subjects")
    show_title = _l("Subject")
    add_title = _l("Add subject")
    edit_title = _l("Edit subject")
    label_columns = {"name": _l("Name"), "sort_order": _l("Sort order"), "active": _l("In use")}
    list_columns = ["name", "sort_order", "active"]
    add_columns = edit_columns = show_columns = ["name", "sort_order", "active"]
    base_order = ("sort_order", "asc")



def register_views(appbuilder) -> None:
    from app.cases.models import Mailbox, Satisfaction
    from app.cases.workflow_models import ClosureKind, PauseReason, ReviewKind, ReviewOutcome
    from app.core.display import register_vocabularies
    from app.core.menu import add_menu_view

    register_vocabularies(
        channel=Channel, category=Category, status=CaseStatus, satisfaction=Satisfaction,
        closure=ClosureKind, pause_reason=PauseReason, review_kind=ReviewKind,
        review_outcome=ReviewOutcome, mailbox=Mailbox,
    )
    add_menu_view(appbuilder, CaseView, "Cases", _l("Petition cases"), "cases", "fa-folder-open")
    add_menu_view(appbuilder, SubjectView, "Subjects", _l("Subjects"), "admin", "fa-tags")
