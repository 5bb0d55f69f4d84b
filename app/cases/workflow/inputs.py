"""Input coercion: form values into texts, numbers, choices, dates, units and cases; form defaults."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases.models import Case, Category, Mailbox
from app.core.clock import now as wall_clock
from app.core.errors import DomainError
from app.core.scoping import Scope, scope_clause
from app.deadlines.models import RuleCode
from app.deadlines.policy import DeadlinePolicy, current_policy
from app.org.models import RESPONSIBLE_KINDS, OrgKind, OrgUnit
from app.org.scoping import scope_for_user

if TYPE_CHECKING:
    from app.cases.workflow.engine import Input, Step


MAX_TEXT = 20000


_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")


def _required(inp: Input) -> DomainError:
    return DomainError(gettext("Please fill in “%(label)s”.", label=inp.label), field=inp.name)


def _parse_datetime(value: str) -> datetime | None:
    for fmt in _DATETIME_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    try:
        return datetime.combine(datetime.strptime(value, "%Y-%m-%d").date(), time(12, 0))
    except ValueError:
        return None


def _unit(value: Any) -> OrgUnit | None:
    from app.extensions import db

    if isinstance(value, OrgUnit):
        return value
    try:
        unit = db.session.get(OrgUnit, int(value))
    except (TypeError, ValueError):
        return None
    if unit is None or not unit.active or OrgKind(unit.kind) not in RESPONSIBLE_KINDS:
        return None
    return unit


def _user(value: Any) -> Any:
    from app.extensions import db
    from app.security.models import AppUser

    if isinstance(value, AppUser):
        return value
    try:
        user = db.session.get(AppUser, int(value))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.active else None


def _case_in_area(value: Any, actor: Any, session: Session) -> Case | None:
    if isinstance(value, Case):
        return value
    number = str(value or "").strip().upper()
    if not number:
        return None
    scope: Scope = scope_for_user(actor)
    return session.execute(
        select(Case).where(Case.number == number, scope_clause(Case, scope))
    ).scalar_one_or_none()


def coerce_inputs(step_def: Step, raw: Mapping[str, Any], actor: Any, session: Session) -> dict[str, Any]:
    """Turn form strings (or JSON values) into typed inputs; a bad one raises DomainError(field)."""
    values: dict[str, Any] = {}
    for inp in step_def.inputs:
        value = raw.get(inp.name)
        if isinstance(value, str):
            value = value.strip()
        empty = value is None or value == "" or value == [] or value == "__None"
        if inp.kind == "bool":
            values[inp.name] = bool(value) and str(value).lower() not in ("0", "false", "n", "no", "off")
            continue
        if empty:
            if inp.required:
                raise _required(inp)
            values[inp.name] = None
            continue
        values[inp.name] = _coerce(inp, value, actor, session)
    return values


def _coerce(inp: Input, value: Any, actor: Any, session: Session) -> Any:
    bad = DomainError(gettext("“%(label)s” is not valid.", label=inp.label), field=inp.name)
    if inp.kind in ("text", "textarea"):
        text = str(value)
        if len(text) > MAX_TEXT:
            raise DomainError(
                gettext("At most %(max)d characters (now %(n)d)", max=MAX_TEXT, n=len(text)),
                field=inp.name,
            )
        return text
    if inp.kind == "int":
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise bad from None
        if (inp.min_value is not None and number < inp.min_value) or (
            inp.max_value is not None and number > inp.max_value
        ):
            raise DomainError(
                gettext("Enter a number from %(lo)d to %(hi)d.", lo=inp.min_value, hi=inp.max_value),
                field=inp.name,
            )
        return number
    if inp.kind == "choice":
        if inp.choices is None or str(value) not in inp.choices.codes():
            raise bad
        return str(value)
    if inp.kind == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return datetime.strptime(str(value), "%Y-%m-%d").date()
        except ValueError:
            raise DomainError(gettext("Enter a date as YYYY-MM-DD."), field=inp.name) from None
    if inp.kind == "datetime":
        if isinstance(value, datetime):
            return value.replace(microsecond=0)
        parsed = _parse_datetime(str(value))
        if parsed is None:
            raise DomainError(gettext("Enter a time as YYYY-MM-DD HH:MM."), field=inp.name)
        return parsed
    if inp.kind == "unit":
        unit = _unit(value)
        if unit is None:
            raise DomainError(gettext("Choose a unit from the list."), field=inp.name)
        return unit
    if inp.kind == "units":
        items = value if isinstance(value, list | tuple) else str(value).split(",")
        units = []
        for item in items:
            if item in ("", None):
                continue
            unit = _unit(item)
            if unit is None:
                raise DomainError(gettext("Choose a unit from the list."), field=inp.name)
            if all(u.id != unit.id for u in units):
                units.append(unit)
        if not units and inp.required:
            raise _required(inp)
        return units
    if inp.kind in ("user", "leader"):
        found = _user(value)
        if found is None:
            raise DomainError(gettext("Choose a person from the list."), field=inp.name)
        return found
    if inp.kind == "case":
        found = _case_in_area(value, actor, session)
        if found is None:
            raise DomainError(gettext("No case with this number in your area."), field=inp.name)
        return found
    raise bad


def step_defaults(case: Case, step_def: Step, policy: DeadlinePolicy | None = None,
                  now: datetime | None = None) -> dict[str, Any]:
    """What a step's form shows before the user types (the computed deadline, the draft …)."""
    policy = policy or current_policy()
    now = now or wall_clock()
    defaults: dict[str, Any] = {}
    if step_def.code == "propose" and case.mailbox == Mailbox.DEPARTMENT.value and (
        case.category != Category.ACCUSATION.value  # Art. 30: never to the unit reported on
    ):
        defaults["unit"] = case.responsible_unit_id or case.mailbox_unit_id
    elif step_def.code == "assign":
        defaults["unit"] = case.responsible_unit_id
        defaults["rule"] = RuleCode.HANDLE.value
    elif step_def.code == "sign_reply":
        defaults["reply_text"] = case.reply_draft or ""
    elif step_def.code == "request_extension":
        defaults["days"] = policy.rule(RuleCode.EXTENSION).days
    elif step_def.code == "joint_review":
        defaults["lead_unit"] = case.responsible_unit_id
    return defaults
