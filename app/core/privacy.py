"""Masking of personal data (DOMAIN.md "Privacy"): ID numbers and phones outside the case page.

`3201**********1234` and `138****5678`: enough to tell people apart in a list, not enough to
identify or call them. Full values are shown only where the user handles the case.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement


def has_personal_data_role(user: Any) -> bool:
    """Does the user's role handle petitioners (and so may see them in full where it handles
    the record)? Lists, exports and the API mask for every other role."""
    from app.security.roles import PERSONAL_DATA_ROLES

    return bool({r.name for r in getattr(user, "roles", None) or ()} & PERSONAL_DATA_ROLES)


def may_search_by_personal_data() -> bool:
    """May the user of this request look people up by a full ID number or phone?

    Only the roles that handle petitioners: for anyone else a search by number would confirm
    whose number it is (a hit or not) although the lists show it masked. Their search by an ID
    number or phone finds nothing and says why."""
    from flask import flash
    from flask_babel import gettext

    from app.core.scoping import current_actor

    if has_personal_data_role(current_actor()):
        return True
    flash(gettext("Only registrars and handlers may search by ID number or phone; search by name."), "warning")
    return False


def person_clause(model: Any, value: str) -> ColumnElement:
    """The condition on a person model (name, id_number, phone) for one search box's value.

    An 18-character ID number or a phone (7+ digits) is matched exactly — only for the roles that
    may search by them (`may_search_by_personal_data`); anything else is a name, matched exactly.
    """
    from sqlalchemy import false

    from app.core.validators import normalize_id_number, normalize_phone

    text = value.strip()
    id_number, phone = normalize_id_number(text), normalize_phone(text)
    by_id = len(id_number) == 18 and id_number[:17].isdigit()
    by_phone = not by_id and phone.replace("-", "").isdigit() and len(phone) >= 7
    if (by_id or by_phone) and not may_search_by_personal_data():
        return false()
    if by_id:
        return model.id_number == id_number
    if by_phone:
        return model.phone == phone
    return model.name == text


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    digits = value
    if len(digits) == 11 and digits.isdigit():
        return digits[:3] + "****" + digits[-4:]
    if len(digits) <= 4:
        return "*" * len(digits)
    keep = 4
    return digits[: max(0, len(digits) - keep - 4)] + "****" + digits[-keep:]


def mask_name(value: str | None) -> str:
    """张三 → 张*, 欧阳小明 → 欧**明: for public pages only."""
    if not value:
        return ""
    if len(value) == 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]
