"""Rules of a case registration, whichever way it arrives: the form, an Excel import, the API.

The checks that need no database look-up beyond the rows given: the village belongs to the
township, the responsible unit handles that township (属地管理), the place is inside the registrar's area, a collective visit names at most five
representatives (信访工作条例 Art. 20) and the number of people covers everyone named. Each
caller turns the problems into its own kind of answer (a message next to the field, an error
per row, a JSON error naming the field).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext

from app.cases.models import COLLECTIVE_THRESHOLD, Channel
from app.core.errors import DomainError
from app.core.scoping import Scope
from app.org.models import handles_place, place_mismatch_message

# 条例 Art. 20: at most five representatives (the same number that makes a collective visit).
COLLECTIVE_REPRESENTATIVES = COLLECTIVE_THRESHOLD


def case_problems(
    *,
    scope: Scope,
    township_id: int | None,
    village: Any = None,
    channel: str | None,
    people_count: int | None,
    named: int,
    is_new: bool = True,
    responsible_unit_id: int | None = None,
    responsible_unit: Any = None,
) -> list[DomainError]:
    """Everything wrong with a registration's place and people; empty when valid.

    `village` is an org unit (or row) with a `township_id`; `named` is the number of
    petitioners entered. On an edit, the handling unit may correct a case outside its place.
    """
    problems: list[DomainError] = []
    village_id = village.id if village is not None else None
    if village is not None and village.township_id != township_id:
        problems.append(DomainError(
            gettext("This village does not belong to the chosen township"), field="village"
        ))
    if responsible_unit is not None and not handles_place(responsible_unit, township_id):
        problems.append(DomainError(place_mismatch_message(responsible_unit), field="responsible_unit"))
    if not scope.covers_place(township_id, village_id) and not (
        not is_new and responsible_unit_id in scope.unit_ids
    ):
        problems.append(DomainError(
            gettext("You may not register cases for this township"), field="township"
        ))
    if channel == Channel.VISIT.value and named > COLLECTIVE_REPRESENTATIVES:
        # 条例 Art. 20: people visiting together choose at most five representatives.
        problems.append(DomainError(
            gettext(
                "A collective visit sends at most %(n)d representatives: enter only them "
                "and the total number of people.",
                n=COLLECTIVE_REPRESENTATIVES,
            ),
            field="people_count",
        ))
    if people_count is None or people_count < 1:
        problems.append(DomainError(
            gettext("The number of people must be at least 1"), field="people_count"
        ))
    elif people_count < named:
        problems.append(DomainError(
            gettext(
                "The number of people (%(n)d) is smaller than the petitioners entered (%(m)d)",
                n=people_count,
                m=named,
            ),
            field="people_count",
        ))
    return problems


def responsible_unit_problem(unit: Any, scope: Scope) -> DomainError | None:
    """A responsible unit the registrar may choose, as in the form's select box: any active
    county-level unit, or one of a township inside the area."""
    from app.org.models import RESPONSIBLE_KINDS, OrgKind

    if unit is None or not unit.active or OrgKind(unit.kind) not in RESPONSIBLE_KINDS:
        return DomainError(gettext("Choose a unit from the list."), field="responsible_unit")
    if scope.everything or unit.township_id is None or unit.id in scope.unit_ids:
        return None
    if unit.township_id in scope.township_ids:
        return None
    return DomainError(
        gettext("「%(name)s」 is outside your area", name=unit.name), field="responsible_unit"
    )


def reported_unit_problems(
    *, category: str | None, reported_unit: Any, responsible_unit: Any, actor_lineage: frozenset[int],
    required: bool = False, not_sure: bool = False,
) -> list[DomainError]:
    """The 被反映单位 of a 检举控告 (条例 Art. 30): named only for that category; never the
    registrar's own unit (or one above it: the case would vanish from their hands), and the
    handling unit may not be the reported unit or inside it.

    `required` (a registration, whichever way it arrives, or a case becoming an accusation): an
    accusation names the unit, or says "不清楚" (`not_sure`) and is then held for screening
    (`hold_for_screening`) — left empty, the accused unit would see the accuser at once."""
    from app.cases.models import Category

    accusation = category == Category.ACCUSATION.value
    if not_sure and not accusation:
        return [DomainError(
            gettext("Only a report or accusation names a reported unit."), field="reported_unit"
        )]
    if not_sure and reported_unit is not None:
        return [DomainError(
            gettext("Choose the unit reported on or “Not sure”, not both."), field="reported_unit"
        )]
    if reported_unit is None:
        if required and accusation and not not_sure:
            return [DomainError(
                gettext("A report or accusation names the unit reported on, or “Not sure”."),
                field="reported_unit",
            )]
        return []
    if not accusation:
        return [DomainError(
            gettext("Only a report or accusation names a reported unit."), field="reported_unit"
        )]
    from app.org.scoping import org_lineage

    problems: list[DomainError] = []
    if reported_unit.id in actor_lineage:
        problems.append(DomainError(
            gettext("You belong to the reported unit: another office must register this accusation."),
            field="reported_unit",
        ))
    if responsible_unit is not None and reported_unit.id in org_lineage(responsible_unit):
        problems.append(DomainError(
            gettext("The reported unit may not handle the accusation against it (Art. 30)."),
            field="responsible_unit",
        ))
    return problems


def merge_problems(case: Any, target: Any) -> list[DomainError]:
    """Merging moves the duplicate's petitioners into the kept case. An accuser (检举控告) must
    never reach the unit reported on (条例 Art. 30): an accusation is merged only into another
    accusation about the same unit, and nothing else is merged into an accusation (the two are
    never the same matter)."""
    from app.cases.models import Category

    accusations = [c.category == Category.ACCUSATION.value for c in (case, target)]
    if not any(accusations):
        return []
    if not all(accusations) or case.reported_unit_id != target.reported_unit_id:
        return [DomainError(
            gettext("A report or accusation is merged only with another one about the same reported unit."),
            field="target",
        )]
    return []


def kept_accusation_problems(session: Any, case: Any) -> list[DomainError]:
    """A case that accusations were merged into holds their accusers: it stays an accusation
    about the same unit, whatever is edited later (the exclusion survives the merge)."""
    from sqlalchemy import select

    from app.cases.models import Case, Category

    if case.id is None:
        return []
    merged = session.execute(
        select(Case.reported_unit_id).where(Case.merged_into_id == case.id,
                                            Case.category == Category.ACCUSATION.value)
    ).scalars().all()
    if not merged:
        return []
    reported = case.reported_unit.id if case.reported_unit is not None else case.reported_unit_id
    if case.category != Category.ACCUSATION.value or any(r != reported for r in merged):
        return [DomainError(
            gettext("Reports and accusations were merged into this case: it stays an accusation "
                    "about the same reported unit."),
            field="reported_unit" if case.category == Category.ACCUSATION.value else "category",
        )]
    return []


def hold_for_screening(case: Any, claimed: Any, county: Any) -> None:
    """An accusation arriving from outside (the portal, an API client) with the unit it names, or
    none ("不清楚"): until a clerk of the county petition office sets the reported unit, it
    reports on the county itself — hidden from everyone but those clerks and the discipline
    organs (app/cases/models.py `_not_reported_on`), and from those of them the letter names."""
    case.reported_unit_id = county.id
    case.reported_unit = county
    case.claimed_reported_unit_id = claimed.id if claimed is not None else None
    case.claimed_reported_unit = claimed


def still_screened(session: Any, case: Any) -> None:
    """An edit that leaves an unconfirmed reported unit empty keeps the case held for screening:
    only naming a unit releases it (an empty select box is no decision). Called before the
    flush, while `reported_unit_id` still holds the stored value."""
    from app.org.models import OrgUnit

    with session.no_autoflush:
        if case.reported_unit is None and case.reported_unit_id is not None:
            before = session.get(OrgUnit, case.reported_unit_id)
            if before is not None and before.parent_id is None:
                case.reported_unit = before
