"""Masking of personal data (DOMAIN.md "Privacy"): ID numbers and phones outside the case page.

`3201**********1234` and `138****5678`: enough to tell people apart in a list, not enough to
identify or call them. Full values are shown only where the user handles the case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


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


MASKERS: dict[str, Callable[[str | None], str]] = {"id_number": mask_id_number, "phone": mask_phone}


def personal_columns(model: type) -> dict[str, str]:
    """The columns of `model` holding personal data (`info={"personal": "id_number" | "phone"}`),
    by name, with the kind of each."""
    from sqlalchemy import inspect as sa_inspect

    return {column.key: column.info["personal"] for column in sa_inspect(model).columns
            if column.info.get("personal") in MASKERS}


# --- edit forms: the rows of people (petitioners, parties) follow the page's masking rule --------


def _stored_pairs(rows_field: Any, stored: Iterable[Any]) -> Iterable[tuple[Any, Any, dict[str, str]]]:
    """(row form, stored record, personal columns) for each row of the form that edits a stored
    record — matched by the row's hidden id, never by position."""
    by_id = {str(record.id): record for record in stored if getattr(record, "id", None) is not None}
    for entry in rows_field.entries:
        row = entry.form
        record = by_id.get(str(row.id.data or ""))
        if record is not None:
            yield row, record, personal_columns(type(record))


def mask_form_rows(rows_field: Any, stored: Iterable[Any]) -> None:
    """Show the stored ID numbers and phones of an edit form's rows masked, as the page shows
    them to this user (a value the user typed anew is theirs and stays as typed)."""
    for row, record, columns in _stored_pairs(rows_field, stored):
        for name, kind in columns.items():
            value = getattr(record, name)
            if value and (row[name].data or "").strip() == value:
                row[name].data = MASKERS[kind](value)


def keep_masked_values(rows_field: Any, stored: Iterable[Any]) -> None:
    """A masked value sent back unchanged means "keep it": the stored value takes its place
    before the form is validated and saved, so a save never writes the mask over the number."""
    for row, record, columns in _stored_pairs(rows_field, stored):
        for name, kind in columns.items():
            value = getattr(record, name)
            if value and (row[name].data or "").strip() == MASKERS[kind](value):
                row[name].data = value
