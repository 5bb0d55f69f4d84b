"""批量导入用户: user accounts from an Excel sheet, through the import mechanism (app/core/imports).

One row is one person: 姓名 (family name first), 用户名, 所属机构 (name, 乡镇/村 or code), 角色
(one or more, separated by 、), 手机, 邮箱 (optional). Every row passes the user form's rules:

- the org unit must be one the importer may choose (a 乡镇管理员: inside their township);
- each role must be one the importer may give to a user of that township
  (`role_rules.assignable_role_ids`: a 乡镇管理员 the non-admin built-in roles and their own
  township's roles) — a role the importer cannot even see reads as unknown;
- the login name and e-mail are free (in the county and within the file).

All or nothing, like every import. Imported users get a password nobody knows and must choose
their own at first login; the uploader takes their initial passwords once, from the finished
job's page (`take_result`: new passwords are drawn then, never stored in clear, the job marked
taken, an audit entry written).
"""

from __future__ import annotations

import io
import re
import secrets
from typing import Any

from flask import current_app
from flask_appbuilder.security.sqla.models import Role
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash

from app.audit.models import AuditEntry, AuditKind
from app.audit.record import entry_row
from app.core.clock import now
from app.core.errors import DomainError
from app.core.imports import (
    CellError,
    ImportColumn,
    ImportContext,
    ImportedRow,
    ImportSpec,
    ParsedRow,
    _norm,
    cell_text,
    list_of,
    text,
)
from app.core.imports.views import ImportView
from app.core.validators import _MOBILE_RE
from app.org.choices import choice_clause
from app.org.directory import OrgDirectory
from app.org.models import OrgUnit
from app.security import role_rules
from app.security.models import AppUser, split_person_name

_LOGIN_RE = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Initial passwords: no look-alike characters (0/O, 1/l/I), every class present.
_LOWER, _UPPER, _DIGITS, _SYMBOLS = "abcdefghijkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "#%+=!@"


def login_name(value: Any, ctx: ImportContext) -> str:  # noqa: ARG001
    name = cell_text(value)
    if not _LOGIN_RE.match(name):
        raise CellError(gettext("2 to 64 letters, digits or _ . @ - (no spaces, no Chinese characters)"))
    return name


def mobile(value: Any, ctx: ImportContext) -> str:  # noqa: ARG001
    number = re.sub(r"[\s-]", "", cell_text(value))
    if not _MOBILE_RE.match(number):
        raise CellError(gettext("Enter an 11-digit mobile number."))
    return number


def email(value: Any, ctx: ImportContext) -> str:  # noqa: ARG001
    address = cell_text(value)
    if len(address) > 254 or not _EMAIL_RE.match(address):
        raise CellError(gettext("Enter a valid e-mail address"))
    return address


UNUSABLE_PASSWORD = "!imported"  # noqa: S105 — not a hash: check_password_hash never matches it


def password_hash(password: str) -> str:
    """Hashed as FAB hashes a password it sets (its configured method)."""
    config = current_app.config
    return generate_password_hash(password, method=config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
                                  salt_length=config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16))


def initial_password() -> str:
    """A password the rule accepts (app/security/auth.py): the minimum length + 2, at least 12."""
    length = max(12, int(current_app.config.get("PASSWORD_MIN_LENGTH", 10)) + 2)
    chars = [secrets.choice(_LOWER), secrets.choice(_UPPER), secrets.choice(_DIGITS), secrets.choice(_SYMBOLS)]
    pool = _LOWER + _UPPER + _DIGITS
    chars += [secrets.choice(pool) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


class UserImport(ImportSpec):
    name = "users"
    table = "ab_user"
    title = _l("User accounts")
    columns = (
        ImportColumn("name", _l("Full name"), text(64), required=True, example="欧阳小明",
                     hint=_l("Family name first. Where the family name is not the first character (or the two "
                             "of a compound name like 欧阳), put a space after it: 单 于明")),
        ImportColumn("username", _l("Username"), login_name, required=True, example="ouyang_xm",
                     hint=_l("What the person signs in with: letters, digits, _ . @ -")),
        ImportColumn("org_unit", _l("Org unit"), text(100), required=True, example="城关镇/红旗村", width=20,
                     hint=_l("The township, village or unit the person works in, as named in the org tree "
                             "(a village as 乡镇/村 where the name occurs twice), or its code")),
        ImportColumn("roles", _l("Roles"), list_of(text(64), max_items=10), required=True, example="登记员、承办人",
                     width=20, hint=_l("One or more roles separated by 、, as named on the role page")),
        ImportColumn("mobile", _l("Mobile phone"), mobile, required=True, example="13800138000", personal="phone"),
        ImportColumn("email", _l("Email address"), email, example="ouyang_xm@example.cn", width=24),
    )
    key_columns = ("username",)
    one_time_result = _l("Download the initial passwords (once)")

    def prepare(self, ctx: ImportContext) -> None:
        session = ctx.session
        importer = session.get(AppUser, ctx.user_id) if ctx.user_id else None
        ctx.cache["importer"] = importer
        ctx.cache["units_allowed"] = set(session.execute(
            select(OrgUnit.id).where(choice_clause("any", ctx.scope))).scalars())
        units = session.execute(select(OrgUnit.id, OrgUnit.name, OrgUnit.code, OrgUnit.township_id)
                                .where(OrgUnit.active.is_(True))).all()
        ctx.cache["units_by_code"] = {u.code.strip().lower(): u for u in units if u.code}
        by_name: dict[str, list[Any]] = {}
        for unit in units:
            by_name.setdefault(_norm(unit.name), []).append(unit)
        ctx.cache["units_by_name"] = by_name
        visible = role_rules.visible_roles(session, importer) if importer is not None else []
        ctx.cache["roles_by_name"] = {role.name.lower(): role for role, _profile in visible}
        ctx.cache["assignable"] = {}
        ctx.cache["logins"] = {n.lower() for n in session.execute(select(AppUser.username)).scalars()}
        ctx.cache["emails"] = {e.lower() for e in session.execute(
            select(AppUser.email).where(AppUser.email.is_not(None))).scalars()}
        ctx.cache["imported"] = set(session.execute(
            select(ImportedRow.fingerprint).where(ImportedRow.spec == self.name)).scalars())
        ctx.cache["in_file"] = {"username": set(), "email": set()}
        OrgDirectory.of(ctx)

    def _unit(self, value: str, ctx: ImportContext) -> tuple[Any, str | None]:
        """所属机构 → the org unit, or why not."""
        directory = OrgDirectory.of(ctx)
        raw = value.strip()
        unit = ctx.cache["units_by_code"].get(raw.lower())
        if unit is None and "/" in raw.replace("／", "/"):
            township_name, _, place = raw.replace("／", "/").partition("/")
            township = directory.township(township_name)
            unit = directory.village(township.id, place) if township is not None and place else None
        if unit is None:
            matches = ctx.cache["units_by_name"].get(_norm(raw), [])
            if len(matches) > 1:
                towns = "、".join(sorted({directory.by_id[m.township_id].name for m in matches
                                          if m.township_id in directory.by_id}))
                return None, gettext("「%(name)s」 names several org units (%(townships)s): write 乡镇/村 or the code",
                                     name=raw, townships=towns)
            unit = matches[0] if matches else None
        if unit is None:
            return None, gettext("No org unit named 「%(name)s」 in the org tree", name=raw)
        if unit.id not in ctx.cache["units_allowed"]:
            return None, gettext("「%(name)s」 is outside your area", name=raw)
        return unit, None

    def check_row(self, values: dict[str, Any], ctx: ImportContext) -> list[DomainError]:
        problems: list[DomainError] = []
        importer = ctx.cache["importer"]
        if importer is None:
            return [DomainError(gettext("You may not grant the role %(role)s", role="、".join(values["roles"])),
                                field="roles")]
        family, given = split_person_name(values["name"])
        if not family or not given:
            problems.append(DomainError(gettext("Write the family name and the given name"), field="name"))
        values["_family"], values["_given"] = family, given

        login = values["username"].lower()
        imported_before = self.fingerprint(values) in ctx.cache["imported"]
        seen = ctx.cache["in_file"]
        if login in seen["username"]:
            problems.append(DomainError(gettext("「%(name)s」 appears twice in the file", name=values["username"]),
                                        field="username"))
        elif login in ctx.cache["logins"] and not imported_before:
            problems.append(DomainError(gettext("The username 「%(name)s」 is taken", name=values["username"]),
                                        field="username"))
        seen["username"].add(login)
        if values.get("email") and not imported_before:
            address = values["email"].lower()
            if address in seen["email"]:
                problems.append(DomainError(gettext("「%(name)s」 appears twice in the file", name=values["email"]),
                                            field="email"))
            elif address in ctx.cache["emails"]:
                problems.append(DomainError(gettext("The e-mail address 「%(name)s」 is taken", name=values["email"]),
                                            field="email"))
            seen["email"].add(address)

        unit, problem = self._unit(values["org_unit"], ctx)
        if problem:
            problems.append(DomainError(problem, field="org_unit"))
            return problems
        values["_org_unit_id"] = unit.id
        township = unit.township_id
        allowed = ctx.cache["assignable"].get(township)
        if allowed is None:
            allowed = ctx.cache["assignable"][township] = role_rules.assignable_role_ids(ctx.session, importer, township)
        role_ids, unknown, refused = [], [], []
        for name in values["roles"]:
            role = ctx.cache["roles_by_name"].get(name.lower())
            if role is None:
                unknown.append(name)
            elif role.id not in allowed:
                refused.append(role.name)
            elif role.id not in role_ids:
                role_ids.append(role.id)
        if unknown:
            problems.append(DomainError(gettext("No role named %(names)s", names="、".join(f"「{n}」" for n in unknown)),
                                        field="roles"))
        if refused:
            problems.append(DomainError(gettext("You may not grant the role %(role)s to a user of this org unit",
                                                role="、".join(refused)), field="roles"))
        values["_role_ids"] = role_ids
        return problems

    def save(self, rows: list[ParsedRow], ctx: ImportContext) -> list[int]:
        session = ctx.session
        roles = {r.id: r for r in session.execute(select(Role)).scalars()}
        importer_id = ctx.user_id
        users = []
        for row in rows:
            values = row.values
            user = AppUser(
                first_name=values["_given"], last_name=values["_family"], username=values["username"],
                email=values.get("email") or None, mobile=values["mobile"], org_unit_id=values["_org_unit_id"],
                active=True, must_change_password=True,
                # No password matches this (not a hash): the uploader takes the initial ones
                # from the job; hashing one per row would cost a 20,000-row import minutes.
                password=UNUSABLE_PASSWORD,
                created_on=now(), changed_on=now(), created_by_fk=importer_id, changed_by_fk=importer_id,
            )
            user.roles = [roles[i] for i in values["_role_ids"]]
            session.add(user)
            users.append(user)
        # Each new user (roles too; the password as ******) is audited by the flush capture.
        session.flush()
        return [user.id for user in users]

    def take_result(self, record_ids: list[int], ctx: ImportContext) -> tuple[str, bytes]:
        """New initial passwords for the job's users that have not signed in yet, as a sheet."""
        import xlsxwriter

        session = ctx.session
        users = session.execute(
            select(AppUser).where(AppUser.id.in_(record_ids), AppUser.last_login.is_(None))
            .order_by(AppUser.id)).unique().scalars().all() if record_ids else []
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True})
        sheet = book.add_worksheet(gettext("Initial passwords"))
        head = book.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1})
        headers = [gettext("Full name"), gettext("Username"), gettext("Org unit"), gettext("Roles"),
                   gettext("Initial password")]
        for col, label in enumerate(headers):
            sheet.write_string(0, col, label, head)
        sheet.set_column(0, 0, 12)
        sheet.set_column(1, 3, 20)
        sheet.set_column(4, 4, 20)
        for row, user in enumerate(users, start=1):
            password = initial_password()
            user.password = password_hash(password)
            user.must_change_password = True
            user.fail_login_count = 0
            user.locked_at = None
            for col, value in enumerate([str(user), user.username, user.org_unit.name if user.org_unit else "",
                                         "、".join(r.name for r in user.roles), password]):
                sheet.write_string(row, col, value)
        sheet.write_string(len(users) + 2, 0, gettext(
            "Each person must choose their own password at the first login. This sheet cannot be downloaded again."))
        book.close()
        # In the request's transaction: the entry commits with the passwords it speaks of.
        session.execute(insert(AuditEntry.__table__), [entry_row(
            AuditKind.UPDATE, model="import_job", record_id=ctx.job_id,
            summary=gettext("Initial passwords handed out"), details={"users": [u.username for u in users]})])
        return gettext("Initial passwords %(id)s.xlsx", id=ctx.job_id), buffer.getvalue()


USER_IMPORT = UserImport()


class UserImportView(ImportView):
    spec = USER_IMPORT
    permission_group = "user_import"
    route_base = "/users/import"
    list_endpoint = "AppUserView.list"

