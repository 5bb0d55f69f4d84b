"""The portal's tables: a case's query code, and the letters chosen for public reading.

Both hang off a case and are scoped through it (a clerk of another township never sees them).
"""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from app.cases.models import Mailbox
from app.core.clock import now
from app.core.models import Stamped, Versioned
from app.core.scoping import ScopeSpec


class QueryCode(Model):
    """The query code of an online petition — only as keyed hashes (see codes.py)."""

    __tablename__ = "portal_query_code"
    __scope__ = ScopeSpec(parent=("case_id", "Case"))
    __table_args__ = (
        UniqueConstraint("code_hash", name="uq_portal_query_code_hash"),
        UniqueConstraint("case_id", name="uq_portal_query_code_case"),
    )

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("petition_case.id", ondelete="CASCADE"), nullable=False)
    # Hashes, not secrets — but nothing to read in the audit log either.
    code_hash = Column(String(64), nullable=False, info={"audit": "skip"})
    pair_hash = Column(String(64), nullable=False, info={"audit": "skip"})
    created_at = Column(DateTime, nullable=False, default=now)

    case = relationship("Case")


class PublishedLetter(Stamped, Versioned, Model):
    """A replied mailbox letter chosen for the public page, as approved: personal data removed.

    A snapshot, not a view of the case: what the public reads is exactly what the clerk or
    administrator approved, whatever happens to the case later. Withdrawing deletes the row.
    """

    __tablename__ = "portal_published_letter"
    __scope__ = ScopeSpec(parent=("case_id", "Case"))
    __table_args__ = (
        UniqueConstraint("case_id", name="uq_portal_published_letter_case"),
        Index("ix_portal_published_letter_published", "published_at"),
    )

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("petition_case.id", ondelete="CASCADE"), nullable=False)
    mailbox = Column(String(16), nullable=False, info={"choices": Mailbox})
    mailbox_name = Column(String(100), nullable=False)  # 县长信箱, 县住建局信箱 …
    title = Column(String(200), nullable=False)
    content = Column(Text, nullable=False)
    reply = Column(Text, nullable=False)
    received_at = Column(DateTime, nullable=False)
    replied_at = Column(DateTime, nullable=False)
    published_at = Column(DateTime, nullable=False, default=now)

    case = relationship("Case")

    def __repr__(self) -> str:
        return self.title or ""
