"""Registering and editing a case: the form, repeat detection (重信重访), the first event and
the receipt with the 查询码 (mixed into CaseView)."""

from __future__ import annotations

from datetime import datetime

from flask import flash, g, make_response, redirect, render_template, request, session, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_appbuilder.widgets import FormWidget
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, select
from wtforms import BooleanField

from app.audit.record import record_personal_data_view
from app.cases import workflow
from app.cases.case_page import notices_for, shows_personal_data
from app.cases.forms import MAX_PETITIONERS, PetitionerRowsField
from app.cases.models import FINISHED_STATUSES, OPEN_STATUSES, Case
from app.cases.notices import notice_context
from app.cases.repeats import Person, find_repeats, people_of
from app.cases.rules import (
    case_problems,
    hold_for_screening,
    kept_accusation_problems,
    reported_unit_problems,
    still_screened,
)
from app.core.clock import now
from app.core.errors import DomainError
from app.core.scoping import current_actor, current_scope
from app.core.validators import MaxLength, NotInFuture, normalize_id_number, normalize_phone
from app.duty import case_link
from app.extensions import db
from app.portal.codes import format_code
from app.portal.issuing import announce_registration, record_reissue, reissue


class CaseFormWidget(FormWidget):
    """The registration form: case fields in sections, petitioners as editable rows."""

    template = "xf/widgets/case_form.html"


class CaseRegistrationMixin:
    """The registration and edit forms of CaseView."""

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
        (_l("Place and unit"), {"fields": ["township", "village", "responsible_unit", "reported_unit",
                                           "reported_unit_not_sure", "skips_levels"]}),
    ]
    # "不清楚" is an answer at registration: afterwards only a clerk of the receiving office
    # names the unit (app/cases/rules.py `hold_for_screening`).
    edit_fieldsets = [
        (_l("Petition"), {"fields": ["channel", "received_at", "category", "subject", "title", "content", "demands"]}),
        (_l("Petitioners"), {"fields": ["petitioners", "people_count"]}),
        (_l("Place and unit"), {"fields": ["township", "village", "responsible_unit", "reported_unit", "skips_levels"]}),
    ]
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
    add_form_extra_fields = {
        "petitioners": PetitionerRowsField(),
        "reported_unit_not_sure": BooleanField(
            _l("Reported unit not known"),
            description=_l("Reports and accusations only, when the petitioner cannot say which unit: the case "
                           "is then held for the county petition office to name it."),
        ),
    }
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
        if not is_new:
            # A held case's empty select box is no decision: it stays held (checked first, so
            # the rules below see the unit it is held under).
            still_screened(db.session, item)
        # An accusation names its unit, or says 不清楚 — at registration, and when a case
        # becomes one (left empty, the accused unit would see the accuser).
        required = is_new or inspect(item).attrs.category.history.has_changes()
        held = not is_new and item.reported_unit is not None and item.reported_unit.parent_id is None
        if not held:
            problems += reported_unit_problems(
                category=item.category,
                reported_unit=item.reported_unit,
                responsible_unit=item.responsible_unit,
                actor_lineage=current_scope().lineage,
                required=required,
                not_sure=bool(is_new and g.get("xf_reported_not_sure")),
            )
        if not is_new:
            problems += kept_accusation_problems(db.session, item)
        if problems:
            # The form shows one problem at a time, in the order the rules list them.
            raise problems[0]

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

    def process_form(self, form, is_created: bool) -> None:
        super().process_form(form, is_created)
        # Not a column (populate_obj sets a plain attribute nobody saves): for validate_item and
        # pre_commit.
        field = getattr(form, "reported_unit_not_sure", None) if is_created else None
        g.xf_reported_not_sure = bool(field is not None and field.data)

    def pre_commit(self, item: Case, is_new: bool) -> None:
        if is_new and g.get("xf_reported_not_sure"):
            # 不清楚: held as a portal letter is, until a clerk of the receiving office names it.
            from app.portal.submission import county_unit

            hold_for_screening(item, None, county_unit())
        if is_new:
            # The 查询码 and the petitioner's SMS, in the registration's transaction; the code
            # stays in this request only (g), to be shown once by post_add_redirect.
            db.session.flush()
            g.xf_issued_code = announce_registration(db.session, item)
            g.xf_registered_case = item

    def post_add_redirect(self):
        code = g.pop("xf_issued_code", None)
        case = g.pop("xf_registered_case", None)
        if case is None:
            return super().post_add_redirect()
        # One message that names the new case, in place of the form's generic "Saved.".
        saved = ("success", gettext("Saved."))
        session["_flashes"] = [f for f in session.get("_flashes", []) if tuple(f) != saved]
        flash(gettext("Case %(number)s has been registered.", number=case.number), "success")
        if not self._may_open(case):
            # Held for screening (不清楚): the county petition office names the unit first; the
            # petitioner's query code went out by text message, if they gave a mobile phone.
            flash(gettext("It is held for the county petition office to name the unit reported on; "
                          "until then only that office and the discipline organs see it."), "info")
            return redirect(url_for("CaseView.list"))
        if code is None:
            return redirect(url_for("CaseView.show", pk=case.id))
        # The new case's receipt: its number, the code once, the case and its notices a click away.
        return code_once_redirect(case, code, new_case=True)

    @staticmethod
    def _may_open(case: Case) -> bool:
        from app.core.scoping import scope_clause

        return db.session.execute(select(Case.id).where(Case.id == case.id, scope_clause(Case))).first() is not None

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
            notices=notices_for(case), **notice_context(case, kind),
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
        return code_once_redirect(case, code, new_case=False)

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


def code_once_redirect(case: Case, code: str, new_case: bool):
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
