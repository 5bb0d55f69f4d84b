"""How other areas refer to cases and ledger entries: by the numbers clerks quote, inside the
user's scope, and without revealing who petitioned where that is confidential.

Leaders' holdings, receptions, supervision orders, joint meetings and accountability records
all link cases (and ledger entries) that a user types as numbers — ``XF2026-000123``,
``TZ000045`` — one or several, separated by spaces, commas or line breaks. A number outside the
user's scope is reported exactly like a number that does not exist (the scope is never
confirmed). Pages about officials' work (orders, accountability, a leader's page) show a case
by its number and title; the petitioners' names only when the case is not a 检举控告 report
(信访工作条例 Art. 30: the accuser's identity must not reach the person or unit reported on).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases.models import Case, Category
from app.core.errors import DomainError
from app.core.scoping import Scope, scope_clause

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
