"""Generated CRUD for cases and the subject dictionary."""

from __future__ import annotations

from datetime import datetime, time

from flask import flash, redirect
from flask_appbuilder import action, expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.widgets import FormWidget
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.audit.record import record_personal_data_view
from app.cases.forms import PetitionerRowsField
from app.cases.models import Case, CaseStatus, Category, Channel, Petitioner, Subject
from app.core.errors import DomainError
from app.core.models import now
from app.core.privacy import mask_id_number, mask_phone
from app.core.scoping import current_scope
from app.core.validators import MaxLength, NotInFuture, normalize_id_number, normalize_phone
from app.core.views import QuickSearch, ScopedModelView
from app.extensions import db
from app.org.models import OrgKind, OrgUnit

CASE_LABELS = {
    "number": _l("Case number"),
    "channel": _l("Channel"),
    "received_at": _l("Received at"),
    "township": _l("Township"),
    "village": _l("Village"),
    "responsible_unit": _l("Responsible unit"),
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
}


class CaseFormWidget(FormWidget):
    """The registration form: case fields in sections, petitioners as editable rows."""

    template = "xf/widgets/case_form.html"


# --- quick search ------------------------------------------------------------------------------


def _person_clause(value: str):
    """One box for a petitioner: an ID number, a phone number, or a name."""
    text = value.strip()
    rows = select(Petitioner.case_id)
    id_number = normalize_id_number(text)
    phone = normalize_phone(text)
    if len(id_number) == 18 and id_number[:17].isdigit():
        rows = rows.where(Petitioner.id_number == id_number)
    elif phone.replace("-", "").isdigit() and len(phone) >= 7:
        rows = rows.where(Petitioner.phone == phone)
    else:
        rows = rows.where(Petitioner.name == text)
    return Case.id.in_(rows)


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


def _township_choices() -> list[tuple[str, str]]:
    scope = current_scope()
    query = select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind == OrgKind.TOWNSHIP.value)
    if not scope.everything:
        query = query.where(OrgUnit.id.in_(scope.township_ids or {-1}))
    query = query.order_by(OrgUnit.sort_order, OrgUnit.id)
    return [(str(i), n) for i, n in db.session.execute(query)]


def _subject_choices() -> list[tuple[str, str]]:
    query = select(Subject.id, Subject.name).order_by(Subject.sort_order, Subject.id)
    return [(str(i), n) for i, n in db.session.execute(query)]


def _keyword_clause(value: str):
    pattern = f"%{value.strip()}%"
    return or_(Case.title.like(pattern), Case.content.like(pattern))


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
        choices=_township_choices,
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
        "from", _l("Received from"), _date_clause(Case.received_at, "from"), kind="date"
    ),
    QuickSearch("to", _l("Received to"), _date_clause(Case.received_at, "to"), kind="date"),
    QuickSearch(
        "keyword", _l("Keyword"), _keyword_clause, placeholder=_l("Words in title or content"), width=4
    ),
)


class CaseView(ScopedModelView):
    """信访件: registration and the case list."""

    datamodel = SQLAInterface(Case)
    permission_group = "cases"
    route_base = "/cases"

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
        "status",
    ]
    order_columns = ["number", "received_at", "status"]
    base_order = ("received_at", "desc")
    page_size = 20
    search_columns = ["number", "title", "received_at", "township", "subject", "responsible_unit"]
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
        "skips_levels",
    ]
    add_fieldsets = [
        (_l("Petition"), {"fields": ["channel", "received_at", "category", "subject", "title", "content", "demands"]}),
        (_l("Petitioners"), {"fields": ["petitioners", "people_count"]}),
        (_l("Place and unit"), {"fields": ["township", "village", "responsible_unit", "skips_levels"]}),
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
            {"fields": ["township", "village", "responsible_unit", "people_count", "is_collective", "is_repeat", "skips_levels"]},
        ),
        (_l("Registration"), {"fields": ["created_at", "created_by", "updated_at"], "expanded": False}),
    ]
    org_choice_columns = {
        "township": "township",
        "village": "village",
        "responsible_unit": "responsible",
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
    }
    add_widget = CaseFormWidget
    edit_widget = CaseFormWidget
    show_template = "xf/cases/show.html"

    def prefill_add_form(self, form) -> None:
        super().prefill_add_form(form)
        form.received_at.data = now()

    def prefill_form(self, form, pk) -> None:
        # The edit form shows the petitioners' ID numbers and phones in full: log it (issue 10).
        case = self.datamodel.get(pk)
        if case is not None and case.petitioners:
            record_personal_data_view(case, fields=("id_number", "phone"), note="edit form")

    def validate_item(self, item: Case, is_new: bool) -> None:
        # Before the flush only the relationships are set, not the *_id columns.
        township_id = item.township.id if item.township is not None else item.township_id
        village_id = item.village.id if item.village is not None else item.village_id
        unit_id = item.responsible_unit.id if item.responsible_unit is not None else item.responsible_unit_id
        if item.village is not None and item.village.township_id != township_id:
            raise DomainError(
                gettext("This village does not belong to the chosen township"), field="village"
            )
        scope = current_scope()
        if not scope.covers_place(township_id, village_id) and not (
            not is_new and unit_id in scope.unit_ids
        ):
            raise DomainError(gettext("You may not register cases for this township"), field="township")
        named = len(item.petitioners)
        if item.people_count is None or item.people_count < 1:
            raise DomainError(gettext("The number of people must be at least 1"), field="people_count")
        if item.people_count < named:
            raise DomainError(
                gettext(
                    "The number of people (%(n)d) is smaller than the petitioners entered (%(m)d)",
                    n=item.people_count,
                    m=named,
                ),
                field="people_count",
            )

    def pre_delete(self, item: Case) -> None:
        if item.status != CaseStatus.REGISTERED.value:
            raise DomainError(
                gettext("Only a case still in 'Registered' can be deleted; this one has moved on.")
            )

    @action(
        "muldelete",
        _l("Delete"),
        _l("Delete the selected registrations? This cannot be undone."),
        "fa-trash",
        single=False,
    )
    def muldelete(self, items: list[Case]):
        refused = [c.number for c in items if c.status != CaseStatus.REGISTERED.value]
        if refused:
            flash(
                gettext(
                    "Nothing was deleted: these cases have moved past registration: %(numbers)s",
                    numbers="、".join(refused),
                ),
                "danger",
            )
            return redirect(self.get_redirect())
        for case in items:
            db.session.delete(case)
        db.session.commit()
        flash(gettext("Deleted %(n)d registrations.", n=len(items)), "success")
        return redirect(self.get_redirect())

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        item = self.get_scoped_item(pk)
        widgets = self._get_show_widget(pk, item)
        self.update_redirect()
        return self.render_template(
            self.show_template,
            pk=pk,
            title=self.show_title,
            widgets=widgets,
            item=item,
            petitioners=self.petitioner_rows(item),
        )

    # Data for the show page's petitioner table (masked unless the user handles the case).
    def petitioner_rows(self, case: Case) -> list[dict[str, str]]:
        full = self.may_see_personal_data(case)
        if full and case.petitioners:
            # Issue 10: every full view of personal data is logged (app/audit/record.py).
            record_personal_data_view(case, fields=("id_number", "phone"))
        return [
            {
                "name": p.name,
                "id_number": p.id_number if full else mask_id_number(p.id_number),
                "phone": p.phone if full else mask_phone(p.phone),
                "address": p.address or "",
            }
            for p in case.petitioners
        ]

    @staticmethod
    def may_see_personal_data(case: Case) -> bool:
        """Whoever works on the case in its place or unit sees the petitioner in full."""
        scope = current_scope()
        return scope.covers_place(case.township_id, case.village_id) or (
            case.responsible_unit_id in scope.unit_ids
        )


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
    from app.core.menu import add_menu_view

    add_menu_view(appbuilder, CaseView, "Cases", _l("Petition cases"), "cases", "fa-folder-open")
    add_menu_view(appbuilder, SubjectView, "Subjects", _l("Subjects"), "admin", "fa-tags")
