"""The org tree. Places and units are one table: a unit (a county department, a township
office, the 信访局 …) hangs under the place it belongs to, so one parent pointer and one set of
denormalised ancestor ids (`township_id`, `village_id`) serve every scope check without joins.
"""

from __future__ import annotations

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String
from sqlalchemy.orm import relationship

from app.core.choices import Choices
from app.core.scoping import ScopeSpec


class OrgKind(Choices):
    COUNTY = "county", _l("County / district")
    TOWNSHIP = "township", _l("Township / subdistrict")
    VILLAGE = "village", _l("Village / community")
    HAMLET = "hamlet", _l("Hamlet / grid")
    DEPARTMENT = "department", _l("County department")
    OFFICE = "office", _l("Township office")
    BUREAU = "bureau", _l("Petition bureau")
    INSPECTION = "inspection", _l("Supervision office")
    DISCIPLINE = "discipline", _l("Discipline inspection commission")


PLACE_KINDS = frozenset({OrgKind.COUNTY, OrgKind.TOWNSHIP, OrgKind.VILLAGE, OrgKind.HAMLET})
UNIT_KINDS = frozenset(set(OrgKind) - PLACE_KINDS)
# Users attached to these see the whole county (the 信访局 and 督查室 oversee every township).
COUNTY_WIDE_KINDS = frozenset({OrgKind.COUNTY, OrgKind.BUREAU, OrgKind.INSPECTION})
# What may be chosen as a responsible unit (属事单位) for a case or a ledger entry.
RESPONSIBLE_KINDS = frozenset(
    {OrgKind.TOWNSHIP, OrgKind.DEPARTMENT, OrgKind.OFFICE, OrgKind.BUREAU, OrgKind.DISCIPLINE}
)


class ResolutionLevel(Choices):
    """Where a matter was resolved (seed 003: 小事不出村、大事不出镇、难事不出县)."""

    VILLAGE = "village", _l("Resolved in the village")
    TOWNSHIP = "township", _l("Resolved in the township")
    COUNTY = "county", _l("Resolved in the county")


class OrgUnit(Model):
    __tablename__ = "org_unit"
    __scope__ = ScopeSpec(township="township_id", village="village_id", units=("id",))
    __table_args__ = (
        Index("ix_org_unit_parent", "parent_id"),
        Index("ix_org_unit_township", "township_id"),
        Index("ix_org_unit_kind", "kind"),
    )

    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False)
    kind = Column(String(20), nullable=False, info={"choices": OrgKind})
    code = Column(String(32), unique=True, nullable=True)
    parent_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)
    # Denormalised ancestors, maintained by `set_parent`: the township (or None for county-level
    # nodes) and the village (or None above village level) this node belongs to.
    township_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)
    village_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)
    path = Column(String(255), nullable=False, default="/")
    sort_order = Column(Integer, nullable=False, default=0)
    active = Column(Boolean, nullable=False, default=True)

    parent = relationship("OrgUnit", remote_side=[id], foreign_keys=[parent_id])
    township = relationship("OrgUnit", remote_side=[id], foreign_keys=[township_id])
    village = relationship("OrgUnit", remote_side=[id], foreign_keys=[village_id])

    def __repr__(self) -> str:
        return self.name or ""

    @property
    def org_kind(self) -> OrgKind:
        return OrgKind(self.kind)

    @property
    def is_place(self) -> bool:
        return self.org_kind in PLACE_KINDS

    def set_parent(self, parent: OrgUnit | None) -> None:
        """Attach under `parent` and recompute the denormalised ancestor ids and path.

        The node must have an id (flush first) so that it can be its own township/village.
        """
        self.parent = parent
        self.parent_id = parent.id if parent is not None else None
        kind = self.org_kind
        self.township_id = self.id if kind == OrgKind.TOWNSHIP else (
            parent.township_id if parent is not None else None
        )
        self.village_id = self.id if kind == OrgKind.VILLAGE else (
            parent.village_id if parent is not None else None
        )
        self.path = (parent.path if parent is not None else "/") + f"{self.id}/"

    @property
    def full_name(self) -> str:
        """Name with its township for display where several villages share a name."""
        if self.township is not None and self.township_id != self.id:
            return f"{self.township.name} · {self.name}"
        return self.name


def handles_place(unit: OrgUnit, township_id: int | None) -> bool:
    """May `unit` be responsible for a matter placed in `township_id`?

    属地管理: a township, and its offices, handle their own township's matters; county
    departments and offices handle any. (Scoping relies on it: see ScopeSpec.units_follow_place.)
    """
    return unit.township_id is None or unit.township_id == township_id


def place_mismatch_message(unit: OrgUnit) -> str:
    from flask_babel import gettext

    return gettext(
        "%(unit)s handles only matters placed in %(township)s; choose a county unit or that township's own",
        unit=unit.name,
        township=unit.township.name if unit.township is not None else "",
    )


def county_of(unit: OrgUnit) -> OrgUnit | None:
    """The county (or district) the node belongs to: the county node above it, or itself."""
    node: OrgUnit | None = unit
    for _ in range(16):  # the tree is four or five levels deep
        if node is None or node.kind == OrgKind.COUNTY.value:
            return node
        node = node.parent
    return None


def government_of(unit: OrgUnit) -> OrgUnit | None:
    """The level of government a unit acts for: its township (a township, its offices, its
    villages), or the county (the county itself and every county-level unit)."""
    if unit.township_id is not None:
        return unit if unit.township_id == unit.id else unit.township
    return county_of(unit)


def level_above(unit: OrgUnit) -> OrgUnit | None:
    """上一级 (条例 Art. 35): the level of government above the body `unit` — the county above a
    township (and above its offices and villages), the county government itself above a county
    department (人社局, 信访局 …); None above the county itself (the city, outside this system)."""
    if unit.kind == OrgKind.COUNTY.value:
        return None
    level = government_of(unit)
    if level is None:
        return None
    # A county-level unit answers for itself: its 上一级 is the county's government, not the city.
    return level if level.kind == OrgKind.COUNTY.value else county_of(level)
