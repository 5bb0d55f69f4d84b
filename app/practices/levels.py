"""小事不出村、大事不出镇、难事不出县 (seed 003): the level at which each matter was resolved.

A closed case and a resolved ledger entry carry `resolution_level` (village, township, county).
It is set when the matter is resolved — a case when it is closed (`closed_at` set), a ledger entry
when it becomes resolved — from the unit that resolved it: a village or hamlet resolves in the
village, a township or one of its offices in the township, anything at county level (a county
department, the 信访局, the 纪委 …) in the county. Whoever edits it afterwards has the last word
(the hook fills only an empty level). A case reopened for 复查/复核 or an entry that flares up
again is no longer resolved: its level is cleared, and set again when it is resolved again.

`by_township` counts the figure: per township, resolved matters by level and each level's share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, inspect, select
from sqlalchemy.orm import Session

from app.org.models import OrgKind, ResolutionLevel

_LEVEL_OF_KIND = {
    OrgKind.VILLAGE.value: ResolutionLevel.VILLAGE,
    OrgKind.HAMLET.value: ResolutionLevel.VILLAGE,
    OrgKind.TOWNSHIP.value: ResolutionLevel.TOWNSHIP,
    OrgKind.OFFICE.value: ResolutionLevel.TOWNSHIP,
}


def level_of_unit(unit: Any) -> ResolutionLevel:
    """The level a unit resolves at: village/hamlet → 村, township/office → 镇, the rest → 县."""
    if unit is None:
        return ResolutionLevel.COUNTY
    return _LEVEL_OF_KIND.get(unit.kind, ResolutionLevel.COUNTY)


def case_level(case: Any) -> ResolutionLevel:
    """A closed case's default level: its responsible (handling) unit's; none → the county
    petition office closed it itself."""
    return level_of_unit(case.responsible_unit)


def entry_level(entry: Any) -> ResolutionLevel:
    """A resolved ledger entry's default level: its responsible unit's, else the place where the
    dispute sits (a village's entry with no unit named was resolved by the village)."""
    if entry.responsible_unit is not None:
        return level_of_unit(entry.responsible_unit)
    return ResolutionLevel.VILLAGE if entry.village_id is not None else ResolutionLevel.TOWNSHIP


def settle_levels(session: Session) -> None:
    """Fill or clear the level of the cases and entries this flush writes (see the docstring)."""
    from app.cases.models import Case
    from app.ledgers.models import EntryStatus, LedgerEntry

    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Case):
            if obj.closed_at is None:
                if obj.resolution_level is not None and _changed(obj, "closed_at"):
                    obj.resolution_level = None
            elif obj.resolution_level is None:
                obj.resolution_level = case_level(obj).value
        elif isinstance(obj, LedgerEntry):
            if obj.status == EntryStatus.UNRESOLVED.value:
                if obj.resolution_level is not None and _changed(obj, "status"):
                    obj.resolution_level = None
            elif obj.resolution_level is None:
                obj.resolution_level = entry_level(obj).value


def _changed(obj: Any, attr: str) -> bool:
    return inspect(obj).attrs[attr].history.has_changes()


# --- the figure ----------------------------------------------------------------------------------

LEVELS = tuple(ResolutionLevel)


@dataclass
class LevelRow:
    """One township's resolved matters by level."""

    township_id: int
    name: str
    cases: dict[str, int] = field(default_factory=dict)
    entries: dict[str, int] = field(default_factory=dict)

    @property
    def case_total(self) -> int:
        return sum(self.cases.values())

    @property
    def entry_total(self) -> int:
        return sum(self.entries.values())

    def case_share(self, level: str) -> float | None:
        total = self.case_total
        return self.cases.get(level, 0) / total if total else None

    def entry_share(self, level: str) -> float | None:
        total = self.entry_total
        return self.entries.get(level, 0) / total if total else None


def by_township(session: Session, township_ids: list[int], start: date, end: date) -> list[LevelRow]:
    """Cases closed and ledger entries resolved between `start` and `end` (both included), per
    township and level. Merged and voided registrations count in no figure (`Case.counted`)."""
    from app.cases.models import Case
    from app.ledgers.models import LedgerEntry
    from app.org.models import OrgUnit

    units = session.execute(
        select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(township_ids))
        .order_by(OrgUnit.sort_order, OrgUnit.id)
    ).all()
    rows = {uid: LevelRow(uid, name) for uid, name in units}
    first, after = datetime.combine(start, time.min), datetime.combine(end + timedelta(days=1), time.min)
    for township_id, level, count in session.execute(
        select(Case.township_id, Case.resolution_level, func.count())
        .where(Case.township_id.in_(township_ids), Case.counted, Case.resolution_level.is_not(None),
               and_(Case.closed_at >= first, Case.closed_at < after))
        .group_by(Case.township_id, Case.resolution_level)
    ):
        rows[township_id].cases[level] = count
    for township_id, level, count in session.execute(
        select(LedgerEntry.township_id, LedgerEntry.resolution_level, func.count())
        .where(LedgerEntry.township_id.in_(township_ids), LedgerEntry.resolution_level.is_not(None),
               LedgerEntry.resolved_on >= start, LedgerEntry.resolved_on <= end)
        .group_by(LedgerEntry.township_id, LedgerEntry.resolution_level)
    ):
        rows[township_id].entries[level] = count
    return list(rows.values())


# --- what the figures page shows under each table (and README's figures section) -------------------

CASE_LEVEL_DEFINITION = _l(
    "Cases closed in the period (by the day closed), per township where the matter lies, by the level "
    "that resolved them: the village, the township (or its offices) or the county — by default the "
    "level of the unit that handled the case, corrected on the case page. Share: the level's cases ÷ "
    "the township's cases closed in the period. Merged and voided registrations are not counted."
)
ENTRY_LEVEL_DEFINITION = _l(
    "Dispute ledger entries resolved in the period (by the day resolved), per township, by the level "
    "that resolved them: the responsible unit's level, else the village or township where the dispute "
    "lies. Share: the level's entries ÷ the township's entries resolved in the period."
)
SWEEP_MISS_DEFINITION = _l(
    "First petitions (初信初访) of the appeals-and-claims category whose matter the township's dispute "
    "ledger did not hold when they came (no party among the petitioners, no entry of the same village "
    "and kind of dispute), counted by the day flagged in the period; then by what the township found: "
    "still to be verified, added to the ledger, or verified not a sweep omission."
)
# (code, label, definition) of each figure the page shows: its footnotes, and README's table.
FIGURE_DEFINITIONS = (
    ("level_cases", _l("Cases closed, by the level that resolved them"), CASE_LEVEL_DEFINITION),
    ("level_entries", _l("Ledger disputes resolved, by level"), ENTRY_LEVEL_DEFINITION),
    ("sweep_misses", _l("First petitions missed in the sweep (倒查)"), SWEEP_MISS_DEFINITION),
)
