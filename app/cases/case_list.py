"""The case list: its columns, its labels and the quick-search bar (filters)."""

from __future__ import annotations

from datetime import datetime, time

from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, select

from app.cases import backlog_views as marks
from app.cases.list_columns import CaseColumnsMixin
from app.cases.models import Case, CaseStatus, Category, Channel, Petitioner, Subject
from app.core import refcache
from app.core.clock import now
from app.core.privacy import person_clause
from app.core.quick_search import QuickSearch
from app.core.search import keyword_clause, keyword_count_criterion
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
    "days_overdue": _l("Days overdue"),
    "open_supervision": _l("Supervision order"),
    "handler": _l("Responsible handler"),
    **marks.MARK_LABELS,
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


def _any_of(column, vocabulary):
    """A multi-value filter: the values arrive comma-separated (`CaseListMixin.quick_search_values`)."""
    def build(value: str):
        known = {code for code, _label in vocabulary.choices()}
        chosen = [v for v in value.split(",") if v in known]
        if not chosen:
            return None
        return column == chosen[0] if len(chosen) == 1 else column.in_(chosen)

    return build


FLAG_COLUMNS = {"collective": Case.is_collective, "repeat": Case.is_repeat, "skips": Case.skips_levels}


def _flag_choices() -> list[tuple[str, str]]:
    return [("collective", str(CASE_LABELS["is_collective"])), ("repeat", str(CASE_LABELS["is_repeat"])),
            ("skips", str(CASE_LABELS["skips_levels"]))]


def _flags_clause(value: str):
    """集体访 / 重信重访 / 越级访: every flag chosen must be set."""
    chosen = [FLAG_COLUMNS[v] for v in value.split(",") if v in FLAG_COLUMNS]
    return and_(*[c.is_(True) for c in chosen]) if chosen else None


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
        _any_of(Case.category, Category),
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
    QuickSearch("status", _l("Status"), _any_of(Case.status, CaseStatus), kind="select", choices=CaseStatus.choices),
    QuickSearch("channel", _l("Channel"), _any_of(Case.channel, Channel), kind="select", choices=Channel.choices),
    QuickSearch(
        "due", _l("Deadline"), _deadline_clause, kind="select", choices=_deadline_choices
    ),
    QuickSearch(
        "from", _l("Received from"), _date_clause(Case.received_at, "from"), kind="date"
    ),
    QuickSearch("to", _l("Received to"), _date_clause(Case.received_at, "to"), kind="date"),
    QuickSearch("flags", _l("Marked as"), _flags_clause, kind="select", choices=_flag_choices),
    QuickSearch(
        "keyword", _l("Keyword"), _keyword_clause, placeholder=_l("Words in title or content"), width=4,
        count_cap=200, count_build=lambda v: keyword_count_criterion(Case, v),
    ),
    *marks.MARK_QUICK_SEARCH,
)
# Filters that take several values (status in {…}): chosen in a multiple select.
MULTI_FILTERS = frozenset({"status", "channel", "category", "flags"})


class CaseListMixin(CaseColumnsMixin):
    """The case list's filters and order, one filter panel (mixed into CaseView); the columns
    are `CaseColumnsMixin`'s."""

    label_columns = CASE_LABELS
    order_columns = ["number", "received_at", "status", "next_due_at"]
    base_order = ("received_at", "desc")
    page_size = 20
    list_template = "xf/cases/list.html"
    # FAB's filters still answer old addresses (`_flt_…`), but the page shows one panel: the
    # quick search (its advanced panel would also render a select of every unit on each page).
    search_columns = ["number", "title", "received_at", "people_count", "is_collective", "is_repeat", "skips_levels"]
    quick_search = CASE_QUICK_SEARCH

    def quick_search_values(self) -> dict[str, str]:
        """Each filter's value; a multi-value filter's values comma-separated (?q_status=a&q_status=b)."""
        values = {}
        for q in self.quick_search:
            given = [v.strip() for v in request.args.getlist(f"q_{q.name}") if v.strip()]
            values[q.name] = ",".join(given) if q.name in MULTI_FILTERS else (given[0] if given else "")
        return values

    def list_context(self) -> dict:
        context = super().list_context()
        context["multi_filters"] = MULTI_FILTERS
        return context
