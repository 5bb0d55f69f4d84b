"""The ledgers (台账): disputes found by sweeps, the sweeps themselves, and risk assessments.

DOMAIN.md "Ledgers" is the specification:

- `LedgerEntry` is one dispute in the 矛盾纠纷台账 (seed 003), placed down to village/hamlet (属地)
  and given a responsible unit (属事) and person (包保责任人); it sits in one of the 三级清单 and
  every level change is kept (`LevelChange`) with its reason. Parties (`LedgerParty`) may be linked
  to a petitioner or case; progress notes are dated; close-out (销号) is applied for and decided
  (`CloseOutRequest`, rules in closeout.py).
- `SweepRule` says how often each org level sweeps (village weekly, township half-monthly, county
  monthly — seed 000) and the cut-off (16:00 on the due day — seed 001); `SweepReport` is one
  unit's report for one period, possibly a zero report (零报告). Rules in sweeps.py.
- `RiskAssessment` is one major decision or project in the 风险评估台账 (seed 000).
"""

from __future__ import annotations

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Session, relationship

from app.core.choices import Choices
from app.core.clock import now
from app.core.models import Stamped, Versioned, current_user_id
from app.core.scoping import ScopeSpec
from app.org.models import ResolutionLevel


class DisputeType(Choices):
    LAND = "land", _l("Land rights and boundaries")
    ACQUISITION = "acquisition", _l("Land acquisition and demolition")
    NEIGHBOURS = "neighbours", _l("Neighbour disputes")
    FAMILY = "family", _l("Marriage and family disputes")
    WAGES = "wages", _l("Wages and labour")
    CONTRACT = "contract", _l("Contracts and debts")
    PROPERTY = "property", _l("Property management disputes")
    MEDICAL = "medical", _l("Medical disputes")
    TRAFFIC = "traffic", _l("Traffic accidents")
    CONSUMER = "consumer", _l("Consumer disputes")
    ENVIRONMENT = "environment", _l("Environmental pollution")
    WORK_SAFETY = "work_safety", _l("Work safety disputes")
    EDUCATION = "education", _l("Education disputes")
    OTHER = "other", _l("Other disputes")


class ListLevel(Choices):
    """The 三级清单 of seed 003: 一级 resolved and in observation, 二级/三级 unresolved."""

    GENERAL = "1", _l("Level 1 (general)")
    SPECIAL = "2", _l("Level 2 (special)")
    KEY = "3", _l("Level 3 (key)")


class EntryStatus(Choices):
    UNRESOLVED = "unresolved", _l("Unresolved")
    RESOLVED = "resolved", _l("Resolved, in observation")
    CLOSED = "closed", _l("Closed out")


class CloseOutStatus(Choices):
    PENDING = "pending", _l("Awaiting approval")
    APPROVED = "approved", _l("Approved")
    REFUSED = "refused", _l("Refused")


class LedgerEntry(Stamped, Versioned, Model):
    """One dispute in the 矛盾纠纷台账."""

    __tablename__ = "ledger_entry"
    __scope__ = ScopeSpec(
        township="township_id", village="village_id", units=("responsible_unit_id",)
    )
    __table_args__ = (
        Index("ix_ledger_entry_township_found", "township_id", "found_on"),
        Index("ix_ledger_entry_village", "village_id"),
        Index("ix_ledger_entry_unit", "responsible_unit_id"),
        Index("ix_ledger_entry_level_status", "level", "status"),
        Index("ix_ledger_entry_found", "found_on"),
        Index("ix_ledger_entry_sweep_report", "sweep_report_id"),
        # Sync over the API: what changed since a moment, oldest change first.
        Index("ix_ledger_entry_updated", "updated_at", "id"),
    )

    # Exported as the ledger number clerks quote (台账编号, `number`).
    id = Column(Integer, primary_key=True, info={"export_format": lambda v: f"TZ{v:06d}"})
    title = Column(String(200), nullable=False)
    dispute_type = Column(String(16), nullable=False, info={"choices": DisputeType})
    found_on = Column(Date, nullable=False)
    township_id = Column(Integer, ForeignKey("org_unit.id"), nullable=False)
    village_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)
    hamlet_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)
    place_detail = Column(String(200), nullable=True)
    description = Column(Text, nullable=True)
    people_count = Column(Integer, nullable=False, default=1)
    responsible_unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)
    responsible_person = Column(String(50), nullable=True)
    measures = Column(Text, nullable=True)
    level = Column(String(1), nullable=False, default=ListLevel.SPECIAL.value, info={"choices": ListLevel})
    status = Column(
        String(16), nullable=False, default=EntryStatus.UNRESOLVED.value, info={"choices": EntryStatus}
    )
    resolved_on = Column(Date, nullable=True)
    closed_on = Column(Date, nullable=True)
    # Where the dispute was resolved (村/镇/县, seed 003): set when it is resolved, from the
    # responsible unit (app/practices/levels.py), editable.
    resolution_level = Column(String(8), nullable=True, info={"choices": ResolutionLevel})
    # The sweep report that listed this dispute as found (None until a report includes it).
    sweep_report_id = Column(Integer, ForeignKey("sweep_report.id"), nullable=True)
    # Denormalised for lists: the parties' names and the latest progress note's date.
    parties_summary = Column(String(200), nullable=False, default="")
    last_progress_on = Column(Date, nullable=True)

    township = relationship("OrgUnit", foreign_keys=[township_id], lazy="joined")
    village = relationship("OrgUnit", foreign_keys=[village_id], lazy="joined")
    hamlet = relationship("OrgUnit", foreign_keys=[hamlet_id])
    responsible_unit = relationship("OrgUnit", foreign_keys=[responsible_unit_id], lazy="joined")
    sweep_report = relationship("SweepReport", back_populates="entries")
    parties = relationship(
        "LedgerParty",
        back_populates="entry",
        cascade="all, delete-orphan",
        order_by="LedgerParty.sort_order, LedgerParty.id",
    )
    level_changes = relationship(
        "LevelChange", back_populates="entry", cascade="all, delete-orphan",
        order_by="LevelChange.changed_at, LevelChange.id",
    )
    notes = relationship(
        "ProgressNote", back_populates="entry", cascade="all, delete-orphan",
        order_by="ProgressNote.noted_on.desc(), ProgressNote.id.desc()",
    )
    closeout_requests = relationship(
        "CloseOutRequest", back_populates="entry", cascade="all, delete-orphan",
        order_by="CloseOutRequest.applied_at.desc(), CloseOutRequest.id.desc()",
    )

    def __repr__(self) -> str:
        return f"{self.number} {self.title or ''}".strip()

    @property
    def number(self) -> str:
        """The ledger number clerks quote: TZ000123 (the record id, padded)."""
        return f"TZ{self.id:06d}" if self.id else ""

    @property
    def place_name(self) -> str:
        parts = [u.name for u in (self.township, self.village, self.hamlet) if u is not None]
        if self.place_detail:
            parts.append(self.place_detail)
        return " ".join(parts)

    @property
    def level_label(self) -> str:
        return ListLevel.label_of(self.level)

    @property
    def status_label(self) -> str:
        return EntryStatus.label_of(self.status)


class LedgerParty(Model):
    """A party to a dispute. Personal data: shown in full only on the entry's own page."""

    __tablename__ = "ledger_party"
    __scope__ = ScopeSpec(parent=("entry_id", "LedgerEntry"))
    __table_args__ = (
        Index("ix_ledger_party_entry", "entry_id"),
        Index("ix_ledger_party_id_number", "id_number"),
        Index("ix_ledger_party_name", "name"),
    )

    id = Column(Integer, primary_key=True)
    entry_id = Column(Integer, ForeignKey("ledger_entry.id", ondelete="CASCADE"), nullable=False)
    name = Column(String(50), nullable=False)
    # "personal": masked in exports for roles that do not handle cases (app/core/export.py).
    id_number = Column(String(18), nullable=True, info={"personal": "id_number"})
    phone = Column(String(24), nullable=True, info={"personal": "phone"})
    address = Column(String(200), nullable=True)
    # Optional links to the petition records of the same person.
    case_id = Column(Integer, ForeignKey("petition_case.id", ondelete="SET NULL"), nullable=True)
    petitioner_id = Column(Integer, ForeignKey("petitioner.id", ondelete="SET NULL"), nullable=True)
    sort_order = Column(Integer, nullable=False, default=0)

    entry = relationship("LedgerEntry", back_populates="parties")
    case = relationship("Case")
    petitioner = relationship("Petitioner")

    def __repr__(self) -> str:
        return self.name or ""

    @property
    def case_number(self) -> str:
        """The linked case's number (what the entry form shows in the party's row) — empty when
        the user may not open that case (app/cases/references.py)."""
        from app.cases.references import visible_case_ids

        if self.case is None or not visible_case_ids([self.case.id]):
            return ""
        return self.case.number


def summarize_parties(entry: LedgerEntry) -> str:
    names = "、".join(p.name for p in entry.parties if p.name)
    return names if len(names) <= 200 else names[:199] + "…"


@event.listens_for(Session, "before_flush")
def _sync_entry_fields(session: Session, flush_context, instances) -> None:  # noqa: ARG001
    """The parties' names on the entry, whichever way the parties were written (form, seed)."""
    entries: dict[int, LedgerEntry] = {}
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, LedgerEntry):
            state = inspect(obj)
            if state.pending or state.attrs.parties.history.has_changes():
                entries[id(obj)] = obj
        elif isinstance(obj, LedgerParty) and obj.entry is not None:
            entries[id(obj.entry)] = obj.entry
    for entry in entries.values():
        if entry in session.deleted:
            continue
        summary = summarize_parties(entry)
        if entry.parties_summary != summary:
            entry.parties_summary = summary


class LevelChange(Model):
    """One move in the 三级清单 (including the first classification). Never edited."""

    __tablename__ = "ledger_level_change"
    __scope__ = ScopeSpec(parent=("entry_id", "LedgerEntry"))
    __table_args__ = (Index("ix_ledger_level_change_entry", "entry_id"),)

    id = Column(Integer, primary_key=True)
    entry_id = Column(Integer, ForeignKey("ledger_entry.id", ondelete="CASCADE"), nullable=False)
    from_level = Column(String(1), nullable=True, info={"choices": ListLevel})
    to_level = Column(String(1), nullable=False, info={"choices": ListLevel})
    reason = Column(Text, nullable=False)
    changed_at = Column(DateTime, nullable=False, default=now)
    changed_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True, default=current_user_id)

    entry = relationship("LedgerEntry", back_populates="level_changes")
    changed_by = relationship("AppUser")


class ProgressNote(Model):
    """A dated progress note on a dispute (化解进展)."""

    __tablename__ = "ledger_progress_note"
    __scope__ = ScopeSpec(parent=("entry_id", "LedgerEntry"))
    __table_args__ = (Index("ix_ledger_progress_note_entry", "entry_id", "noted_on"),)

    id = Column(Integer, primary_key=True)
    entry_id = Column(Integer, ForeignKey("ledger_entry.id", ondelete="CASCADE"), nullable=False)
    noted_on = Column(Date, nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False, default=now)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True, default=current_user_id)

    entry = relationship("LedgerEntry", back_populates="notes")
    created_by = relationship("AppUser")


class CloseOutRequest(Model):
    """An application to close out (销号) an entry, and the leader's decision on it."""

    __tablename__ = "ledger_closeout_request"
    __scope__ = ScopeSpec(parent=("entry_id", "LedgerEntry"))
    __table_args__ = (Index("ix_ledger_closeout_entry", "entry_id", "status"),)

    id = Column(Integer, primary_key=True)
    entry_id = Column(Integer, ForeignKey("ledger_entry.id", ondelete="CASCADE"), nullable=False)
    status = Column(
        String(16), nullable=False, default=CloseOutStatus.PENDING.value, info={"choices": CloseOutStatus}
    )
    reason = Column(Text, nullable=False)
    applied_at = Column(DateTime, nullable=False, default=now)
    applied_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True, default=current_user_id)
    applying_unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)
    decided_at = Column(DateTime, nullable=True)
    decided_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    decision_note = Column(Text, nullable=True)

    entry = relationship("LedgerEntry", back_populates="closeout_requests")
    applied_by = relationship("AppUser", foreign_keys=[applied_by_id])
    decided_by = relationship("AppUser", foreign_keys=[decided_by_id])
    applying_unit = relationship("OrgUnit")

    @property
    def status_label(self) -> str:
        return CloseOutStatus.label_of(self.status)


# --- sweeps ---------------------------------------------------------------------------------------


class OrgLevel(Choices):
    """Who reports sweeps: villages/communities, townships, and county departments."""

    VILLAGE = "village", _l("Village / community")
    TOWNSHIP = "township", _l("Township / subdistrict")
    COUNTY = "county", _l("County departments")


class Frequency(Choices):
    # Daily: the 风险期 cadence (seed 001: a daily report by 16:00 in a sensitive period).
    DAILY = "daily", _l("Daily")
    WEEKLY = "weekly", _l("Weekly")
    HALF_MONTHLY = "half_monthly", _l("Half-monthly")
    MONTHLY = "monthly", _l("Monthly")


class Weekday(Choices):
    MONDAY = "0", _l("Monday")
    TUESDAY = "1", _l("Tuesday")
    WEDNESDAY = "2", _l("Wednesday")
    THURSDAY = "3", _l("Thursday")
    FRIDAY = "4", _l("Friday")
    SATURDAY = "5", _l("Saturday")
    SUNDAY = "6", _l("Sunday")


class SweepRule(Stamped, Versioned, Model):
    """How often one org level sweeps and reports, and the cut-off time on the due day.

    County-wide configuration, edited by the administrator; not county data, so not scoped.
    """

    __tablename__ = "sweep_rule"

    id = Column(Integer, primary_key=True)
    org_level = Column(String(16), nullable=False, unique=True, info={"choices": OrgLevel})
    frequency = Column(String(16), nullable=False, info={"choices": Frequency})
    # Weekly periods run Monday–Sunday and are due on this weekday; the others on their last day.
    due_weekday = Column(String(1), nullable=False, default=Weekday.FRIDAY.value, info={"choices": Weekday})
    cutoff = Column(String(5), nullable=False, default="16:00")

    def __repr__(self) -> str:
        return OrgLevel.label_of(self.org_level)


class SweepReport(Stamped, Versioned, Model):
    """One reporting unit's sweep report for one period (a zero report when nothing was found)."""

    __tablename__ = "sweep_report"
    __scope__ = ScopeSpec(org_unit="org_unit_id")
    __table_args__ = (
        UniqueConstraint("org_unit_id", "org_level", "period_start", name="uq_sweep_report_period"),
        Index("ix_sweep_report_level_period", "org_level", "period_start"),
        Index("ix_sweep_report_township_period", "township_id", "period_start"),
        Index("ix_sweep_report_village", "village_id"),
    )

    id = Column(Integer, primary_key=True)
    org_unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=False)
    org_level = Column(String(16), nullable=False, info={"choices": OrgLevel})
    # Copied from the reporting unit so roll-ups group without joining the org tree.
    township_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)
    village_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)
    unit_name = Column(String(100), nullable=False, default="")
    period_start = Column(Date, nullable=False)
    period_end = Column(Date, nullable=False)
    due_at = Column(DateTime, nullable=False)
    is_zero = Column(Boolean, nullable=False, default=False)
    entries_found = Column(Integer, nullable=False, default=0)
    people_involved = Column(Integer, nullable=False, default=0)
    summary = Column(Text, nullable=True)
    submitted_at = Column(DateTime, nullable=False, default=now)
    is_late = Column(Boolean, nullable=False, default=False)

    org_unit = relationship("OrgUnit", foreign_keys=[org_unit_id], lazy="joined")
    entries = relationship("LedgerEntry", back_populates="sweep_report")

    def __repr__(self) -> str:
        return f"{self.unit_name} {self.period_start:%Y-%m-%d}" if self.period_start else self.unit_name

    @property
    def period_label(self) -> str:
        return f"{self.period_start:%Y-%m-%d} ~ {self.period_end:%Y-%m-%d}"


# 风险期 (seed 003: spring farming, winter heating, wages before the Spring Festival; seeds
# 000/001: 敏感时期): while one runs, the townships it covers report their own sweeps at its
# cadence (app/ledgers/risk_periods.py).
risk_period_townships = Table(
    "risk_period_township",
    Model.metadata,
    Column("risk_period_id", Integer, ForeignKey("risk_period.id", ondelete="CASCADE"), primary_key=True),
    Column("org_unit_id", Integer, ForeignKey("org_unit.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_risk_period_township_unit", "org_unit_id"),
)


class RiskOrigin(Choices):
    DEFINED = "defined", _l("Defined by the administrator")
    PROPOSED = "proposed", _l("Adopted from a proposal")


class RiskPeriod(Stamped, Versioned, Model):
    """A 风险期: a name, first and last day, the townships (or all), and the sweep cadence in it.

    County-wide configuration the administrator keeps (not scoped); the townships see the ones
    that cover them on their sweep page.
    """

    __tablename__ = "risk_period"
    __table_args__ = (Index("ix_risk_period_dates", "starts_on", "ends_on"),)

    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False)
    starts_on = Column(Date, nullable=False)
    ends_on = Column(Date, nullable=False)
    all_townships = Column(Boolean, nullable=False, default=False)
    frequency = Column(String(16), nullable=False, default=Frequency.DAILY.value, info={"choices": Frequency})
    due_weekday = Column(String(1), nullable=False, default=Weekday.FRIDAY.value, info={"choices": Weekday})
    cutoff = Column(String(5), nullable=False, default="16:00")
    subject_id = Column(Integer, ForeignKey("subject.id", ondelete="SET NULL"), nullable=True)
    origin = Column(String(16), nullable=False, default=RiskOrigin.DEFINED.value, info={"choices": RiskOrigin})
    # The figures behind an adopted proposal, as they were when adopted.
    basis = Column(Text, nullable=True)
    note = Column(Text, nullable=True)

    townships = relationship("OrgUnit", secondary=risk_period_townships, lazy="selectin",
                             order_by="OrgUnit.sort_order")
    subject = relationship("Subject")

    def __repr__(self) -> str:
        return self.name or ""

    @property
    def dates_label(self) -> str:
        return f"{self.starts_on:%Y-%m-%d} ~ {self.ends_on:%Y-%m-%d}" if self.starts_on and self.ends_on else ""

    @property
    def townships_label(self) -> str:
        from flask_babel import gettext

        if self.all_townships:
            return gettext("All townships")
        return "、".join(t.name for t in self.townships)


# --- risk assessment ----------------------------------------------------------------------------


class RiskKind(Choices):
    LAND_TRANSFER = "land_transfer", _l("Land transfer")
    ACQUISITION = "acquisition", _l("Land acquisition")
    RELOCATION = "relocation", _l("Relocation and resettlement")
    SITING = "siting", _l("Project siting")
    RESTRUCTURING = "restructuring", _l("Enterprise restructuring")
    POLICY = "policy", _l("Major policy")
    CONSTRUCTION = "construction", _l("Construction project")
    OTHER = "other", _l("Other")


class RiskLevel(Choices):
    HIGH = "high", _l("High")
    MEDIUM = "medium", _l("Medium")
    LOW = "low", _l("Low")


class RiskConclusion(Choices):
    PROCEED = "proceed", _l("May proceed")
    PROCEED_WITH_MEASURES = "with_measures", _l("May proceed after measures")
    POSTPONE = "postpone", _l("Postpone")
    DO_NOT_PROCEED = "stop", _l("Do not proceed")


class RiskStatus(Choices):
    ASSESSING = "assessing", _l("Being assessed")
    ASSESSED = "assessed", _l("Assessed")
    IMPLEMENTING = "implementing", _l("Being implemented")
    COMPLETED = "completed", _l("Completed")


class RiskAssessment(Stamped, Versioned, Model):
    """One major decision or project assessed before it starts (风险评估台账)."""

    __tablename__ = "risk_assessment"
    __scope__ = ScopeSpec(
        township="township_id", village="village_id", units=("responsible_unit_id",)
    )
    __table_args__ = (
        Index("ix_risk_assessment_township", "township_id", "assessed_on"),
        Index("ix_risk_assessment_unit", "responsible_unit_id"),
        Index("ix_risk_assessment_level", "risk_level"),
    )

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    kind = Column(String(16), nullable=False, info={"choices": RiskKind})
    responsible_unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=False)
    # County-wide projects have no township: only county users and the unit see them.
    township_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)
    village_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)
    description = Column(Text, nullable=True)
    risk_points = Column(Text, nullable=False)
    risk_level = Column(String(8), nullable=False, info={"choices": RiskLevel})
    conclusion = Column(String(16), nullable=True, info={"choices": RiskConclusion})
    measures = Column(Text, nullable=True)
    assessed_on = Column(Date, nullable=True)
    status = Column(
        String(16), nullable=False, default=RiskStatus.ASSESSING.value, info={"choices": RiskStatus}
    )

    responsible_unit = relationship("OrgUnit", foreign_keys=[responsible_unit_id], lazy="joined")
    township = relationship("OrgUnit", foreign_keys=[township_id], lazy="joined")
    village = relationship("OrgUnit", foreign_keys=[village_id])

    def __repr__(self) -> str:
        return self.name or ""
