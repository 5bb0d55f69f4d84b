"""Search clauses over records that link cases (orders, meetings, accountability records), scoped."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.cases.models import Case
from app.core.scoping import scope_clause


def linking_case(parent_key: Any, link_parent: Any, link_case: Any, value: str):
    """Records (`parent_key`) linked through `link_parent`/`link_case` to the case numbered
    `value` — if the user may open that case: searching by the number of any other must not
    confirm that it exists, nor what it is linked to."""
    number = value.strip().upper()
    return parent_key.in_(
        select(link_parent).join(Case, Case.id == link_case).where(Case.number == number, scope_clause(Case))
    )
