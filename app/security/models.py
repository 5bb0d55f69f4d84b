"""Flask-AppBuilder's user, extended with the org unit the user works in and login safety flags."""

from __future__ import annotations

from typing import Any

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import relationship

from app.core.scoping import ScopeSpec


def person_name(user: Any) -> str:
    """A person's name as Chinese writes it: family name then given name, no space (韩德福).
    The one definition; FAB's own "first last" is replaced by it (AppUser.get_full_name)."""
    if user is None:
        return ""
    return f"{user.last_name or ''}{user.first_name or ''}"


# Two-character family names (复姓) as they occur; any other name's family name is its first character.
COMPOUND_FAMILY_NAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 端木 独孤 南宫 西门 百里 呼延 "
    "轩辕 申屠 闻人 太史 濮阳 澹台 公冶 宗政 单于 赫连 钟离 万俟 拓跋 鲜于 闾丘 司空 亓官 仲孙 左丘 东郭".split()
)


def split_person_name(name: str) -> tuple[str, str]:
    """The inverse of `person_name`: 韩德福 → (韩, 德福), 欧阳小明 → (欧阳, 小明); a space (or a
    "·") marks the family name where the rule would guess wrong (单 于明 → (单, 于明))."""
    name = (name or "").strip()
    for mark in (" ", "\u3000", "·"):
        if mark in name:
            family, _, given = name.partition(mark)
            return family.strip(), given.replace(" ", "").strip()
    if len(name) > 2 and name[:2] in COMPOUND_FAMILY_NAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


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



class RoleProfile(Model):
    """What FAB's role (ab_role) does not say: built in or administrator-made, the township an
    administrator-made role belongs to (None: county-wide, made by a 系统管理员), a description."""

    __tablename__ = "role_profile"

    role_id = Column(Integer, ForeignKey("ab_role.id", ondelete="CASCADE"), primary_key=True)
    org_unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True, index=True)
    built_in = Column(Boolean, nullable=False, default=False, server_default=false())
    description = Column(String(255), nullable=True)

    role = relationship("Role", foreign_keys=[role_id], lazy="joined")
    org_unit = relationship("OrgUnit", foreign_keys=[org_unit_id], lazy="joined")

    def __str__(self) -> str:
        return self.role.name if self.role is not None else str(self.role_id)


class RoleGrant(Model):
    """One grant of a role: a permission group at one access level (app/security/grants.py)."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("role_id", "group", "level", name="uq_role_grant"),)

    id = Column(Integer, primary_key=True)
    role_id = Column(Integer, ForeignKey("ab_role.id", ondelete="CASCADE"), nullable=False, index=True)
    group = Column(String(64), nullable=False)
    level = Column(String(32), nullable=False)

    def __str__(self) -> str:
        """The grant as the audit log and the editor read it: 信访件 · 查看."""
        from app.security.grants import LEVEL_BY_KEY, group_label

        level = LEVEL_BY_KEY.get(self.level)
        return f"{group_label(self.group)} · {level.label if level else self.level}"
