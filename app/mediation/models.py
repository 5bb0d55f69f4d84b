"""Mediation (调解): committees, their mediators, and the mediation records.

DOMAIN.md "Mediation": village and township committees plus specialised ones (seed 003: 67
village committees, 2 mediators per hamlet, 7 specialised bodies; 326 disputes, 95% resolved).
A record may link the ledger entry or petition case it settles; a successful mediation resolves
the linked ledger entry (rules.py). A committee keeps its counts on its own row so lists and its
page show 化解率 (resolved / concluded) without counting records per row.
"""

from __future__ import annotations

from typing import Any

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    event,
    func,
    inspect,
    select,
    update,
)
from sqlalchemy.orm import Session, relationship

from app.cases.references import LINKED_NUMBERS
from app.core.choices import Choices
from app.core.models import Stamped, Versioned
from app.core.scoping import ScopeSpec
from app.ledgers.models import DisputeType


class CommitteeKind(Choices):
    VILLAGE = "village", _l("Village / community committee")
    TOWNSHIP = "township", _l("Township / subdistrict committee")
    MEDICAL = "medical", _l("Medical disputes")
    CONSUMER = "consumer", _l("Consumer disputes")
    WORK_SAFETY = "work_safety", _l("Work safety disputes")
    EDUCATION = "education", _l("Education disputes")
    LABOUR = "labour", _l("Labour disputes")
    PROPERTY = "property", _l("Property management disputes")
    TRAFFIC = "traffic", _l("Traffic accidents")
    OTHER = "other", _l("Other specialised")


class MediationMethod(Choices):
    ON_SITE = "on_site", _l("On-site mediation")
    AT_OFFICE = "at_office", _l("At the committee")
    JOINT = "joint", _l("Joint mediation with departments")
    COURT_LINKED = "court_linked", _l("Court-linked mediation")
    ONLINE = "online", _l("Online or by phone")


class Outcome(Choices):
    PENDING = "pending", _l("In mediation")
    SUCCESS = "success", _l("Mediation succeeded")
    FAILED = "failed", _l("Mediation failed")


class Referral(Choices):
    """Where parties are guided when mediation fails."""

    LITIGATION = "litigation", _l("Litigation")
    ARBITRATION = "arbitration", _l("Arbitration")
    ADMIN_REVIEW = "admin_review", _l("Administrative review")
    ADMIN_RULING = "admin_ruling", _l("Administrative ruling")
    PETITION = "petition", _l("Petition channel")


class Honoured(Choices):
    PENDING = "pending", _l("Being carried out")
    HONOURED = "honoured", _l("Honoured")
    PARTLY = "partly", _l("Partly honoured")
    NOT_HONOURED = "not_honoured", _l("Not honoured")


committee_members = Table(
    "mediation_committee_member",
    Model.metadata,
    Column("mediator_id", Integer, ForeignKey("mediator.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "committee_id", Integer, ForeignKey("mediation_committee.id", ondelete="CASCADE"), primary_key=True
    ),
    Index("ix_mediation_committee_member_committee", "committee_id"),
)

record_mediators = Table(
    "mediation_record_mediator",
    Model.metadata,
    Column("record_id", Integer, ForeignKey("mediation_record.id", ondelete="CASCADE"), primary_key=True),
    Column("mediator_id", Integer, ForeignKey("mediator.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_mediation_record_mediator_mediator", "mediator_id"),
)


class MediationCommittee(Stamped, Versioned, Model):
    __tablename__ = "mediation_committee"
    __scope__ = ScopeSpec(org_unit="org_unit_id")
    __table_args__ = (
        Index("ix_mediation_committee_org_unit", "org_unit_id"),
        Index("ix_mediation_committee_kind", "kind"),
    )

    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False)
    kind = Column(String(16), nullable=False, info={"choices": CommitteeKind})
    org_unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=False)
    director = Column(String(50), nullable=True)
    phone = Column(String(24), nullable=True)
    active = Column(Boolean, nullable=False, default=True)
    # Kept by rules.refresh_committee_counts whenever one of its records changes.
    records_total = Column(Integer, nullable=False, default=0)
    records_success = Column(Integer, nullable=False, default=0)
    records_failed = Column(Integer, nullable=False, default=0)

    org_unit = relationship("OrgUnit", lazy="joined")
    mediators = relationship(
        "Mediator", secondary=committee_members, back_populates="committees", order_by="Mediator.name"
    )

    def __repr__(self) -> str:
        return self.name or ""

    @property
    def records_concluded(self) -> int:
        return (self.records_success or 0) + (self.records_failed or 0)

    @property
    def resolution_rate(self) -> float | None:
        """化解率: resolved / concluded (None while nothing has concluded)."""
        concluded = self.records_concluded
        return (self.records_success or 0) / concluded if concluded else None

    @property
    def resolution_rate_text(self) -> str:
        rate = self.resolution_rate
        return "" if rate is None else f"{rate * 100:.1f}%"


class Mediator(Stamped, Versioned, Model):
    __tablename__ = "mediator"
    __scope__ = ScopeSpec(org_unit="org_unit_id")
    __table_args__ = (
        Index("ix_mediator_org_unit", "org_unit_id"),
        Index("ix_mediator_name", "name"),
    )

    id = Column(Integer, primary_key=True)
    name = Column(String(50), nullable=False)
    phone = Column(String(24), nullable=True)
    org_unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=False)
    specialty = Column(String(100), nullable=True)
    active = Column(Boolean, nullable=False, default=True)
    # Denormalised for the list (kept in step by rules.sync_mediator_committees).
    committee_names = Column(String(300), nullable=False, default="")

    org_unit = relationship("OrgUnit", lazy="joined")
    committees = relationship(
        "MediationCommittee", secondary=committee_members, back_populates="mediators",
        order_by="MediationCommittee.name",
    )

    def __repr__(self) -> str:
        return self.name or ""


class MediationRecord(Stamped, Versioned, Model):
    """One dispute mediated by one committee."""

    __tablename__ = "mediation_record"
    # Seen where the dispute is (属地) and by the committee's own unit (e.g. a county department
    # running a specialised committee).
    __scope__ = ScopeSpec(township="township_id", village="village_id", org_unit="org_unit_id")
    __table_args__ = (
        Index("ix_mediation_record_committee", "committee_id", "outcome"),
        Index("ix_mediation_record_township", "township_id", "applied_on"),
        Index("ix_mediation_record_village", "village_id"),
        Index("ix_mediation_record_org_unit", "org_unit_id"),
        Index("ix_mediation_record_entry", "ledger_entry_id"),
        Index("ix_mediation_record_case", "case_id"),
        Index("ix_mediation_record_applied", "applied_on"),
        # Sync over the API: what changed since a moment, oldest change first.
        Index("ix_mediation_record_updated", "updated_at", "id"),
    )

    id = Column(Integer, primary_key=True)
    committee_id = Column(Integer, ForeignKey("mediation_committee.id"), nullable=False)
    # The committee's org unit, copied on save (scoping without a join).
    org_unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=False)
    township_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)
    village_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)
    title = Column(String(200), nullable=False)
    dispute_type = Column(String(16), nullable=False, info={"choices": DisputeType})
    description = Column(Text, nullable=True)
    parties = Column(String(300), nullable=False)
    ledger_entry_id = Column(Integer, ForeignKey("ledger_entry.id", ondelete="SET NULL"), nullable=True)
    case_id = Column(Integer, ForeignKey("petition_case.id", ondelete="SET NULL"), nullable=True)
    case_number = Column(String(24), nullable=True, info=LINKED_NUMBERS)
    method = Column(String(16), nullable=False, info={"choices": MediationMethod})
    applied_on = Column(Date, nullable=False)
    mediated_on = Column(Date, nullable=True)
    concluded_on = Column(Date, nullable=True)
    outcome = Column(String(16), nullable=False, default=Outcome.PENDING.value, info={"choices": Outcome})
    referral = Column(String(16), nullable=True, info={"choices": Referral})
    agreement = Column(Text, nullable=True)
    honoured = Column(String(16), nullable=True, info={"choices": Honoured})
    mediator_names = Column(String(200), nullable=False, default="")

    committee = relationship("MediationCommittee", lazy="joined")
    org_unit = relationship("OrgUnit", foreign_keys=[org_unit_id])
    township = relationship("OrgUnit", foreign_keys=[township_id], lazy="joined")
    village = relationship("OrgUnit", foreign_keys=[village_id])
    ledger_entry = relationship("LedgerEntry")
    case = relationship("Case")
    mediators = relationship("Mediator", secondary=record_mediators, order_by="Mediator.name")

    def __repr__(self) -> str:
        return self.title or ""


# --- derived fields, whichever way records are written (form, seed, import) ---------------------


def _names(people: list[Any], limit: int) -> str:
    names = "、".join(p.name for p in people if p.name)
    return names if len(names) <= limit else names[: limit - 1] + "…"


@event.listens_for(Session, "before_flush")
def _sync_names(session: Session, flush_context, instances) -> None:  # noqa: ARG001
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Mediator):
            state = inspect(obj)
            if state.pending or state.attrs.committees.history.has_changes():
                obj.committee_names = _names(obj.committees, 300)
        elif isinstance(obj, MediationRecord):
            state = inspect(obj)
            if state.pending or state.attrs.mediators.history.has_changes():
                obj.mediator_names = _names(obj.mediators, 200)
            if obj.committee is not None and obj.org_unit_id != obj.committee.org_unit_id:
                obj.org_unit_id = obj.committee.org_unit_id


@event.listens_for(Session, "after_flush")
def _refresh_counts(session: Session, flush_context) -> None:  # noqa: ARG001
    """Keep each committee's record counts (and so its 化解率) in step with its records."""
    touched: set[int] = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, MediationRecord):
            history = inspect(obj).attrs.committee_id.history
            touched.update(i for i in (*history.added, *history.deleted, *history.unchanged) if i)
            if obj.committee_id:
                touched.add(obj.committee_id)
    if touched:
        refresh_committee_counts(session, touched)


def refresh_committee_counts(session: Session, committee_ids: set[int]) -> None:
    def count(*conditions: Any):
        return (
            select(func.count())
            .where(MediationRecord.committee_id == MediationCommittee.id, *conditions)
            .correlate(MediationCommittee)
            .scalar_subquery()
        )

    session.execute(
        update(MediationCommittee)
        .where(MediationCommittee.id.in_(committee_ids))
        .values(
            records_total=count(),
            records_success=count(MediationRecord.outcome == Outcome.SUCCESS.value),
            records_failed=count(MediationRecord.outcome == Outcome.FAILED.value),
        )
        .execution_options(synchronize_session=False)
    )
