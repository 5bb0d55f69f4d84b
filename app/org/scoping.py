"""Who sees which part of the org tree — the policy behind core's `Scope` (DOMAIN.md "Who uses
the product"), handed to core when the app is created (app/registry.py `init_hooks`):

- 系统管理员, and anyone attached to the county itself, the 信访局 or the 督查室: the whole county;
- a township's (or a township office's) users: that township and its villages;
- a village's users: that village;
- a unit's 承办人 — and every user of a county department or the 纪委 — only what is assigned to
  their unit;
- a clerk of the 信访局 and the users of the discipline organs screen accusations that arrive
  from outside before their reported unit is confirmed (`Scope.screens_accusations`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from app.core.scoping import Scope
from app.org.models import COUNTY_WIDE_KINDS, OrgKind, OrgUnit
from app.security.roles import RoleName


def org_lineage(org: Any) -> frozenset[int]:
    """The org unit and every unit above it (from its materialised path "/1/5/23/")."""
    if org is None:
        return frozenset()
    above = {int(part) for part in (org.path or "").split("/") if part.isdigit()}
    return frozenset(above | {org.id})


def _roots(org: Any) -> frozenset[int]:
    """The top of the org tree above `org` (the county), from its materialised path."""
    parts = [int(part) for part in (org.path or "").split("/") if part.isdigit()]
    return frozenset(parts[:1])


def scope_for_user(user: Any) -> Scope:
    """Compute the scope of an authenticated user (see the module docstring for the rules)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Scope.none()
    roles = {role.name for role in user.roles}
    org = getattr(user, "org_unit", None)
    lineage = org_lineage(org)
    if RoleName.ADMIN in roles:
        return Scope.all(lineage)
    if org is None or not roles:
        return Scope.none()
    kind = OrgKind(org.kind)
    if (kind == OrgKind.BUREAU and RoleName.CLERK in roles) or kind == OrgKind.DISCIPLINE:
        roots = _roots(org)
        screening = {"lineage": lineage - roots, "screens_accusations": True,
                     "screening_root": next(iter(roots), None)}
        if kind == OrgKind.BUREAU:
            return Scope(everything=True, **screening)
        return Scope(unit_ids=frozenset({org.id}), **screening)
    if kind in COUNTY_WIDE_KINDS:
        return Scope.all(lineage)

    # Handlers see what is assigned to their unit; the other roles see their place.
    sees_place = bool(roles - {RoleName.HANDLER})
    units = frozenset({org.id})
    if kind == OrgKind.TOWNSHIP:
        if sees_place:
            return Scope(township_ids=frozenset({org.id}), unit_ids=units, units_within_place=True,
                         lineage=lineage)
        return Scope(unit_ids=units, lineage=lineage)
    if kind in (OrgKind.VILLAGE, OrgKind.HAMLET):
        villages = frozenset({org.village_id}) if sees_place and org.village_id else frozenset()
        return Scope(village_ids=villages, unit_ids=units, units_within_place=bool(villages),
                     lineage=lineage)
    if kind == OrgKind.OFFICE and sees_place and org.township_id:
        # A township office's clerks and leaders work for the township.
        return Scope(township_ids=frozenset({org.township_id}), unit_ids=units, units_within_place=True,
                     lineage=lineage)
    return Scope(unit_ids=units, lineage=lineage)


def units_in_scope(scope: Scope) -> Any:
    """The ids of the org units inside `scope` (a select), or None when there are none: the rows
    of a model scoped through an org unit column (`ScopeSpec.org_unit`) — a user's, a committee's."""
    unit_filters = []
    if scope.township_ids:
        unit_filters.append(OrgUnit.township_id.in_(scope.township_ids))
    if scope.village_ids:
        unit_filters.append(OrgUnit.village_id.in_(scope.village_ids))
    if scope.unit_ids:
        unit_filters.append(OrgUnit.id.in_(scope.unit_ids))
    return select(OrgUnit.id).where(or_(*unit_filters)) if unit_filters else None
