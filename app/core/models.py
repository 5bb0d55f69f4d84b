"""Column mixins every domain model uses: who/when stamps and the optimistic-lock version."""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context
from sqlalchemy import Column, DateTime, ForeignKey, Integer
from sqlalchemy.orm import declared_attr, relationship

from app.core.clock import now


def current_user_id() -> int | None:
    if not has_request_context():
        return None
    user = getattr(g, "user", None)
    return getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None


class Stamped:
    """created/updated time and user, filled automatically."""

    created_at = Column(DateTime, nullable=False, default=now)
    updated_at = Column(DateTime, nullable=False, default=now, onupdate=now)

    @declared_attr
    def created_by_id(cls):  # noqa: N805, ANN201
        return Column(Integer, ForeignKey("ab_user.id"), nullable=True, default=current_user_id)

    @declared_attr
    def updated_by_id(cls):  # noqa: N805, ANN201
        return Column(
            Integer,
            ForeignKey("ab_user.id"),
            nullable=True,
            default=current_user_id,
            onupdate=current_user_id,
        )

    @declared_attr
    def created_by(cls):  # noqa: N805, ANN201
        return relationship("AppUser", foreign_keys=[cls.created_by_id], lazy="select")

    @declared_attr
    def updated_by(cls):  # noqa: N805, ANN201
        return relationship("AppUser", foreign_keys=[cls.updated_by_id], lazy="select")


class Versioned:
    """Optimistic locking: every UPDATE checks and bumps `version` (SQLAlchemy version_id_col).

    A save based on an old copy raises StaleDataError instead of overwriting the newer one;
    the base view also compares the version the form was loaded with.
    """

    version = Column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        return {"version_id_col": cls.version}
