"""Masking of personal data (DOMAIN.md "Privacy"): ID numbers and phones outside the case page.

`3201**********1234` and `138****5678`: enough to tell people apart in a list, not enough to
identify or call them. Full values are shown only where the user handles the case.

The one place for each rule: the masks; the people rows of edit forms (`mask_form_rows`,
`keep_masked_values`); the numbers people write into free text (`personal_spans`, used to mask
them for roles that see masks and to remove them from letters published on the portal).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import ColumnElement

# The (permission, view) pairs of the grant 办理信访人个人信息: the security area's, handed over
# when the app is created (`use_personal_data_grant`, app/registry.py) — core names no role.
_PERSONAL_DATA_GRANT: set[tuple[str, str]] = set()


def use_personal_data_grant(pairs: Iterable[tuple[str, str]]) -> None:
    _PERSONAL_DATA_GRANT.clear()
    _PERSONAL_DATA_GRANT.update(pairs)


def has_personal_data_role(user: Any) -> bool:
    """Does one of the user's roles carry the grant 办理信访人个人信息 (and so may the user see
    petitioners in full where they handle the record, and search by ID number or phone)? Lists,
    exports and the API mask for everyone else. A FAB permission, read from the request's
    cached permission set (app.core.refcache): a revoked grant shows on the next request."""
    if user is None or not getattr(user, "roles", None):
        return False
    if not _PERSONAL_DATA_GRANT:
        raise RuntimeError("no personal-data grant: app/registry.py hands it over at app creation")
    from flask import current_app

    pairs = current_app.appbuilder.sm.request_permissions(user)
    return any(pair in pairs for pair in _PERSONAL_DATA_GRANT)


def may_search_by_personal_data() -> bool:
    """May the user of this request look people up by a full ID number or phone?

    Only roles with the grant 办理信访人个人信息 (built in: 登记员, 承办人): for anyone else a search by number would confirm
    whose number it is (a hit or not) although the lists show it masked. Their search by an ID
    number or phone finds nothing and says why."""
    from flask import flash
    from flask_babel import gettext

    from app.core.scoping import current_actor

    if has_personal_data_role(current_actor()):
        return True
    flash(gettext("Only roles that handle petitioners' personal data may search by ID number or phone; "
                  "search by name."), "warning")
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


# --- personal numbers inside free text (letter content, notes, replies …) -------------------------
# One definition for every place that hides them: masked for roles that see masks (pages, API,
# import error reports), removed for the public (信件选登, app/portal/redaction.py). People write
# numbers every which way, so a run of digits is found first, whatever separates its groups
# (138.1234.5678, full-width spaces, 320102 19900101 1234, (0451)82345678), in full-width or
# Chinese digits too (一三八…, 幺 for 1), and only then read as an ID number or a phone.

_DIGIT = "0-9０-９〇零一二三四五六七八九幺两"
_TO_ASCII = str.maketrans("０１２３４５６７８９〇零一二三四五六七八九幺两Ｘｘx",
                          "0123456789001234567891" "2" "XXX")
_SEPARATOR = r"[ \u3000\u00a0\t.\-－—–_·・/、()（）]"
_NUMBER_RUN = re.compile(
    rf"(?<![{_DIGIT}A-Za-z])[+＋(（]?[{_DIGIT}](?:{_SEPARATOR}{{0,3}}[{_DIGIT}]){{9,}}"
    rf"(?:{_SEPARATOR}{{0,3}}[XxＸｘ])?(?![{_DIGIT}A-Za-z])"
)
_ID_NUMBER = re.compile(r"\d{17}[\dX]|\d{15}")
_MOBILE = re.compile(r"(?:0086|86)?(1[3-9]\d{9})")
# 0 + a 2-3 digit area code + a 7-8 digit number (+ an extension): 10 to 16 digits.
_LANDLINE = re.compile(r"0[1-9]\d{8,14}")
_AT = r"(?:\s*(?:@|＠)\s*|\s*[(（\[【{<]\s*(?:at|AT|At)\s*[)）\]】}>]\s*)"
_DOT = r"(?:\s*(?:\.|．|。)\s*|\s*[(（\[【{<]\s*(?:dot|DOT|Dot)\s*[)）\]】}>]\s*)"
_EMAIL = re.compile(rf"[A-Za-z0-9._%+\-]+{_AT}[A-Za-z0-9\-]+(?:{_DOT}[A-Za-z0-9\-]+)*{_DOT}[A-Za-z]{{2,}}")
# A number read as personal has at least 10 digits (a landline with its area code; a mobile 11, an
# ID number 15 or 18): shorter runs ("一组", "3户") are never matched. An address needs its "@" or
# a bracketed "at". One search in C tells a text with neither (most text) at once.
_MAY_BE_EMAIL = re.compile(r"[@＠]|[(（\[【{<]\s*(?:at|AT|At)\s*[)）\]】}>]")
_MAY_BE_PERSONAL = re.compile(f"{_NUMBER_RUN.pattern}|{_MAY_BE_EMAIL.pattern}")


def _reading(run: str) -> tuple[str, str] | None:
    """A run of digits as ("id_number" | "phone", its digits), or None if it is neither."""
    digits = re.sub(r"[^0-9X]", "", run.translate(_TO_ASCII))
    if "X" in digits[:-1]:
        return None
    if _ID_NUMBER.fullmatch(digits):
        return "id_number", digits
    mobile = _MOBILE.fullmatch(digits)
    if mobile:
        return "phone", mobile.group(1)
    if _LANDLINE.fullmatch(digits):
        return "phone", digits
    return None


def personal_spans(text: str | None) -> Iterator[tuple[int, int, str, str]]:
    """(start, end, kind, value) of every ID number, phone ("phone") and e-mail address ("email")
    in `text`, in order; `value` is the number's digits (or the address as written)."""
    if not text:
        return
    if not _MAY_BE_PERSONAL.search(text):
        return
    found: list[tuple[int, int, str, str]] = []
    if _MAY_BE_EMAIL.search(text):
        for match in _EMAIL.finditer(text):
            found.append((match.start(), match.end(), "email", match.group()))
    taken = [(start, end) for start, end, _k, _v in found]
    for match in _NUMBER_RUN.finditer(text):
        start, end = match.span()
        if any(a < end and start < b for a, b in taken):
            continue
        reading = _reading(match.group())
        if reading is not None:
            found.append((start, end, *reading))
    yield from sorted(found)


def replace_personal(text: str | None, replacement: Callable[[str, str], str]) -> str:
    """`text` with each of its `personal_spans` replaced by `replacement(kind, value)`."""
    if not text or not _MAY_BE_PERSONAL.search(text):
        return text or ""
    parts, last = [], 0
    for start, end, kind, value in personal_spans(text):
        parts += [text[last:start], replacement(kind, value)]
        last = end
    return "".join(parts) + text[last:] if parts else text


def mask_email(value: str) -> str:
    """wdh@example.com → w***@example.com (whatever way the @ was written)."""
    local = re.split(_AT, value, maxsplit=1)[0]
    domain = value[len(local):]
    domain = re.sub(_AT, "@", domain, count=1)
    return (local[:1] + "***" if local else "") + re.sub(_DOT, ".", domain)


def mask_free_text(text: str | None) -> str:
    """`text` with ID numbers, phones and e-mail addresses masked as in every list."""
    return replace_personal(text, lambda kind, value: mask_email(value) if kind == "email" else MASKERS[kind](value))


def free_text(text: str | None, full: bool) -> str:
    """Free text as a viewer sees it: as written if they see people in full, else masked."""
    return (text or "") if full else mask_free_text(text)


# Where free text is shown: a page or API answer may settle who sees it in full (the case page:
# whoever handles the case); otherwise the user's role decides, as for every list.
_FULL_TEXT = "_xf_free_text_full"


def show_free_text_in_full(full: bool) -> None:
    """Settle, for the rest of this request, whether its free text is shown as written."""
    from flask import g

    setattr(g, _FULL_TEXT, bool(full))


def free_text_in_full() -> bool:
    """Does this request's viewer see free text as written (else with numbers masked)?"""
    from flask import g, has_request_context

    if not has_request_context():
        return False
    settled = g.get(_FULL_TEXT)
    if settled is None:
        from app.core.scoping import current_actor

        settled = has_personal_data_role(current_actor())
        setattr(g, _FULL_TEXT, settled)
    return settled


def shown_free_text(text: Any) -> Any:
    """The `free_text` template filter (and list/show formatter): `text` as this viewer may see it."""
    if text is None or not isinstance(text, str):
        return "" if text is None else text
    return text if free_text_in_full() else mask_free_text(text)


def free_text_columns(model: type) -> tuple[str, ...]:
    """The columns of `model` people write sentences into (Text, or String of 100 characters or
    more): where an ID number or phone may hide."""
    from sqlalchemy import String, Text
    from sqlalchemy import inspect as sa_inspect

    names = []
    for column in sa_inspect(model).columns:
        kind = column.type
        if column.info.get("personal") or column.info.get("choices"):
            continue
        if isinstance(kind, Text) or (isinstance(kind, String) and (kind.length or 0) >= 100):
            names.append(column.key)
    return tuple(names)


def mask_free_text_fields(data: dict[str, Any], model: type, full: bool) -> dict[str, Any]:
    """An API answer's free-text fields masked unless `full` (in place; returned for chaining)."""
    if not full:
        for name in free_text_columns(model):
            if isinstance(data.get(name), str):
                data[name] = mask_free_text(data[name])
    return data
