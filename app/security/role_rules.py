"""Who may see, assign, change and delete which role — and the change itself, audited.

- A 系统管理员 sees and edits every administrator-made role and grants anything.
- A 乡镇管理员 sees the built-in roles (read-only) and the roles of their own township; roles
  they make belong to their township, are assignable only there, and hold only grants the
  administrator's own roles hold (no escalation); 用户管理/角色管理/系统管理 only a 系统管理员 grants.
- Built-in roles are read-only (app/security/roles.py says what they hold); they can be copied.
- A role some user holds cannot be deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import current_app
from flask_appbuilder.security.sqla.models import Role, assoc_user_role
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditKind
from app.audit.record import record_event
from app.core.errors import DomainError
from app.security.grants import (
    LEVEL_BY_KEY,
    catalogue,
    grant_pairs,
    group_label,
    is_reserved,
)
from app.security.models import AppUser, RoleGrant, RoleProfile
from app.security.roles import RoleName

NAME_LENGTH = 64  # ab_role.name
PUBLIC = "Public"


class RoleRefused(DomainError):
    """Beyond the actor's authority (not bad input): answered with 403."""


def is_admin(user: Any) -> bool:
    return RoleName.ADMIN in {r.name for r in getattr(user, "roles", None) or ()}


def is_township_admin(user: Any) -> bool:
    return RoleName.TOWNSHIP_ADMIN in {r.name for r in getattr(user, "roles", None) or ()}


def township_of(user: Any) -> int | None:
    org = getattr(user, "org_unit", None)
    return getattr(org, "township_id", None) if org is not None else None


def grants_of(session: Session, role_ids: Iterable[int]) -> dict[str, frozenset[str]]:
    """group → level keys held by any of the roles."""
    out: dict[str, set[str]] = {}
    ids = list(role_ids)
    if ids:
        for group, level in session.execute(
            select(RoleGrant.group, RoleGrant.level).where(RoleGrant.role_id.in_(ids))
        ):
            out.setdefault(group, set()).add(level)
    return {group: frozenset(levels) for group, levels in out.items()}


def grantable(session: Session, user: Any) -> frozenset[tuple[str, str]] | None:
    """The (group, level) grants `user` may hand out: None for everything (系统管理员); else
    what their own roles hold, without the reserved groups."""
    if is_admin(user):
        return None
    held = grants_of(session, [r.id for r in user.roles])
    return frozenset(pair for pair in grant_pairs(held) if not is_reserved(pair[0]))


def profile_of(session: Session, role: Role) -> RoleProfile | None:
    return session.get(RoleProfile, role.id)


def visible_roles(session: Session, user: Any) -> list[tuple[Role, RoleProfile | None]]:
    """The roles the user's role pages list, built-in first, then by name."""
    rows = session.execute(
        select(Role, RoleProfile).outerjoin(RoleProfile, RoleProfile.role_id == Role.id)
        .where(Role.name != PUBLIC)
    ).all()
    township = township_of(user)
    out = []
    for role, profile in rows:
        built_in = profile is None or profile.built_in
        if is_admin(user) or built_in or (
            is_township_admin(user) and township is not None and profile.org_unit_id == township
        ):
            out.append((role, profile))
    out.sort(key=lambda rp: (not (rp[1] is None or rp[1].built_in), _builtin_order(rp[0].name), rp[0].name))
    return out


def _builtin_order(name: str) -> int:
    return RoleName.ALL.index(name) if name in RoleName.ALL else len(RoleName.ALL)


def visible_role(session: Session, user: Any, role_id: Any) -> tuple[Role, RoleProfile | None] | None:
    try:
        wanted = int(role_id)
    except (TypeError, ValueError):
        return None
    for role, profile in visible_roles(session, user):
        if role.id == wanted:
            return role, profile
    return None


def may_edit(user: Any, profile: RoleProfile | None) -> bool:
    if profile is None or profile.built_in:
        return False
    if is_admin(user):
        return True
    return is_township_admin(user) and profile.org_unit_id is not None and profile.org_unit_id == township_of(user)


def assignable_role_ids(session: Session, user: Any, township_id: int | None = None) -> set[int]:
    """Roles `user` may give to users (of `township_id`, when known): a 系统管理员 every role
    but a township's roles outside that township; a 乡镇管理员 the non-admin built-in roles and
    their township's roles."""
    with session.no_autoflush:  # the user form's new user is not in the session yet
        rows = session.execute(
            select(Role.id, Role.name, RoleProfile.built_in, RoleProfile.org_unit_id)
            .outerjoin(RoleProfile, RoleProfile.role_id == Role.id).where(Role.name != PUBLIC)
        ).all()
    admin, own = is_admin(user), township_of(user)
    out = set()
    for role_id, name, built_in, org_unit_id in rows:
        if built_in is None or built_in:
            if admin or (is_township_admin(user) and name in RoleName.GRANTABLE_BY_TOWNSHIP_ADMIN):
                out.add(role_id)
        elif admin:
            if org_unit_id is None or township_id is None or org_unit_id == township_id:
                out.add(role_id)
        elif is_township_admin(user) and own is not None and org_unit_id == own:
            out.add(role_id)
    return out


def users_of(session: Session, role: Role) -> list[str]:
    """Who holds the role: "韩德福（clerk）"…"""
    users = session.execute(
        select(AppUser).join(assoc_user_role, assoc_user_role.c.user_id == AppUser.id)
        .where(assoc_user_role.c.role_id == role.id).order_by(AppUser.username)
    ).scalars().all()
    return [f"{u}（{u.username}）" for u in users]


# --- changes ----------------------------------------------------------------------------------------


def parse_grants(values: Iterable[str]) -> dict[str, frozenset[str]]:
    """Form values "group:level" → group → level keys (unknown ones are refused by `save_role`)."""
    out: dict[str, set[str]] = {}
    for value in values:
        group, _, level = (value or "").partition(":")
        if group and level:
            out.setdefault(group, set()).add(level)
    return {group: frozenset(levels) for group, levels in out.items()}


def _check_grants(session: Session, actor: Any, grants: Mapping[str, frozenset[str]]) -> None:
    offered = {(row.group, level.key) for row in catalogue(current_app.appbuilder) for level in row.levels}
    wanted = grant_pairs(grants)
    if wanted - offered:
        raise DomainError(gettext("Unknown grant"), field="grants")
    allowed = grantable(session, actor)
    if allowed is None:
        return
    beyond = sorted(wanted - allowed)
    if beyond:
        reserved = sorted({group_label(g) for g, _ in beyond if is_reserved(g)})
        if reserved:
            raise RoleRefused(gettext("Only a system administrator grants %(groups)s",
                                      groups="、".join(reserved)), field="grants")
        names = "、".join(f"{group_label(g)} · {LEVEL_BY_KEY[lv].label}" for g, lv in beyond)
        raise RoleRefused(gettext("You may not grant what your own roles do not hold: %(grants)s",
                                  grants=names), field="grants")


def _check_name(session: Session, name: str, role: Role | None, township_id: int | None) -> str:
    """The role's name, or why not. FAB keeps role names unique in the whole county (ab_role.name),
    so two townships cannot both have a 村排查员: the message says so and proposes the name with
    the township in front (城关镇村排查员)."""
    name = (name or "").strip()
    if not name:
        raise DomainError(gettext("Enter the role's name"), field="name")
    if len(name) > NAME_LENGTH:
        raise DomainError(gettext("At most %(n)d characters", n=NAME_LENGTH), field="name")
    clash = session.execute(
        select(Role.id, RoleProfile.built_in, RoleProfile.org_unit_id)
        .outerjoin(RoleProfile, RoleProfile.role_id == Role.id)
        .where(func.lower(Role.name) == name.lower())
    ).first()
    if clash is None or (role is not None and clash.id == role.id):
        return name
    if clash.built_in is None or clash.built_in or name == PUBLIC:
        raise DomainError(gettext("「%(name)s」 is the name of a built-in role; choose another name", name=name),
                          field="name")
    if clash.org_unit_id == township_id:
        raise DomainError(gettext("A role of this name exists already"), field="name")
    from app.org.models import OrgUnit

    township = session.get(OrgUnit, township_id) if township_id is not None else None
    example = f"{township.name}{name}" if township is not None else gettext("County %(name)s", name=name)
    raise DomainError(gettext(
        "Role names are unique in the whole county: 「%(name)s」 is the name of a role of another township "
        "or of the county. Choose another name, e.g. 「%(example)s」", name=name, example=example[:NAME_LENGTH]),
        field="name")


def save_role(
    session: Session, actor: Any, role: Role | None, *, name: str, description: str,
    grants: Mapping[str, frozenset[str]], org_unit_id: int | None = None,
) -> Role:
    """Create (role None) or change an administrator-made role; commits, then audits."""
    role, details = write_role(session, actor, role, name=name, description=description, grants=grants,
                               org_unit_id=org_unit_id)
    session.commit()
    record_event(AuditKind.PERMISSION, model="ab_role", record_id=role.id, summary=role.name[:255], details=details)
    return role


def write_role(
    session: Session, actor: Any, role: Role | None, *, name: str, description: str,
    grants: Mapping[str, frozenset[str]], org_unit_id: int | None = None,
) -> tuple[Role, dict[str, Any]]:
    """The checks and the rows of `save_role`, uncommitted (the demo seed uses it in its one
    transaction); returns the role and what changed, for the audit entry."""
    sm = current_app.appbuilder.sm
    if role is not None and not may_edit(actor, profile_of(session, role)):
        raise RoleRefused(gettext("You may not change this role"))
    if not is_admin(actor):
        org_unit_id = township_of(actor)
        if org_unit_id is None:
            raise RoleRefused(gettext("You may not change this role"))
    name = _check_name(session, name, role, org_unit_id)
    _check_grants(session, actor, grants)
    grants = {g: lv for g, lv in grants.items() if lv}
    old_name, old_description, old_grants = "", "", {}
    if role is None:
        role = Role(name=name)
        session.add(role)
        session.flush()
        profile = RoleProfile(role_id=role.id, built_in=False, org_unit_id=org_unit_id)
        session.add(profile)
    else:
        profile = profile_of(session, role)
        old_name, old_description = role.name, profile.description or ""
        old_grants = grants_of(session, [role.id])
        if is_admin(actor):
            profile.org_unit_id = org_unit_id
    role.name = name
    profile.description = (description or "").strip()[:255] or None
    held = {(r.group, r.level): r for r in session.execute(
        select(RoleGrant).where(RoleGrant.role_id == role.id)).scalars()}
    wanted = grant_pairs(grants)
    for key, row in held.items():
        if key not in wanted:
            session.delete(row)
    for group, level in sorted(wanted - set(held)):
        session.add(RoleGrant(role_id=role.id, group=group, level=level))
    sm.apply_grants(role, grants)
    details: dict[str, Any] = {"role": name, "grants": grant_changes(old_grants, grants)}
    if old_name and old_name != name:
        details["name"] = {"old": old_name, "new": name}
    if old_description != (profile.description or ""):
        details["description"] = {"old": old_description, "new": profile.description or ""}
    return role, details


def grant_changes(old: Mapping[str, frozenset[str]], new: Mapping[str, frozenset[str]]) -> list[dict[str, str]]:
    """Each grant that changed: "信访件 · 导出: 未授予 → 授予"."""
    before, after = grant_pairs(old), grant_pairs(new)
    yes, no = gettext("granted"), gettext("not granted")
    out = []
    for group, level in sorted(before ^ after):
        label = LEVEL_BY_KEY[level].label if level in LEVEL_BY_KEY else level
        out.append({
            "grant": f"{group_label(group)} · {label}",
            "old": yes if (group, level) in before else no,
            "new": yes if (group, level) in after else no,
        })
    return out


def delete_role(session: Session, actor: Any, role: Role) -> None:
    profile = profile_of(session, role)
    if not may_edit(actor, profile):
        raise RoleRefused(gettext("You may not change this role"))
    holders = users_of(session, role)
    if holders:
        raise DomainError(gettext("The role is in use and cannot be deleted; held by: %(users)s",
                                  users="、".join(holders)))
    name, role_id, old = role.name, role.id, grants_of(session, [role.id])
    role.permissions = []
    session.execute(RoleGrant.__table__.delete().where(RoleGrant.role_id == role.id))
    session.delete(profile)
    session.delete(role)
    session.commit()
    record_event(AuditKind.PERMISSION, model="ab_role", record_id=role_id, summary=name[:255],
                 details={"role": name, "deleted": True, "grants": grant_changes(old, {})})
