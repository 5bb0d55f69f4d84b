"""Which org units a user may choose — one definition for every form, filter, report and step.

`what` names the list:
- "township": townships inside the scope;
- "village": villages inside the scope;
- "responsible": units a case or ledger entry may be assigned to (属事单位): every county
  department and office, plus the townships and units inside the scope;
- "reported": units a 检举控告 may be about: every county-level unit but the county itself,
  plus the places and units inside the scope;
- "any": places and units inside the scope.

Only active units are offered. County-level units come first, then by the tree's sort order.
The lists are reference data: cached per process until the org tree changes (app/core/refcache).
"""

from __future__ import annotations

from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import ColumnElement, and_, case, false, or_, select

from app.core import refcache
from app.core.scoping import Scope, current_scope, scope_clause
from app.org.models import RESPONSIBLE_KINDS, OrgKind, OrgUnit

KINDS = ("township", "village", "responsible", "reported", "any")


def choice_clause(what: str, scope: Scope) -> ColumnElement:
    """The condition on OrgUnit for the units of list `what` this scope may choose."""
    active = OrgUnit.active.is_(True)
    if what == "township":
        kind = OrgUnit.kind == OrgKind.TOWNSHIP.value
        if scope.everything:
            return and_(active, kind)
        return and_(active, kind, OrgUnit.id.in_(scope.township_ids) if scope.township_ids else false())
    if what == "village":
        kind = OrgUnit.kind == OrgKind.VILLAGE.value
        if scope.everything:
            return and_(active, kind)
        return and_(active, kind, or_(OrgUnit.township_id.in_(scope.township_ids), OrgUnit.id.in_(scope.village_ids)))
    if what == "responsible":
        kind = OrgUnit.kind.in_(sorted(k.value for k in RESPONSIBLE_KINDS))
        if scope.everything:
            return and_(active, kind)
        # County-level units are open to everyone; township-level ones to their township.
        return and_(active, kind, or_(OrgUnit.township_id.is_(None), OrgUnit.township_id.in_(scope.township_ids),
                                      OrgUnit.id.in_(scope.unit_ids)))
    if what == "reported":
        kind = OrgUnit.kind != OrgKind.COUNTY.value
        if scope.everything:
            return and_(active, kind)
        return and_(active, kind, or_(OrgUnit.township_id.is_(None), scope_clause(OrgUnit, scope)))
    return and_(active, scope_clause(OrgUnit, scope))


# Select boxes list the county and its departments first, then the townships, their offices,
# villages and hamlets (each level by township, the administrator's order, then name).
_LEVEL = case(
    (OrgUnit.kind == OrgKind.COUNTY.value, 0),
    (OrgUnit.kind == OrgKind.TOWNSHIP.value, 2),
    (OrgUnit.kind == OrgKind.OFFICE.value, 3),
    (OrgUnit.kind == OrgKind.VILLAGE.value, 4),
    (OrgUnit.kind == OrgKind.HAMLET.value, 5),
    else_=1,  # county departments, 信访局, 督查室, 纪委
)
ORDER = (_LEVEL, OrgUnit.township_id, OrgUnit.sort_order, OrgUnit.name, OrgUnit.id)


def org_choices(what: str, scope: Scope | None = None) -> tuple[tuple[int, str], ...]:
    """(id, name) of the units of list `what` the scope (the request's by default) may choose."""
    from app.extensions import db

    scope = scope if scope is not None else current_scope()
    query = select(OrgUnit.id, OrgUnit.name).where(choice_clause(what, scope)).order_by(*ORDER)
    return refcache.cached(("org_choices", what, scope), lambda: tuple((i, n) for i, n in db.session.execute(query)))


def org_select_choices(what: str, blank: str | None = None) -> list[tuple[str, str]]:
    """The same list as a select box's (value, label) pairs, with an optional empty first choice."""
    head = [("", blank)] if blank is not None else []
    return head + [(str(i), n) for i, n in org_choices(what)]


class OrgChoiceFilter(BaseFilter):
    """An org-unit select box of a generated form: `value` names the list (see module doc)."""

    name = "org choice"

    def apply(self, query, value):
        return query.filter(choice_clause(value, current_scope())).order_by(*ORDER)
