"""API clients: the other platforms a county connects (the 12345 hotline, the higher-level
petition information system …), each acting through a technical user.

An administrator registers a client with the role and org unit it works as. The client gets a
technical `AppUser` of its own (never used to sign in: its password is random and unknown), so
every rule that looks at a user — scoping, permissions, masking, the workflow's who-may-do-what,
the audit log — treats the platform exactly like a person with that role in that unit. Its API
keys are Flask-AppBuilder `ApiKey` rows of that user: issued, listed and revoked from the
client's page; only a hash is kept.
"""

from __future__ import annotations

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import relationship

from app.core.choices import Choices
from app.core.models import Stamped, Versioned
from app.core.scoping import ScopeSpec
from app.security.roles import RoleName


class ClientRole(Choices):
    """Roles a platform may act as (never an administrator: keys leave the building)."""

    CLERK = RoleName.CLERK, _l("Clerk (registers petitions)")
    HANDLER = RoleName.HANDLER, _l("Handler (handles assigned cases)")
    LEADER = RoleName.LEADER, _l("Leader (reads and instructs)")
    SUPERVISOR = RoleName.SUPERVISOR, _l("Supervisor (reads)")
    MANAGER = RoleName.MANAGER, _l("Manager (reads)")


class ApiClient(Stamped, Versioned, Model):
    __tablename__ = "api_client"
    # Seen by administrators of the org unit the platform works for.
    __scope__ = ScopeSpec(org_unit="org_unit_id")
    __table_args__ = (Index("ix_api_client_org_unit", "org_unit_id"),)

    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False, unique=True)
    # Stamped on the cases the platform creates (with its own id for each): idempotent creation.
    source = Column(String(32), nullable=False, unique=True)
    role = Column(String(16), nullable=False, info={"choices": ClientRole})
    org_unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=False)
    user_id = Column(Integer, ForeignKey("ab_user.id", name="fk_api_client_user"), nullable=True)
    active = Column(Boolean, nullable=False, default=True)
    note = Column(Text, nullable=True)

    org_unit = relationship("OrgUnit", lazy="joined")
    user = relationship("AppUser", foreign_keys=[user_id])

    def __repr__(self) -> str:
        return self.name or ""
