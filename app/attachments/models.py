"""Attachment records. The file itself lives under the instance folder (see storage.py).

`AttachmentMixin` holds what every attachment has; each kind of parent gets its own small table
with a real foreign key and a scope through the parent (`ScopeSpec(parent=…)`: the file is seen
exactly where its record is, 检举控告 exclusion included): cases, ledger entries, mediation records,
督办 answers, joint meetings. Another kind is one more class here, a migration, and a subclass of
`AttachmentView` (views.py); storage.py and the API's `AttachmentEndpoints` serve it unchanged.
"""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, ForeignKey, Index, Integer, String
from sqlalchemy.orm import declared_attr, relationship

from app.core.models import Stamped
from app.core.scoping import ScopeSpec


class AttachmentMixin(Stamped):
    """A stored file: its name as uploaded, the random name it is kept under, type and size.

    Attachments are not edited (a wrong file is deleted and uploaded again), so no version.
    """

    original_name = Column(String(255), nullable=False)
    stored_name = Column(String(64), nullable=False)
    content_type = Column(String(100), nullable=False)
    size = Column(Integer, nullable=False)
    sha256 = Column(String(64), nullable=False)
    description = Column(String(200), nullable=True)

    @declared_attr.directive
    def __table_args__(cls):  # noqa: N805
        return (Index(f"uq_{cls.__tablename__}_stored_name", "stored_name", unique=True),)

    def __repr__(self) -> str:
        return self.original_name or ""


class CaseAttachment(AttachmentMixin, Model):
    __tablename__ = "case_attachment"
    __scope__ = ScopeSpec(parent=("case_id", "Case"))

    id = Column(Integer, primary_key=True)
    case_id = Column(
        Integer, ForeignKey("petition_case.id", ondelete="CASCADE"), nullable=False, index=True
    )
    case = relationship("Case")


# --- the other records that keep files (issue 19): one small table each, the same mixin ------------


class LedgerAttachment(AttachmentMixin, Model):
    """A file kept with a dispute ledger entry (a site photo, a signed commitment)."""

    __tablename__ = "ledger_entry_attachment"
    __scope__ = ScopeSpec(parent=("entry_id", "LedgerEntry"))

    id = Column(Integer, primary_key=True)
    entry_id = Column(
        Integer, ForeignKey("ledger_entry.id", ondelete="CASCADE"), nullable=False, index=True
    )
    entry = relationship("LedgerEntry")


class MediationAttachment(AttachmentMixin, Model):
    """A file kept with a mediation record (the signed agreement, 调解协议书)."""

    __tablename__ = "mediation_record_attachment"
    __scope__ = ScopeSpec(parent=("record_id", "MediationRecord"))

    id = Column(Integer, primary_key=True)
    record_id = Column(
        Integer, ForeignKey("mediation_record.id", ondelete="CASCADE"), nullable=False, index=True
    )
    record = relationship("MediationRecord")


class AnswerAttachment(AttachmentMixin, Model):
    """A file kept with a unit's written answer to a 督办单 (the signed answer, evidence)."""

    __tablename__ = "supervision_answer_attachment"
    __scope__ = ScopeSpec(parent=("answer_id", "OrderAnswer"))

    id = Column(Integer, primary_key=True)
    answer_id = Column(
        Integer, ForeignKey("supervision_order_answer.id", ondelete="CASCADE"), nullable=False, index=True
    )
    answer = relationship("OrderAnswer")


class MeetingAttachment(AttachmentMixin, Model):
    """A file kept with a joint meeting (its minutes, 会议纪要)."""

    __tablename__ = "joint_meeting_attachment"
    __scope__ = ScopeSpec(parent=("meeting_id", "JointMeeting"))

    id = Column(Integer, primary_key=True)
    meeting_id = Column(
        Integer, ForeignKey("joint_meeting.id", ondelete="CASCADE"), nullable=False, index=True
    )
    meeting = relationship("JointMeeting")
