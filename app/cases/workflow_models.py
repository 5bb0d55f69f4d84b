"""The workflow's tables: the case history and the records each step leaves behind.

Every step writes one `CaseEvent` (who, when, from which status to which, what was said). The
history is append-only: the ORM refuses to change or delete an event, and the database refuses
too (triggers in the migrations), so not even a direct SQL session rewrites it. Nor does a case
with history go: a registered case is never deleted (the ORM and a trigger on petition_case
refuse), a registration made by mistake is voided (作废) by a workflow step instead.

The other tables hold the facts a step creates — instructions (批示), assignments (交办/转办),
joint reviews (会审) with their co-units, progress reports, extensions, pauses, follow-ups
(回访), reviews (复查/复核) and recusals (回避) — and are written only by app/cases/workflow/.
Each is scoped through its case.
"""

from __future__ import annotations

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Session, relationship

from app.core.choices import Choices
from app.core.errors import DomainError
from app.core.scoping import ScopeSpec

_CASE_FK = "petition_case.id"


def _case_fk() -> Column:
    return Column(Integer, ForeignKey(_CASE_FK, ondelete="CASCADE"), nullable=False)


def _user_fk() -> Column:
    return Column(Integer, ForeignKey("ab_user.id"), nullable=True)


class AssignmentKind(Choices):
    ASSIGN = "assign", _l("Assign")
    TRANSFER = "transfer", _l("Transfer")


class PauseReason(Choices):
    HEARING = "hearing", _l("Hearing")
    MATERIAL = "material", _l("Waiting for material from the petitioner")
    APPRAISAL = "appraisal", _l("Appraisal or survey")
    OTHER = "other", _l("Other")


class FollowUpMethod(Choices):
    PHONE = "phone", _l("Phone call")
    VISIT = "visit", _l("Home visit")
    MEETING = "meeting", _l("Meeting at the office")
    SMS = "sms", _l("Text message")
    ONLINE = "online", _l("Online")


class ReviewKind(Choices):
    RECHECK = "recheck", _l("Review (复查)")
    REEXAM = "reexam", _l("Re-review (复核)")


class ReviewOutcome(Choices):
    UPHELD = "upheld", _l("Upheld")
    CHANGED = "changed", _l("Decision changed")
    REVOKED = "revoked", _l("Revoked, to be handled again")


class ClosureKind(Choices):
    REPLY = "reply", _l("After the reply and follow-up")
    AGREEMENT = "agreement", _l("By a mediation agreement")
    FINAL_REVIEW = "final_review", _l("By the final re-review")


class CaseEvent(Model):
    """One step in a case's history. Never updated, never deleted."""

    __tablename__ = "case_event"
    __scope__ = ScopeSpec(parent=("case_id", "Case"))
    __table_args__ = (
        Index("ix_case_event_case", "case_id", "occurred_at"),
        Index("ix_case_event_actor", "actor_id", "occurred_at"),
        UniqueConstraint("token", name="uq_case_event_token"),
    )

    id = Column(Integer, primary_key=True)
    case_id = _case_fk()
    step = Column(String(24), nullable=False)
    from_status = Column(String(16), nullable=True)
    to_status = Column(String(16), nullable=False)
    actor_id = _user_fk()
    # Names as they were at the time: the history must not change when a user is renamed.
    actor_name = Column(String(64), nullable=False, default="")
    actor_unit = Column(String(100), nullable=False, default="")
    occurred_at = Column(DateTime, nullable=False)  # when it happened (may be recorded later)
    recorded_at = Column(DateTime, nullable=False)  # when it was entered
    text = Column(Text, nullable=True)
    details = Column(JSON(none_as_null=True), nullable=True)  # what the step set: unit, deadline …
    # The form's one-time token: a double-clicked step is recognised and applied once.
    token = Column(String(64), nullable=True)

    case = relationship("Case", back_populates="events")


class Instruction(Model):
    """领导批示: a leader's written instruction on a case (a case may get many)."""

    __tablename__ = "case_instruction"
    __scope__ = ScopeSpec(parent=("case_id", "Case"))
    __table_args__ = (Index("ix_case_instruction_case", "case_id"),)

    id = Column(Integer, primary_key=True)
    case_id = _case_fk()
    author_id = _user_fk()
    author_name = Column(String(64), nullable=False)
    instructed_at = Column(DateTime, nullable=False)
    text = Column(Text, nullable=False)


class Assignment(Model):
    """交办/转办 to a unit: its deadlines, receipt, and a send-back (退回) if the unit objects."""

    __tablename__ = "case_assignment"
    __scope__ = ScopeSpec(parent=("case_id", "Case"))
    __table_args__ = (
        Index("ix_case_assignment_case", "case_id"),
        Index("ix_case_assignment_unit", "unit_id"),
    )

    id = Column(Integer, primary_key=True)
    case_id = _case_fk()
    kind = Column(String(16), nullable=False, info={"choices": AssignmentKind})
    unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=False)
    assigned_at = Column(DateTime, nullable=False)
    assigned_by_id = _user_fk()
    note = Column(Text, nullable=True)  # 交办意见
    rule = Column(String(24), nullable=True)  # the deadline rule chosen (RuleCode)
    deadline = Column(DateTime, nullable=False)
    receipt_due_at = Column(DateTime, nullable=False)
    send_back_until = Column(DateTime, nullable=False)
    received_at = Column(DateTime, nullable=True)
    received_by_id = _user_fk()
    is_complex = Column(Boolean, nullable=False, default=False)
    plan_due_at = Column(DateTime, nullable=True)
    returned_at = Column(DateTime, nullable=True)
    returned_by_id = _user_fk()
    return_reason = Column(Text, nullable=True)

    unit = relationship("OrgUnit", lazy="joined")


class JointReview(Model):
    """会审: a complex case reviewed jointly by a lead unit and co-units, with a plan."""

    __tablename__ = "case_joint_review"
    __scope__ = ScopeSpec(parent=("case_id", "Case"))
    __table_args__ = (Index("ix_case_joint_review_case", "case_id"),)

    id = Column(Integer, primary_key=True)
    case_id = _case_fk()
    held_at = Column(DateTime, nullable=False)
    lead_unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=False)
    plan = Column(Text, nullable=False)  # the agreed solution and who does what
    recorded_by_id = _user_fk()

    lead_unit = relationship("OrgUnit", lazy="joined")
    units = relationship("JointReviewUnit", back_populates="review", lazy="selectin")


class JointReviewUnit(Model):
    """A unit taking part in a joint review; co-units see the case (see Case.__scope__)."""

    __tablename__ = "case_joint_review_unit"
    __scope__ = ScopeSpec(parent=("case_id", "Case"))
    __table_args__ = (
        Index("ix_case_jr_unit_unit", "unit_id", "case_id"),
        Index("ix_case_jr_unit_case", "case_id"),
    )

    id = Column(Integer, primary_key=True)
    joint_review_id = Column(
        Integer, ForeignKey("case_joint_review.id", ondelete="CASCADE"), nullable=False
    )
    case_id = _case_fk()  # denormalised: the scope check needs no join
    unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=False)
    is_lead = Column(Boolean, nullable=False, default=False)

    review = relationship("JointReview", back_populates="units")
    unit = relationship("OrgUnit", lazy="joined")


class ProgressReport(Model):
    """办理进展: what the handling unit (or a co-unit) has done so far."""

    __tablename__ = "case_progress"
    __scope__ = ScopeSpec(parent=("case_id", "Case"))
    __table_args__ = (Index("ix_case_progress_case", "case_id"),)

    id = Column(Integer, primary_key=True)
    case_id = _case_fk()
    unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)
    author_id = _user_fk()
    reported_at = Column(DateTime, nullable=False)
    text = Column(Text, nullable=False)


class Extension(Model):
    """延期: requested by the handling unit, decided by a leader; at most once per case."""

    __tablename__ = "case_extension"
    __scope__ = ScopeSpec(parent=("case_id", "Case"))
    __table_args__ = (Index("ix_case_extension_case", "case_id"),)

    id = Column(Integer, primary_key=True)
    case_id = _case_fk()
    requested_at = Column(DateTime, nullable=False)
    requested_by_id = _user_fk()
    days = Column(Integer, nullable=False)
    reason = Column(Text, nullable=False)
    decided_at = Column(DateTime, nullable=True)
    decided_by_id = _user_fk()
    approved = Column(Boolean, nullable=True)
    decision_note = Column(Text, nullable=True)
    due_before = Column(DateTime, nullable=True)
    due_after = Column(DateTime, nullable=True)


class Pause(Model):
    """A stretch of time not counted against the deadline (hearing, waiting for material)."""

    __tablename__ = "case_pause"
    __scope__ = ScopeSpec(parent=("case_id", "Case"))
    __table_args__ = (Index("ix_case_pause_case", "case_id"),)

    id = Column(Integer, primary_key=True)
    case_id = _case_fk()
    reason_kind = Column(String(16), nullable=False, info={"choices": PauseReason})
    reason = Column(Text, nullable=False)
    started_at = Column(DateTime, nullable=False)
    started_by_id = _user_fk()
    ended_at = Column(DateTime, nullable=True)
    ended_by_id = _user_fk()
    days = Column(Integer, nullable=True)  # days not counted, set on resume


class FollowUp(Model):
    """回访: the petitioner asked about the reply, and their rating."""

    __tablename__ = "case_follow_up"
    __scope__ = ScopeSpec(parent=("case_id", "Case"))
    __table_args__ = (Index("ix_case_follow_up_case", "case_id"),)

    id = Column(Integer, primary_key=True)
    case_id = _case_fk()
    followed_up_at = Column(DateTime, nullable=False)
    by_id = _user_fk()
    method = Column(String(16), nullable=False, info={"choices": FollowUpMethod})
    satisfaction = Column(String(16), nullable=False)
    note = Column(Text, nullable=True)


class CaseReview(Model):
    """复查 (review) or 复核 (re-review, final) of the answer, with its own deadline."""

    __tablename__ = "case_review"
    __scope__ = ScopeSpec(parent=("case_id", "Case"))
    __table_args__ = (Index("ix_case_review_case", "case_id"),)

    id = Column(Integer, primary_key=True)
    case_id = _case_fk()
    kind = Column(String(16), nullable=False, info={"choices": ReviewKind})
    requested_at = Column(DateTime, nullable=False)
    requested_by_id = _user_fk()
    reason = Column(Text, nullable=False)
    due_at = Column(DateTime, nullable=False)
    due_term = Column(JSON(none_as_null=True), nullable=True)  # the period due_at comes from (Term)
    # Who decides (Art. 35–36): the level above the body that answered — a 复查 the level above
    # the unit that signed the reply, a 复核 the level above the 复查's. Above the county (the
    # city, outside this system) the county's leaders record the decision made there. Neither
    # set: a review requested before levels were kept, decided by any leader of the area.
    reviewer_unit_id = Column(Integer, ForeignKey("org_unit.id", name="fk_case_review_reviewer_unit"), nullable=True)
    reviewer_above_county = Column(Boolean, nullable=False, default=False, server_default=false())
    decided_at = Column(DateTime, nullable=True)
    decided_by_id = _user_fk()
    outcome = Column(String(16), nullable=True, info={"choices": ReviewOutcome})
    decision = Column(Text, nullable=True)

    reviewer_unit = relationship("OrgUnit", lazy="joined")


class Recusal(Model):
    """回避 (条例 Art. 28): a user with a conflict of interest takes no further step on the case."""

    __tablename__ = "case_recusal"
    __scope__ = ScopeSpec(parent=("case_id", "Case"))
    __table_args__ = (Index("ix_case_recusal_case", "case_id", "user_id"),)

    id = Column(Integer, primary_key=True)
    case_id = _case_fk()
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    reason = Column(Text, nullable=False)
    recused_at = Column(DateTime, nullable=False)


# Records that are history themselves: written once, never changed.
IMMUTABLE = (CaseEvent, Instruction, ProgressReport, FollowUp, Recusal)


@event.listens_for(Session, "before_flush")
def _history_is_append_only(session: Session, flush_context, instances) -> None:  # noqa: ARG001
    from flask_babel import gettext

    from app.cases.models import Case

    for obj in session.dirty:
        if isinstance(obj, IMMUTABLE) and session.is_modified(obj, include_collections=False):
            raise DomainError(gettext("The case history cannot be changed."), code="immutable")
    for obj in session.deleted:
        if isinstance(obj, Case):
            from app.cases.workflow import deletion_refusal

            raise DomainError(deletion_refusal(), code="immutable")
        if isinstance(obj, IMMUTABLE):
            raise DomainError(gettext("The case history cannot be deleted."), code="immutable")
