"""The policy knowledge base: 政策法规 (laws, regulations, policy documents), answered questions
(政策问答) and reply templates (答复模板) a handler inserts into a reply.

County-wide reference data, not scoped: every user reads it; the administrator and whoever holds
the "knowledge" grant keep it. The texts are searched by keyword through the same trigram
indexes as the cases (app/core/search.py TEXT_INDEXES).
"""

from __future__ import annotations

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, Integer, String, Text, true
from sqlalchemy.orm import relationship

from app.core.choices import Choices
from app.core.models import Stamped, Versioned


class PolicyStatus(Choices):
    IN_FORCE = "in_force", _l("In force")
    REPEALED = "repealed", _l("Repealed")


class PolicyDocument(Stamped, Versioned, Model):
    """One law, regulation or policy document: title, 文号, issuing body, date, subject, text."""

    __tablename__ = "policy_document"
    __table_args__ = (Index("ix_policy_document_subject", "subject_id", "status"),)

    id = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False)
    doc_number = Column(String(100), nullable=True)  # 文号, e.g. 国务院令第724号
    issuer = Column(String(100), nullable=True)  # 发布机关
    issued_on = Column(Date, nullable=True)
    subject_id = Column(Integer, ForeignKey("subject.id"), nullable=True)
    body = Column(Text, nullable=False, default="")
    status = Column(String(16), nullable=False, default=PolicyStatus.IN_FORCE.value,
                    info={"choices": PolicyStatus})

    subject = relationship("Subject", lazy="joined")

    def __repr__(self) -> str:
        return self.title or ""


class PolicyAnswer(Stamped, Versioned, Model):
    """政策问答: a question people ask and the answer the office gives, optionally from a case."""

    __tablename__ = "policy_answer"
    __table_args__ = (Index("ix_policy_answer_subject", "subject_id"),)

    id = Column(Integer, primary_key=True)
    question = Column(String(500), nullable=False)
    answer = Column(Text, nullable=False, default="")
    subject_id = Column(Integer, ForeignKey("subject.id"), nullable=True)
    source_case_id = Column(Integer, ForeignKey("petition_case.id", ondelete="SET NULL"), nullable=True)

    subject = relationship("Subject", lazy="joined")
    source_case = relationship("Case", lazy="select")

    def __repr__(self) -> str:
        return self.question or ""


class ReplyTemplate(Stamped, Versioned, Model):
    """A named reply text with placeholders ({信访人}, {编号} …) filled from the case on insertion
    (app/knowledge/placeholders.py); a subject makes it offered first for that subject's cases."""

    __tablename__ = "reply_template"

    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False, unique=True)
    subject_id = Column(Integer, ForeignKey("subject.id"), nullable=True)
    body = Column(Text, nullable=False, default="")
    active = Column(Boolean, nullable=False, default=True, server_default=true())

    subject = relationship("Subject", lazy="joined")

    def __repr__(self) -> str:
        return self.name or ""
