"""The case list: its columns, its labels and the quick-search bar (filters)."""

from __future__ import annotations

from datetime import datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from app.cases.cells import due_cell, flag_cell
from app.cases.models import Case, CaseStatus, Category, Channel, Petitioner, Subject
from app.core import refcache
from app.core.clock import now
from app.core.privacy import person_clause
from app.core.search import keyword_clause, keyword_count_criterion
from app.core.views import QuickSearch
from app.extensions import db
from app.org.choices import org_select_choices

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



class CaseListMixin:
    """The case list's columns, order and filters (mixed into CaseView)."""

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
