"""Field rules shared by forms, imports and the API: ID numbers, phones, dates, lengths.

Each rule is a plain function returning an error message (or None), so the same rule runs in a
WTForms validator, a row of an Excel import and a JSON payload, with the same Chinese message.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from app.core import clock

# GB 11643-1999: 17 digits weighted, checksum from this table (index = sum mod 11).
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Landline: area code 0xx or 0xxx, 7–8 digit number, optional extension.
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")

# Clocks of client machines drift; a received time a few minutes ahead is not "the future".
FUTURE_TOLERANCE = timedelta(minutes=10)


def normalize_id_number(value: str | None) -> str:
    return (value or "").strip().upper().replace(" ", "")


def id_number_checksum(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_number_error(value: str | None) -> str | None:
    """Why `value` is not a valid 18-digit resident ID number, or None if it is."""
    number = normalize_id_number(value)
    if not _ID_RE.match(number):
        return gettext("ID number must be 18 characters: 17 digits and a digit or X")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return gettext("ID number contains an invalid date of birth")
    if born > clock.today() or born.year < 1900:
        return gettext("ID number contains an invalid date of birth")
    if id_number_checksum(number[:17]) != number[17]:
        return gettext("ID number checksum is wrong; please check each digit")
    return None


def normalize_phone(value: str | None) -> str:
    return re.sub(r"[\s()（）]", "", value or "").replace("—", "-").replace("－", "-")


def phone_error(value: str | None) -> str | None:
    """Why `value` is neither a mainland mobile nor a landline number, or None if it is one."""
    phone = normalize_phone(value)
    if phone.startswith("+86"):
        phone = phone[3:]
    if _MOBILE_RE.match(phone) or _LANDLINE_RE.match(phone):
        return None
    return gettext("Enter an 11-digit mobile number or a landline such as 0451-12345678")


def future_error(value: datetime | date | None, now: datetime | None = None) -> str | None:
    if value is None:
        return None
    now = now or clock.now()
    if isinstance(value, datetime):
        if value > now + FUTURE_TOLERANCE:
            return gettext("This time is in the future")
    elif value > now.date():
        return gettext("This date is in the future")
    return None


# --- WTForms adapters -----------------------------------------------------------------------


class IdNumber:
    """Optional-friendly: empty passes (combine with DataRequired where required)."""

    def __call__(self, form, field) -> None:
        if field.data:
            error = id_number_error(field.data)
            if error:
                raise ValidationError(error)
            field.data = normalize_id_number(field.data)


class Phone:
    def __call__(self, form, field) -> None:
        if field.data:
            error = phone_error(field.data)
            if error:
                raise ValidationError(error)
            field.data = normalize_phone(field.data)


class NotInFuture:
    def __call__(self, form, field) -> None:
        error = future_error(field.data)
        if error:
            raise ValidationError(error)


class MaxLength:
    """Like wtforms Length(max=…) but with our own Chinese message."""

    def __init__(self, maximum: int) -> None:
        self.maximum = maximum

    def __call__(self, form, field) -> None:
        if field.data and len(field.data) > self.maximum:
            raise ValidationError(
                gettext("At most %(max)d characters (now %(n)d)", max=self.maximum, n=len(field.data))
            )


REQUIRED_MESSAGE = _l("This field is required")
