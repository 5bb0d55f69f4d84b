"""Supervision and accountability (督查督办 · 问责). DOMAIN.md "Supervision and accountability".

Who sees what (the ScopeSpecs below; rules in orders.py / meetings.py / accountability.py):

- `SupervisionOrder` (督办单): the issuing supervisor's area — `issuer_township_id`, the
  township of the supervisor who issued it (empty for the county's 督查室/信访局, whose users see
  the whole county anyway) — and the addressed unit with the place above it (`org_unit`
  scoping of `unit_id`: that unit's users, and a township's users for units of their township).
  The cases behind an order are listed on it by number and title — to a viewer who may open
  them (app/cases/references.py `linked_cases`); petitioners of 检举控告 cases are never shown.
- `JointMeeting` (联席会议): the convening township (`township_id`, empty for the county), and
  every unit that took part or was given a follow-up task.
- `AccountabilityRecord` (问责): county-level users, the 纪委 (any user of a discipline unit),
  and the township the record concerns (`township_id`). Not the unit or person held to
  account through this product: the decision reaches them as a document.
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
    Text,
    exists,
    select,
)
from sqlalchemy.orm import relationship

from app.cases.references import LINKED_NUMBERS
from app.core.choices import Choices
from app.core.models import Stamped, Versioned
from app.core.scoping import ScopeSpec


class OrderKind(Choices):
    URGE = "urge", _l("Urge (催办)")
    SUPERVISE = "supervise", _l("Supervise (督办)")
    LISTED = "listed", _l("Listed supervision (挂牌督办)")
    TALK = "talk", _l("Summons talk (约谈)")


class OrderStatus(Choices):
    ISSUED = "issued", _l("Awaiting the unit's answer")
    ANSWERED = "answered", _l("Answered, awaiting review")
    CLOSED = "closed", _l("Answer accepted, closed")
    ESCALATED = "escalated", _l("Escalated")


class OrderEventKind(Choices):
    ISSUED = "issued", _l("Order issued")
    ANSWERED = "answered", _l("Unit answered")
    ACCEPTED = "accepted", _l("Answer accepted")
    ESCALATED = "escalated", _l("Escalated")


class AccountabilityKind(Choices):
    CRITICISM = "criticism", _l("Circulated criticism (通报批评)")
    TALK = "talk", _l("Summons talk (约谈)")
    ADMONITION = "admonition", _l("Admonition (诫勉)")
    ACCOUNTABILITY = "accountability", _l("Held to account (问责/追责)")
    REFERRAL = "referral", _l("Referred to the discipline organs")


class SupervisionOrder(Stamped, Versioned, Model):
    """督办单: a supervisor's order to a unit about one or more cases or ledger entries."""

    __tablename__ = "supervision_order"
    __scope__ = ScopeSpec(township="issuer_township_id", org_unit="unit_id")
    __table_args__ = (
        Index("ix_supervision_order_unit_status", "unit_id", "status", "due_on"),
        Index("ix_supervision_order_issuer_status", "issuer_township_id", "status"),
        Index("ix_supervision_order_issued", "issued_at"),
    )

    # Exported as the number supervisors quote (DB000012, see `number`).
    id = Column(Integer, primary_key=True, info={"export_format": lambda v: f"DB{v:06d}"})
    kind = Column(String(16), nullable=False, info={"choices": OrderKind})
    unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=False)  # the addressed unit
    issuer_township_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)
    issued_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    issued_at = Column(DateTime, nullable=False)
    requirement = Column(Text, nullable=False)
    due_on = Column(Date, nullable=False)  # the written answer is due by this day
    status = Column(String(16), nullable=False, default=OrderStatus.ISSUED.value, info={"choices": OrderStatus})
    answered_at = Column(DateTime, nullable=True)  # latest answer
    closed_at = Column(DateTime, nullable=True)
    escalated_from_id = Column(
        Integer, ForeignKey("supervision_order.id", name="fk_supervision_order_from"), nullable=True
    )
    # Denormalised for lists: the numbers of the cases and entries behind the order.
    targets_summary = Column(String(2000), nullable=False, default="", info=LINKED_NUMBERS)
    target_count = Column(Integer, nullable=False, default=0)

    unit = relationship("OrgUnit", foreign_keys=[unit_id], lazy="joined")
    issuer_township = relationship("OrgUnit", foreign_keys=[issuer_township_id])
    issued_by = relationship("AppUser", foreign_keys=[issued_by_id])
    escalated_from = relationship("SupervisionOrder", remote_side=[id], foreign_keys=[escalated_from_id])
    targets = relationship(
        "OrderTarget", back_populates="order", cascade="all, delete-orphan", order_by="OrderTarget.id"
    )
    answers = relationship(
        "OrderAnswer", back_populates="order", cascade="all, delete-orphan",
        order_by="OrderAnswer.answered_at, OrderAnswer.id",
    )
    events = relationship(
        "OrderEvent", back_populates="order", cascade="all, delete-orphan", foreign_keys="OrderEvent.order_id",
        order_by="OrderEvent.occurred_at, OrderEvent.id",
    )

    def __repr__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """The order number supervisors quote: DB000012 (the record id, padded)."""
        return f"DB{self.id:06d}" if self.id else ""

    @property
    def kind_label(self) -> str:
        return OrderKind.label_of(self.kind)

    @property
    def status_label(self) -> str:
        return OrderStatus.label_of(self.status)

    @property
    def is_open(self) -> bool:
        return self.status in (OrderStatus.ISSUED.value, OrderStatus.ANSWERED.value)


class OrderTarget(Model):
    """A case or a ledger entry an order is about."""

    __tablename__ = "supervision_order_target"
    __scope__ = ScopeSpec(parent=("order_id", "SupervisionOrder"), requires=(("case_id", "Case"),))
    __table_args__ = (
        CheckConstraint("(case_id IS NULL) <> (ledger_entry_id IS NULL)", name="ck_order_target_one"),
        Index("ix_order_target_order", "order_id"),
        Index("ix_order_target_case", "case_id"),
        Index("ix_order_target_entry", "ledger_entry_id"),
    )

    id = Column(Integer, primary_key=True)
    order_id = Column(Integer, ForeignKey("supervision_order.id", ondelete="CASCADE"), nullable=False)
    case_id = Column(Integer, ForeignKey("petition_case.id", ondelete="CASCADE"), nullable=True)
    ledger_entry_id = Column(Integer, ForeignKey("ledger_entry.id", ondelete="CASCADE"), nullable=True)

    order = relationship("SupervisionOrder", back_populates="targets")
    case = relationship("Case", lazy="joined")
    ledger_entry = relationship("LedgerEntry", lazy="joined")

    @property
    def number(self) -> str:
        return self.case.number if self.case is not None else (self.ledger_entry.number if self.ledger_entry else "")

    @property
    def title(self) -> str:
        target = self.case or self.ledger_entry
        return target.title if target is not None else ""


class OrderAnswer(Model):
    """The addressed unit's written answer (书面答复) to an order."""

    __tablename__ = "supervision_order_answer"
    __scope__ = ScopeSpec(parent=("order_id", "SupervisionOrder"))
    __table_args__ = (Index("ix_order_answer_order", "order_id"),)

    id = Column(Integer, primary_key=True)
    order_id = Column(Integer, ForeignKey("supervision_order.id", ondelete="CASCADE"), nullable=False)
    unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=False)
    answered_at = Column(DateTime, nullable=False)
    answered_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    text = Column(Text, nullable=False)

    order = relationship("SupervisionOrder", back_populates="answers")
    unit = relationship("OrgUnit")
    answered_by = relationship("AppUser")


class OrderEvent(Model):
    """The order's history: issued, answered, accepted, escalated (to which order)."""

    __tablename__ = "supervision_order_event"
    __scope__ = ScopeSpec(parent=("order_id", "SupervisionOrder"))
    __table_args__ = (Index("ix_order_event_order", "order_id"),)

    id = Column(Integer, primary_key=True)
    order_id = Column(Integer, ForeignKey("supervision_order.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(16), nullable=False, info={"choices": OrderEventKind})
    occurred_at = Column(DateTime, nullable=False)
    actor_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    actor_name = Column(String(50), nullable=False, default="")
    text = Column(Text, nullable=True)
    related_order_id = Column(Integer, ForeignKey("supervision_order.id"), nullable=True)

    order = relationship("SupervisionOrder", back_populates="events", foreign_keys=[order_id])
    related_order = relationship("SupervisionOrder", foreign_keys=[related_order_id])

    @property
    def kind_label(self) -> str:
        return OrderEventKind.label_of(self.kind)


# --- joint meetings -------------------------------------------------------------------------------


def _meeting_unit_clause(model, unit_ids):
    return model.id.in_(
        select(MeetingUnit.meeting_id).where(MeetingUnit.unit_id.in_(unit_ids))
        .union(select(MeetingTask.meeting_id).where(MeetingTask.unit_id.in_(unit_ids)))
    )


class MeetingKind(Choices):
    """What kind of meeting took the cases up (seeds 001, 003, 004: 联席会议, the Party committee's
    常委会, the government's 常务会, a 专题会 on one matter)."""

    JOINT = "joint", _l("Joint meeting (联席会议)")
    STANDING = "standing", _l("Standing committee (常委会)")
    EXECUTIVE = "executive", _l("Executive meeting (常务会)")
    SPECIAL = "special", _l("Special meeting (专题会)")


class JointMeeting(Stamped, Versioned, Model):
    """联席会议: cases discussed, decisions, follow-up tasks for units."""

    __tablename__ = "joint_meeting"
    __scope__ = ScopeSpec(
        township="township_id", unit_clause=lambda model, unit_ids, scope: _meeting_unit_clause(model, unit_ids)
    )
    __table_args__ = (Index("ix_joint_meeting_township_held", "township_id", "held_on"),)

    id = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False)
    kind = Column(String(16), nullable=False, default=MeetingKind.JOINT.value, server_default=MeetingKind.JOINT.value,
                  info={"choices": MeetingKind})
    held_on = Column(Date, nullable=False)
    convener = Column(String(100), nullable=False)  # who chaired (name and post)
    township_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)  # empty: the county's
    decisions = Column(Text, nullable=True)
    # Denormalised for lists.
    unit_names = Column(String(2000), nullable=False, default="")
    case_numbers = Column(String(2000), nullable=False, default="", info=LINKED_NUMBERS)

    township = relationship("OrgUnit", foreign_keys=[township_id])
    units = relationship("OrgUnit", secondary="joint_meeting_unit", order_by="OrgUnit.sort_order")
    cases = relationship("Case", secondary="joint_meeting_case", order_by="Case.number")
    tasks = relationship(
        "MeetingTask", back_populates="meeting", cascade="all, delete-orphan",
        order_by="MeetingTask.due_on, MeetingTask.id",
    )

    def __repr__(self) -> str:
        return f"{self.held_on} {self.title}"


class MeetingUnit(Model):
    __tablename__ = "joint_meeting_unit"
    __scope__ = ScopeSpec(parent=("meeting_id", "JointMeeting"))
    __table_args__ = (Index("ix_joint_meeting_unit_unit", "unit_id"),)

    meeting_id = Column(Integer, ForeignKey("joint_meeting.id", ondelete="CASCADE"), primary_key=True)
    unit_id = Column(Integer, ForeignKey("org_unit.id"), primary_key=True)


class MeetingCase(Model):
    __tablename__ = "joint_meeting_case"
    __scope__ = ScopeSpec(parent=("meeting_id", "JointMeeting"), requires=(("case_id", "Case"),))
    __table_args__ = (Index("ix_joint_meeting_case_case", "case_id"),)

    meeting_id = Column(Integer, ForeignKey("joint_meeting.id", ondelete="CASCADE"), primary_key=True)
    case_id = Column(Integer, ForeignKey("petition_case.id", ondelete="CASCADE"), primary_key=True)


class MeetingTask(Model):
    """A follow-up task of a meeting: the unit sees it in its work queue until it is done."""

    __tablename__ = "joint_meeting_task"
    __scope__ = ScopeSpec(parent=("meeting_id", "JointMeeting"))
    __table_args__ = (
        Index("ix_joint_meeting_task_unit_done", "unit_id", "done", "due_on"),
        Index("ix_joint_meeting_task_meeting", "meeting_id"),
    )

    id = Column(Integer, primary_key=True)
    meeting_id = Column(Integer, ForeignKey("joint_meeting.id", ondelete="CASCADE"), nullable=False)
    unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=False)
    description = Column(Text, nullable=False)
    due_on = Column(Date, nullable=False)
    done = Column(Boolean, nullable=False, default=False)
    done_at = Column(DateTime, nullable=True)
    done_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    done_note = Column(Text, nullable=True)

    meeting = relationship("JointMeeting", back_populates="tasks")
    unit = relationship("OrgUnit", lazy="joined")
    done_by = relationship("AppUser")

    def __str__(self) -> str:
        # What the audit log and any list name the task by: the unit and the task itself.
        unit = self.unit.name if self.unit is not None else ""
        text = (self.description or "")[:60]
        return f"{unit}：{text}" if unit else text


# --- accountability -------------------------------------------------------------------------------


def _discipline_clause(model, unit_ids):  # noqa: ARG001 — every record, for the 纪委's users
    from sqlalchemy.orm import aliased

    from app.org.models import OrgKind, OrgUnit

    # An alias: never correlated with an org_unit the outer query may join (a search by unit).
    unit = aliased(OrgUnit)
    return exists(select(unit.id).where(unit.id.in_(unit_ids), unit.kind == OrgKind.DISCIPLINE.value))


class AccountabilityRecord(Stamped, Versioned, Model):
    """问责: a decision against a unit and/or a person, with the cases and orders behind it."""

    __tablename__ = "accountability_record"
    __scope__ = ScopeSpec(
        township="township_id", unit_clause=lambda model, unit_ids, scope: _discipline_clause(model, unit_ids)
    )
    __table_args__ = (
        Index("ix_accountability_township_decided", "township_id", "decided_on"),
        Index("ix_accountability_decided", "decided_on"),
        Index("ix_accountability_unit", "unit_id"),
    )

    id = Column(Integer, primary_key=True)
    kind = Column(String(16), nullable=False, info={"choices": AccountabilityKind})
    unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)  # the unit held to account
    person_name = Column(String(50), nullable=True)  # and/or the official
    person_post = Column(String(100), nullable=True)
    township_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)  # whose record it is
    reason = Column(Text, nullable=False)
    decided_by = Column(String(100), nullable=False)  # the deciding body
    decided_on = Column(Date, nullable=False)
    document_number = Column(String(50), nullable=True)  # 文号
    # Denormalised for lists.
    case_numbers = Column(String(2000), nullable=False, default="", info=LINKED_NUMBERS)
    order_numbers = Column(String(2000), nullable=False, default="")

    unit = relationship("OrgUnit", foreign_keys=[unit_id], lazy="joined")
    township = relationship("OrgUnit", foreign_keys=[township_id])
    cases = relationship("Case", secondary="accountability_case", order_by="Case.number")
    orders = relationship("SupervisionOrder", secondary="accountability_order", order_by="SupervisionOrder.id")

    def __repr__(self) -> str:
        return f"{AccountabilityKind.label_of(self.kind)} {self.target_label}"

    @property
    def target_label(self) -> str:
        parts = [self.unit.name if self.unit is not None else ""]
        if self.person_name:
            parts.append(f"{self.person_name}（{self.person_post}）" if self.person_post else self.person_name)
        return " · ".join(p for p in parts if p)


class AccountabilityCase(Model):
    __tablename__ = "accountability_case"
    __scope__ = ScopeSpec(parent=("record_id", "AccountabilityRecord"), requires=(("case_id", "Case"),))
    __table_args__ = (Index("ix_accountability_case_case", "case_id"),)

    record_id = Column(Integer, ForeignKey("accountability_record.id", ondelete="CASCADE"), primary_key=True)
    case_id = Column(Integer, ForeignKey("petition_case.id", ondelete="CASCADE"), primary_key=True)


class AccountabilityOrder(Model):
    __tablename__ = "accountability_order"
    __scope__ = ScopeSpec(parent=("record_id", "AccountabilityRecord"))
    __table_args__ = (Index("ix_accountability_order_order", "order_id"),)

    record_id = Column(Integer, ForeignKey("accountability_record.id", ondelete="CASCADE"), primary_key=True)
    order_id = Column(Integer, ForeignKey("supervision_order.id", ondelete="CASCADE"), primary_key=True)
