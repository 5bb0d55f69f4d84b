"""Responsible leaders (责任领导): who they are, what they hold, when they receive petitioners,
and how their work scores. DOMAIN.md "Responsible leaders" is the specification.

- `Leader`: a county- or township-level leader (name, rank, post, org unit), optionally the
  account they sign in with. Scoped by the org unit: a township's users see its leaders,
  county-level users see all.
- `Holding` (领导包案): a leader takes a case or a ledger entry until it is resolved. The duties
  of 四联四包 (`DutyItem`, a dictionary the administrator edits) are copied onto the holding
  (`HoldingDuty`) and ticked off with a date; `HoldingNote` keeps the dated notes. A holding is
  visible to whoever sees the leader, or the case, or the ledger entry (ScopeSpec.parents) — and
  a holding of a case only to whoever may open the case (ScopeSpec.requires: 条例 Art. 30).
- `ReceptionSlot` (领导接访安排): a planned reception — leader, day, hours, place, subjects (the
  专家门诊 idea) — published on the schedule page every signed-in user reads (and the public
  portal later, through `app.leaders.schedule.public_schedule`).
- `Reception`: a reception held (接访) or a leader's visit to a locality (下访), with batches,
  persons and the cases registered from it (`ReceptionCase`).
- `ScoreRule`: the points of seed 004's 四联四包 assessment, per kind of event (app/leaders/score.py
  computes them).
"""

from __future__ import annotations

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
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
    text,
)
from sqlalchemy.orm import relationship

from app.cases.references import LINKED_NUMBERS
from app.core.choices import Choices
from app.core.models import Stamped, Versioned
from app.core.scoping import ScopeSpec


class LeaderRank(Choices):
    COUNTY = "county", _l("County level")
    SECTION = "section", _l("Section level")
    OTHER = "other", _l("Other")


class HoldingStatus(Choices):
    HOLDING = "holding", _l("Being held")
    RESOLVED = "resolved", _l("Resolved")
    HANDED_OVER = "handed_over", _l("Handed over")


class ReceptionKind(Choices):
    RECEPTION = "reception", _l("Reception (接访)")
    VISIT = "visit", _l("Visit to a locality (下访)")


class ScoreKind(Choices):
    """What earns or costs points (seed 004: 四联四包 — resolved cases add, 越级 deducts)."""

    RESOLVED = "resolved", _l("Held case resolved")
    SKIPPED_LEVELS = "skipped_levels", _l("Petitioner of a held case skipped levels")
    OVERDUE = "overdue", _l("Held case overdue")


class Leader(Stamped, Versioned, Model):
    __tablename__ = "leader"
    __scope__ = ScopeSpec(org_unit="org_unit_id")
    __table_args__ = (
        UniqueConstraint("user_id", name="uq_leader_user"),
        Index("ix_leader_org_unit", "org_unit_id"),
    )

    id = Column(Integer, primary_key=True)
    name = Column(String(50), nullable=False)
    rank = Column(String(16), nullable=False, default=LeaderRank.SECTION.value, info={"choices": LeaderRank})
    post = Column(String(100), nullable=False)
    org_unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=False)
    user_id = Column(Integer, ForeignKey("ab_user.id", name="fk_leader_user"), nullable=True)
    sort_order = Column(Integer, nullable=False, default=0)
    active = Column(Boolean, nullable=False, default=True)

    org_unit = relationship("OrgUnit", foreign_keys=[org_unit_id], lazy="joined")
    user = relationship("AppUser", foreign_keys=[user_id])

    def __repr__(self) -> str:
        return self.name or ""

    @property
    def rank_label(self) -> str:
        return LeaderRank.label_of(self.rank)

    @property
    def display_name(self) -> str:
        return f"{self.name}（{self.post}）" if self.post else (self.name or "")


class DutyItem(Model):
    """The duties of a holding (包情况掌握, 包案件化解, 包息访息诉, 包接访处访 …): a dictionary."""

    __tablename__ = "leader_duty_item"

    id = Column(Integer, primary_key=True)
    name = Column(String(50), nullable=False, unique=True)
    description = Column(String(200), nullable=True)
    sort_order = Column(Integer, nullable=False, default=0)
    active = Column(Boolean, nullable=False, default=True)

    def __repr__(self) -> str:
        return self.name or ""


class Holding(Stamped, Versioned, Model):
    """领导包案: one leader holding one case or one ledger entry."""

    __tablename__ = "leader_holding"
    __scope__ = ScopeSpec(
        parents=(("leader_id", "Leader"), ("case_id", "Case"), ("ledger_entry_id", "LedgerEntry")),
        requires=(("case_id", "Case"),),
    )
    __table_args__ = (
        CheckConstraint(
            "(case_id IS NULL) <> (ledger_entry_id IS NULL)", name="ck_leader_holding_one_target"
        ),
        Index("ix_leader_holding_leader", "leader_id", "status"),
        Index("ix_leader_holding_case", "case_id"),
        Index("ix_leader_holding_entry", "ledger_entry_id"),
    )

    id = Column(Integer, primary_key=True)
    leader_id = Column(Integer, ForeignKey("leader.id"), nullable=False)
    case_id = Column(Integer, ForeignKey("petition_case.id", ondelete="CASCADE"), nullable=True)
    ledger_entry_id = Column(Integer, ForeignKey("ledger_entry.id", ondelete="CASCADE"), nullable=True)
    taken_on = Column(Date, nullable=False)
    goal = Column(Text, nullable=True)  # 包案目标/措施
    status = Column(
        String(16), nullable=False, default=HoldingStatus.HOLDING.value, info={"choices": HoldingStatus}
    )
    ended_on = Column(Date, nullable=True)
    end_note = Column(Text, nullable=True)
    # Denormalised for lists: the target's number and title (a holding list needs no join).
    target_number = Column(String(24), nullable=False, default="")
    target_title = Column(String(200), nullable=False, default="")

    leader = relationship("Leader", lazy="joined")
    case = relationship("Case")
    ledger_entry = relationship("LedgerEntry")
    duties = relationship(
        "HoldingDuty", back_populates="holding", cascade="all, delete-orphan",
        order_by="HoldingDuty.sort_order, HoldingDuty.id",
    )
    notes = relationship(
        "HoldingNote", back_populates="holding", cascade="all, delete-orphan",
        order_by="HoldingNote.noted_on.desc(), HoldingNote.id.desc()",
    )

    def __repr__(self) -> str:
        return f"{self.target_number} {self.target_title}".strip()

    @property
    def target(self):
        return self.case if self.case_id is not None or self.case is not None else self.ledger_entry

    @property
    def status_label(self) -> str:
        return HoldingStatus.label_of(self.status)

    @property
    def is_active(self) -> bool:
        return self.status == HoldingStatus.HOLDING.value

    @property
    def duties_done(self) -> str:
        done = sum(1 for d in self.duties if d.done_on is not None)
        return f"{done}/{len(self.duties)}"


class ProposalStatus(Choices):
    PROPOSED = "proposed", _l("Proposed, awaiting the leader")
    TAKEN = "taken", _l("Taken on by the leader")


class HoldingProposal(Stamped, Model):
    """A supervisor's proposal that a county leader hold a case (四联四包, seed 004: every county
    leader holds at least one key case). The leader (or the office keeping their records) takes
    it through the holding form; the holding then names the proposal taken."""

    __tablename__ = "leader_holding_proposal"
    # Seen by whoever may open the case (a proposal about a 检举控告 never reaches its unit).
    __scope__ = ScopeSpec(parent=("case_id", "Case"))
    __table_args__ = (
        Index("ix_leader_holding_proposal_case", "case_id", "status"),
        Index("ix_leader_holding_proposal_leader", "leader_id", "status"),
    )

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("petition_case.id", ondelete="CASCADE"), nullable=False)
    leader_id = Column(Integer, ForeignKey("leader.id"), nullable=False)
    note = Column(Text, nullable=True)
    status = Column(String(16), nullable=False, default=ProposalStatus.PROPOSED.value,
                    info={"choices": ProposalStatus})
    holding_id = Column(Integer, ForeignKey("leader_holding.id", ondelete="SET NULL"), nullable=True)

    case = relationship("Case")
    leader = relationship("Leader", lazy="joined")
    holding = relationship("Holding")

    def __repr__(self) -> str:
        return f"{self.leader.name if self.leader else ''} {self.case.number if self.case else ''}".strip()


class HoldingDuty(Model):
    """One duty of a holding; `done_on` set when the leader ticks it off."""

    __tablename__ = "leader_holding_duty"
    __scope__ = ScopeSpec(parent=("holding_id", "Holding"))
    __table_args__ = (Index("ix_leader_holding_duty_holding", "holding_id"),)

    id = Column(Integer, primary_key=True)
    holding_id = Column(Integer, ForeignKey("leader_holding.id", ondelete="CASCADE"), nullable=False)
    duty_item_id = Column(Integer, ForeignKey("leader_duty_item.id", ondelete="SET NULL"), nullable=True)
    name = Column(String(50), nullable=False)  # copied: renaming the dictionary keeps history
    sort_order = Column(Integer, nullable=False, default=0)
    done_on = Column(Date, nullable=True)
    done_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)

    holding = relationship("Holding", back_populates="duties")
    done_by = relationship("AppUser")

    def __repr__(self) -> str:
        return self.name or ""


class HoldingNote(Model):
    """A dated note on a holding, possibly the one that ticked off a duty."""

    __tablename__ = "leader_holding_note"
    __scope__ = ScopeSpec(parent=("holding_id", "Holding"))
    __table_args__ = (Index("ix_leader_holding_note_holding", "holding_id"),)

    id = Column(Integer, primary_key=True)
    holding_id = Column(Integer, ForeignKey("leader_holding.id", ondelete="CASCADE"), nullable=False)
    noted_on = Column(Date, nullable=False)
    duty_name = Column(String(50), nullable=True)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)

    holding = relationship("Holding", back_populates="notes")
    created_by = relationship("AppUser")


class ReceptionSlot(Stamped, Versioned, Model):
    """A planned reception (领导接访安排): published, anyone in the county may read it."""

    __tablename__ = "reception_slot"
    # Maintained by the leader's own org (and the township where it takes place).
    __scope__ = ScopeSpec(township="township_id", org_unit="org_unit_id")
    __table_args__ = (
        Index("ix_reception_slot_day", "day", "published"),
        Index("ix_reception_slot_leader", "leader_id", "day"),
    )

    id = Column(Integer, primary_key=True)
    leader_id = Column(Integer, ForeignKey("leader.id"), nullable=False)
    day = Column(Date, nullable=False)
    start_time = Column(String(5), nullable=False)  # HH:MM
    end_time = Column(String(5), nullable=False)
    place = Column(String(100), nullable=False)
    subjects = Column(String(200), nullable=True)  # 专家门诊: the matters this leader receives on
    township_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)
    org_unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=False)  # the leader's
    published = Column(Boolean, nullable=False, default=True)
    note = Column(String(200), nullable=True)
    # The rota that generated it (None: planned by hand).
    rota_id = Column(Integer, ForeignKey("reception_rota.id", ondelete="SET NULL", name="fk_reception_slot_rota"),
                     nullable=True)

    leader = relationship("Leader", lazy="joined")
    township = relationship("OrgUnit", foreign_keys=[township_id])
    org_unit = relationship("OrgUnit", foreign_keys=[org_unit_id])

    def __repr__(self) -> str:
        return f"{self.day} {self.start_time}–{self.end_time} {self.leader.name if self.leader else ''}"

    @property
    def hours(self) -> str:
        return f"{self.start_time}–{self.end_time}"


rota_leaders = Table(
    "reception_rota_leader",
    Model.metadata,
    Column("rota_id", Integer, ForeignKey("reception_rota.id", ondelete="CASCADE"), primary_key=True),
    Column("leader_id", Integer, ForeignKey("leader.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_reception_rota_leader_leader", "leader_id"),
)


class ReceptionRota(Stamped, Versioned, Model):
    """轮流接访 (seeds 003/004): leaders taking turns at one place, one a day, in the leaders' order.

    The days: the working days of the deadlines calendar (holidays off, adjusted weekends on),
    or the weekdays chosen. County configuration kept by the administrator (not scoped); the
    slots it generates are ordinary published reception slots (app/leaders/rota.py).
    """

    __tablename__ = "reception_rota"

    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False)
    place = Column(String(100), nullable=False)
    start_time = Column(String(5), nullable=False, default="08:00")
    end_time = Column(String(5), nullable=False, default="17:00")
    subjects = Column(String(200), nullable=True)
    starts_on = Column(Date, nullable=False)
    ends_on = Column(Date, nullable=True)
    working_days_only = Column(Boolean, nullable=False, default=True)
    # "0,1,2,3,4" (Monday = 0): the days when not working days only.
    weekdays = Column(String(20), nullable=False, default="0,1,2,3,4")
    active = Column(Boolean, nullable=False, default=True)

    leaders = relationship("Leader", secondary=rota_leaders, lazy="selectin",
                           order_by="(Leader.sort_order, Leader.id)")

    def __repr__(self) -> str:
        return self.name or ""


class Reception(Stamped, Versioned, Model):
    """A reception held (接访) or a visit to a locality (下访), with what came of it."""

    __tablename__ = "reception"
    __scope__ = ScopeSpec(township="township_id", org_unit="org_unit_id")
    __table_args__ = (
        Index("ix_reception_leader_held", "leader_id", "held_on"),
        Index("ix_reception_township_held", "township_id", "held_on"),
        Index("ix_reception_held", "held_on"),
    )

    id = Column(Integer, primary_key=True)
    kind = Column(String(16), nullable=False, default=ReceptionKind.RECEPTION.value, info={"choices": ReceptionKind})
    leader_id = Column(Integer, ForeignKey("leader.id"), nullable=False)
    slot_id = Column(Integer, ForeignKey("reception_slot.id", ondelete="SET NULL"), nullable=True)
    held_on = Column(Date, nullable=False)
    place = Column(String(100), nullable=False)
    township_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)
    village_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)
    org_unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=False)  # the leader's
    batches = Column(Integer, nullable=False, default=0)  # 批次
    persons = Column(Integer, nullable=False, default=0)  # 人次
    # Problems solved on the spot or by the visit (seed 003's 下访: counted in the reports).
    problems_solved = Column(Integer, nullable=False, default=0, server_default=text("0"))
    summary = Column(Text, nullable=True)
    # Denormalised for lists: the linked cases' numbers (read per viewer: LINKED_NUMBERS).
    case_numbers = Column(String(2000), nullable=False, default="", info=LINKED_NUMBERS)

    leader = relationship("Leader", lazy="joined")
    slot = relationship("ReceptionSlot")
    township = relationship("OrgUnit", foreign_keys=[township_id])
    village = relationship("OrgUnit", foreign_keys=[village_id])
    org_unit = relationship("OrgUnit", foreign_keys=[org_unit_id])
    cases = relationship("Case", secondary="reception_case", order_by="Case.number")

    def __repr__(self) -> str:
        return f"{self.held_on} {self.leader.name if self.leader else ''} {self.place or ''}".strip()


class ReceptionCase(Model):
    """A case registered from a reception (or raised during a visit)."""

    __tablename__ = "reception_case"
    __scope__ = ScopeSpec(parent=("reception_id", "Reception"), requires=(("case_id", "Case"),))
    __table_args__ = (Index("ix_reception_case_case", "case_id"),)

    reception_id = Column(Integer, ForeignKey("reception.id", ondelete="CASCADE"), primary_key=True)
    case_id = Column(Integer, ForeignKey("petition_case.id", ondelete="CASCADE"), primary_key=True)


class ScoreRule(Stamped, Versioned, Model):
    """Points per event of one kind (四联四包 assessment); negative points deduct."""

    __tablename__ = "leader_score_rule"

    id = Column(Integer, primary_key=True)
    kind = Column(String(20), nullable=False, unique=True, info={"choices": ScoreKind})
    points = Column(Integer, nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    note = Column(String(200), nullable=True)

    def __repr__(self) -> str:
        return ScoreKind.label_of(self.kind)
