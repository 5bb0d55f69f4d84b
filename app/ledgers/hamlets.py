"""Sweeps down to the hamlet (自然屯) and the mediators' coverage there.

Seed 003: 矛盾排查员 sit in every one of 253 hamlets, and each hamlet has 2 mediators (调解员) —
the net that reaches the bottom (纵到底). Per hamlet in the viewer's area: the disputes the
ledger places there (found in the dates asked for, and the people involved), and its active
mediators; a hamlet with fewer than REQUIRED_MEDIATORS is a coverage gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select

from app.core.scoping import Scope, scope_clause
from app.ledgers.models import LedgerEntry
from app.org.models import OrgKind, OrgUnit

REQUIRED_MEDIATORS = 2


@dataclass
class HamletRow:
    hamlet: OrgUnit
    village: str
    township: str
    mediators: list[str] = field(default_factory=list)
    disputes_found: int = 0
    people: int = 0

    @property
    def below(self) -> bool:
        return len(self.mediators) < REQUIRED_MEDIATORS


def hamlet_rows(session: Any, scope: Scope, first: date, last: date, township_id: int | None = None) -> list[HamletRow]:
    """Every active hamlet in the area, in tree order, with its disputes found and mediators."""
    from app.mediation.models import Mediator

    stmt = (select(OrgUnit).where(OrgUnit.kind == OrgKind.HAMLET.value, OrgUnit.active.is_(True),
                                  scope_clause(OrgUnit, scope))
            .order_by(OrgUnit.township_id, OrgUnit.village_id, OrgUnit.sort_order, OrgUnit.id))
    if township_id is not None:
        stmt = stmt.where(OrgUnit.township_id == township_id)
    hamlets = list(session.execute(stmt).scalars())
    ids = [h.id for h in hamlets] or [-1]
    parents = {h.village_id for h in hamlets} | {h.township_id for h in hamlets}
    names = dict(session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(parents or {-1}))).all())
    rows = {h.id: HamletRow(h, names.get(h.village_id, ""), names.get(h.township_id, "")) for h in hamlets}
    for unit_id, name in session.execute(
        select(Mediator.org_unit_id, Mediator.name)
        .where(Mediator.org_unit_id.in_(ids), Mediator.active.is_(True), scope_clause(Mediator, scope))
        .order_by(Mediator.id)
    ).all():
        rows[unit_id].mediators.append(name)
    for hamlet_id, count, people in session.execute(
        select(LedgerEntry.hamlet_id, func.count(), func.sum(LedgerEntry.people_count))
        .where(LedgerEntry.hamlet_id.in_(ids), LedgerEntry.found_on >= first, LedgerEntry.found_on <= last,
               scope_clause(LedgerEntry, scope))
        .group_by(LedgerEntry.hamlet_id)
    ).all():
        rows[hamlet_id].disputes_found = int(count)
        rows[hamlet_id].people = int(people or 0)
    return list(rows.values())
