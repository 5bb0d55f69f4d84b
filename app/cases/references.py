"""How other areas refer to cases and ledger entries: by the numbers clerks quote, inside the
user's scope, and without revealing who petitioned where that is confidential.

Leaders' holdings, receptions, supervision orders, joint meetings and accountability records
all link cases (and ledger entries) that a user types as numbers — ``XF2026-000123``,
``TZ000045`` — one or several, separated by spaces, commas or line breaks. A number outside the
user's scope is reported exactly like a number that does not exist (the scope is never
confirmed).

Showing a linked case is the other half, and it has one rule: a page, export, report or work
queue shows a linked case — number, title, petitioners, status, deadline — only if the viewer
may open that case (`scope_clause(Case)`: their area, and never a 检举控告 about their own unit,
信访工作条例 Art. 30); any other reads "（无权查看的信访件）". `linked_cases` / `linked_case` give
the case as a page may print it, `linked_case_cell` as a list cell or a show page's link, `shown_case_numbers` a stored summary of numbers ("XF2026-000001、
TZ000002") as the viewer may read it, and `relinked_cases` keeps, on an edit, the links the editor
cannot see. Even a case the viewer may open shows its petitioners on pages about officials' work
only when it is not a 检举控告 report (`overseen_petitioners`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import g, has_request_context, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases.models import Case, Category
from app.core.errors import DomainError
from app.core.scoping import Scope, current_scope, scope_clause

# What a page prints instead of a linked case the viewer may not open.
HIDDEN_CASE = _l("(a petition case you may not open)")
# A case number as the numbering writes it (XF2026-000123; the prefix is configurable).
CASE_NUMBER = re.compile(r"^[A-Z]{1,8}\d{4}-\d{6}$")

_SEPARATORS = re.compile(r"[\s,，、;；]+")
MAX_NUMBERS = 200


def split_numbers(text: str | None) -> list[str]:
    """The distinct numbers in `text`, upper-cased, in the order typed."""
    seen: dict[str, None] = {}
    for token in _SEPARATORS.split((text or "").strip()):
        if token:
            seen.setdefault(token.upper(), None)
    return list(seen)


def cases_by_numbers(
    session: Session, text: str | None, scope: Scope, field: str = "case_numbers"
) -> list[Case]:
    """The cases typed in `text` (in that order); DomainError naming every unknown number."""
    numbers = split_numbers(text)
    if len(numbers) > MAX_NUMBERS:
        raise DomainError(gettext("At most %(n)d numbers at a time", n=MAX_NUMBERS), field=field)
    if not numbers:
        return []
    found = {
        c.number: c
        for c in session.execute(
            select(Case).where(Case.number.in_(numbers), scope_clause(Case, scope))
        ).scalars()
    }
    missing = [n for n in numbers if n not in found]
    if missing:
        raise DomainError(
            gettext("No petition case numbered %(numbers)s in your area", numbers="、".join(missing)),
            field=field,
        )
    return [found[n] for n in numbers]


def entry_id_of(number: str) -> int | None:
    digits = number.strip().upper().removeprefix("TZ")
    return int(digits) if digits.isdigit() and int(digits) > 0 else None


def entries_by_numbers(
    session: Session, text: str | None, scope: Scope, field: str = "entry_numbers"
) -> list[Any]:
    """The ledger entries typed in `text` (TZ000123 or 123); DomainError naming unknown ones."""
    from app.ledgers.models import LedgerEntry

    numbers = split_numbers(text)
    if len(numbers) > MAX_NUMBERS:
        raise DomainError(gettext("At most %(n)d numbers at a time", n=MAX_NUMBERS), field=field)
    ids = {n: entry_id_of(n) for n in numbers}
    wanted = [i for i in ids.values() if i is not None]
    found = {
        e.id: e
        for e in session.execute(
            select(LedgerEntry).where(LedgerEntry.id.in_(wanted), scope_clause(LedgerEntry, scope))
        ).scalars()
    } if wanted else {}
    missing = [n for n, i in ids.items() if i not in found]
    if missing:
        raise DomainError(
            gettext("No ledger entry numbered %(numbers)s in your area", numbers="、".join(missing)),
            field=field,
        )
    return [found[ids[n]] for n in numbers]


def join_numbers(items: Iterable[Any]) -> str:
    """Numbers for a form field or a list summary, in a stable order."""
    return "、".join(i.number for i in items)


def is_confidential(case: Case | None) -> bool:
    """检举控告: the petitioner's identity is never shown outside the case's own handling."""
    return case is not None and case.category == Category.ACCUSATION.value


def overseen_petitioners(case: Case | None) -> str:
    """The petitioners' names as pages about officials' work may show them: none for 检举控告."""
    if case is None or is_confidential(case):
        return ""
    return case.petitioner_names or ""


# --- showing linked cases: only what the viewer may open -----------------------------------------


def _visibility_cache(scope: Scope) -> dict[Any, bool]:
    """Per request and scope: case id / number → may be opened (a page asks about the same
    cases in its table, its summary and its links: one query)."""
    if not has_request_context():
        return {}
    caches = g.setdefault("_xf_case_visibility", {})
    return caches.setdefault(scope, {})


def visible_case_ids(ids: Iterable[int | None], scope: Scope | None = None) -> set[int]:
    """Of these case ids, those the viewer (`scope`, default the request's) may open."""
    scope = current_scope() if scope is None else scope
    cache = _visibility_cache(scope)
    wanted = {int(i) for i in ids if i is not None}
    unknown = [i for i in wanted if ("id", i) not in cache]
    if unknown:
        from app.extensions import db

        found = set(db.session.execute(
            select(Case.id).where(Case.id.in_(unknown), scope_clause(Case, scope))
        ).scalars())
        for i in unknown:
            cache["id", i] = i in found
    return {i for i in wanted if cache["id", i]}


def visible_case_numbers(numbers: Iterable[str], scope: Scope | None = None) -> set[str]:
    """Of these case numbers, those of cases the viewer may open."""
    scope = current_scope() if scope is None else scope
    cache = _visibility_cache(scope)
    wanted = {n for n in numbers if n}
    unknown = [n for n in wanted if ("number", n) not in cache]
    if unknown:
        from app.extensions import db

        found = set(db.session.execute(
            select(Case.number).where(Case.number.in_(unknown), scope_clause(Case, scope))
        ).scalars())
        for n in unknown:
            cache["number", n] = n in found
    return {n for n in wanted if cache["number", n]}


@dataclass(frozen=True)
class LinkedCase:
    """A linked case as a page may print it: in full when the viewer may open it, otherwise
    only "（无权查看的信访件）" (`number`) and nothing else."""

    visible: bool
    id: int | None = None
    number: str = ""
    title: str = ""
    petitioners: str = ""
    status_label: str = ""
    due: datetime | None = None
    category: str = ""

    @property
    def url(self) -> str:
        return url_for("CaseView.show", pk=self.id) if self.visible and self.id is not None else ""


def _shown(case: Case, visible: bool) -> LinkedCase:
    if not visible:
        return LinkedCase(False, number=str(HIDDEN_CASE))
    return LinkedCase(
        True, case.id, case.number, case.title or "", overseen_petitioners(case), case.status_label,
        case.next_due_at if case.is_open else None, case.category,
    )


def linked_cases(cases: Iterable[Case | None], scope: Scope | None = None) -> list[LinkedCase]:
    """The cases as the viewer may see them, in the same order (one query for them all)."""
    present = [c for c in cases if c is not None]
    visible = visible_case_ids((c.id for c in present), scope)
    return [_shown(c, c.id in visible) for c in present]


def linked_case(case: Case | None, scope: Scope | None = None) -> LinkedCase | None:
    """One case as the viewer may see it (None for no case)."""
    return linked_cases([case], scope)[0] if case is not None else None


def linked_case_cell(case: Case | None, scope: Scope | None = None) -> Markup | str:
    """A linked case in a list cell or on a record's page: its number as a link to the case
    when the viewer may open it, otherwise "（无权查看的信访件）" ("" for no case)."""
    shown = linked_case(case, scope)
    if shown is None:
        return ""
    if not shown.visible:
        return shown.number
    return Markup('<a href="{}">{}</a>').format(shown.url, shown.number)


def shown_case_numbers(text: str | None, scope: Scope | None = None) -> str:
    """A stored summary of linked numbers ("XF2026-000001、TZ000002", cut with "…" when long) as
    the viewer may read it: case numbers they may not open become "（无权查看的信访件）" (once)."""
    if not text:
        return ""
    parts = text.split("、")
    cases = [p for p in parts if CASE_NUMBER.match(p)]
    visible = visible_case_numbers(cases, scope) if cases else set()
    shown: list[str] = []
    hidden = False
    for part in parts:
        if part in visible or (part and not part.endswith("…") and not CASE_NUMBER.match(part)):
            shown.append(part)  # a case they may open, a ledger entry (TZ000002)
        elif part.endswith("…"):
            shown.append("…")  # a number cut short: never half of a number the viewer may not see
        elif part and not hidden:
            hidden = True
            shown.append(str(HIDDEN_CASE))
    return "、".join(shown)


def relinked_cases(
    session: Session, text: str | None, linked: Iterable[Case], scope: Scope, field: str = "case_numbers"
) -> list[Case]:
    """The cases of an edited record: those typed (inside the editor's scope), plus the linked
    cases the editor may not open — they were never shown to them, so they stay linked."""
    typed = cases_by_numbers(session, text, scope, field=field)
    linked = list(linked)
    visible = visible_case_ids((c.id for c in linked), scope)
    kept = [c for c in linked if c.id not in visible and c not in typed]
    return typed + kept


def shown_numbers_for_form(linked: Iterable[Case], scope: Scope | None = None) -> str:
    """The linked cases' numbers an edit form may show: those the editor may open."""
    linked = list(linked)
    visible = visible_case_ids((c.id for c in linked), scope)
    return join_numbers(c for c in linked if c.id in visible)


# How a column holding a summary of linked numbers reads, on pages and in exports (the generated
# views and the export read these `info` keys) and in the API (`linked_case_values`):
# `Column(..., info=LINKED_NUMBERS)`.
LINKED_NUMBERS = {"display_format": shown_case_numbers, "export_format": shown_case_numbers,
                  "linked_cases": True}


def linked_case_columns(model: Any) -> tuple[list[str], list[str]]:
    """The model's declared links to cases: its foreign keys to a case (``case_id``), and its
    columns holding linked numbers (``info=LINKED_NUMBERS``) — by attribute name."""
    from sqlalchemy import inspect

    keys, numbers = [], []
    for attribute in inspect(model).column_attrs:
        column = attribute.columns[0]
        if any(fk.column.table is Case.__table__ for fk in column.foreign_keys):
            keys.append(attribute.key)
        elif column.info.get("linked_cases"):
            numbers.append(attribute.key)
    return keys, numbers


def linked_case_values(model: Any, items: list[Any], rows: list[dict[str, Any]],
                       scope: Scope | None = None) -> list[dict[str, Any]]:
    """Records dumped for the API (`rows`, one per item) as the viewer may read their linked
    cases: the id of a case they may not open is null, its number "（无权查看的信访件）" — as
    on the pages. One query for them all."""
    keys, numbers = linked_case_columns(model)
    keys = [k for k in keys if any(k in row for row in rows)]
    visible = visible_case_ids((getattr(item, k) for item in items for k in keys), scope) if keys else set()
    for row in rows:
        for key in keys:
            if row.get(key) is not None and row[key] not in visible:
                row[key] = None
        for name in numbers:
            if row.get(name):
                row[name] = shown_case_numbers(row[name], scope)
    return rows
