"""Flask-AppBuilder's user, extended with the org unit the user works in and login safety flags."""

from __future__ import annotations

from typing import Any

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, false, text
from sqlalchemy.orm import relationship

from app.core.scoping import ScopeSpec


def person_name(user: Any) -> str:
    """A person's name as Chinese writes it: family name then given name, no space (韩德福).
    The one definition; FAB's own "first last" is replaced by it (AppUser.get_full_name)."""
    if user is None:
        return ""
    return f"{user.last_name or ''}{user.first_name or ''}"


# E-mail is optional (village staff often have none). FAB declares the column NOT NULL; it stays
# unique, and "no e-mail" is stored as NULL (several NULLs never clash), never "".
User.__table__.c.email.nullable = True


class AppUser(User):
    # Same table as FAB's user (FAB's documented way to extend it): the columns are added to
    # ab_user and every FAB query for users returns AppUser.
    __tablename__ = "ab_user"
    __scope__ = ScopeSpec(org_unit="org_unit_id")

    org_unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True, index=True)
    org_unit = relationship("OrgUnit", foreign_keys=[org_unit_id], lazy="joined")
    # Set when too many wrong passwords were tried in a row (AUTH_LOCKOUT_THRESHOLD); the lock
    # runs out by itself (app/security/auth.py: lock_minutes) or an administrator lifts it.
    locked_at = Column(DateTime, nullable=True)
    # Locks since the last successful login: each lasts twice as long as the one before, and the
    # user is told about them when they next sign in.
    lockout_count = Column(Integer, nullable=False, default=0, server_default=text("0"))
    # The user must choose a new password before doing anything else: demo accounts outside demo
    # mode, and passwords an administrator set for someone else.
    must_change_password = Column(Boolean, nullable=False, default=False, server_default=false())
    # Raised to end every session and access token of the user at once (app/core/sessions.py).
    session_epoch = Column(Integer, nullable=False, default=0, server_default=text("0"))
    # Where text messages of the notifications the user asked for go (app/notifications).
    mobile = Column(String(20), nullable=True)

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(role.name for role in self.roles)

    def get_full_name(self) -> str:
        return person_name(self)

    def __str__(self) -> str:
        return person_name(self)

    def __repr__(self) -> str:
        return person_name(self)

