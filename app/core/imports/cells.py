"""Cell parsers: text, numbers, dates, vocabularies, ID numbers, phones, lists."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import force_locale, gettext

from app.core.choices import Choices
from app.core.imports.spec import CellError, ImportContext, Parser, cell_text, split_list
from app.core.validators import (
    future_error,
    id_number_error,
    normalize_id_number,
    normalize_phone,
    phone_error,
)

log = logging.getLogger(__name__)

# --- cell parsers (factories) --------------------------------------------------------------------


def text(max_length: int | None = None) -> Parser:
    def parse(value: Any, ctx: ImportContext) -> str:  # noqa: ARG001
        result = cell_text(value)
        if max_length is not None and len(result) > max_length:
            raise CellError(
                gettext("At most %(max)d characters (now %(n)d)", max=max_length, n=len(result))
            )
        return result

    return parse


def integer(minimum: int | None = None, maximum: int | None = None) -> Parser:
    def parse(value: Any, ctx: ImportContext) -> int:  # noqa: ARG001
        if isinstance(value, bool):
            raise CellError(gettext("Enter a whole number"))
        if isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        else:
            raw = cell_text(value)
            if not re.fullmatch(r"[+-]?\d+", raw):
                raise CellError(gettext("Enter a whole number"))
            number = int(raw)
        if minimum is not None and number < minimum:
            raise CellError(gettext("Must be at least %(min)d", min=minimum))
        if maximum is not None and number > maximum:
            raise CellError(gettext("Must be at most %(max)d", max=maximum))
        return number

    return parse


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATETIME_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s+(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2})秒?)?$"
)
_EXCEL_EPOCH = datetime(1899, 12, 30)


def _to_datetime(value: Any) -> datetime | None:
    """Excel dates come as datetime (formatted cells), serial numbers, or typed text."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time.min)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel's range: 1900-01-01 … 9999-12-31
            return (_EXCEL_EPOCH + timedelta(days=float(value))).replace(microsecond=0)
        return None
    raw = cell_text(value)
    if re.fullmatch(r"\d{8}", raw):
        raw = f"{raw[:4]}-{raw[4:6]}-{raw[6:]}"
    try:
        if m := _DATETIME_RE.match(raw):
            y, mo, d, h, mi, s = m.groups()
            return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0))
        if m := _DATE_RE.match(raw):
            y, mo, d = m.groups()
            return datetime(int(y), int(mo), int(d))
    except ValueError:
        return None
    return None


def date_value(not_future: bool = True) -> Parser:
    def parse(value: Any, ctx: ImportContext) -> date:
        moment = _to_datetime(value)
        if moment is None:
            raise CellError(gettext("Not a date; write it as 2026-03-15"))
        day = moment.date()
        if not_future:
            error = future_error(day, ctx.now)
            if error:
                raise CellError(error)
        return day

    return parse


def datetime_value(not_future: bool = True) -> Parser:
    def parse(value: Any, ctx: ImportContext) -> datetime:
        moment = _to_datetime(value)
        if moment is None:
            raise CellError(gettext("Not a date; write it as 2026-03-15 or 2026-03-15 09:30"))
        if not_future:
            error = future_error(moment, ctx.now)
            if error:
                raise CellError(error)
        return moment

    return parse


def _labels(vocabulary: type[Choices]) -> dict[str, str]:
    """Every spelling a user may type for a vocabulary value → its code."""
    known: dict[str, str] = {}
    for member in vocabulary:
        known[_norm(member.value)] = member.value
        for locale in ("zh", "en"):
            with force_locale(locale):
                known[_norm(str(member.label))] = member.value
    return known


def _norm(value: str) -> str:
    return re.sub(r"\s+", "", str(value)).replace("（", "(").replace("）", ")").lower()


def choice_labels(vocabulary: type[Choices]) -> Callable[[], list[str]]:
    """The labels of a vocabulary in the current locale (template drop-downs)."""
    return lambda: [str(m.label) for m in vocabulary]


def choice(
    vocabulary: type[Choices], aliases: Callable[[], dict[str, str]] | None = None
) -> Parser:
    """A vocabulary value, given by its Chinese label, English label or code, or an alias
    (`aliases()` → {spelling: code}, called once per import in the import's locale)."""

    def parse(value: Any, ctx: ImportContext) -> str:
        cache_key = f"choices:{vocabulary.__module__}.{vocabulary.__name__}"
        known = ctx.cache.get(cache_key)
        if known is None:
            known = _labels(vocabulary)
            for alias, code in (aliases() if aliases else {}).items():
                known[_norm(alias)] = code
            ctx.cache[cache_key] = known
        raw = cell_text(value)
        code = known.get(_norm(raw))
        if code is None:
            allowed = "、".join(str(m.label) for m in vocabulary)
            raise CellError(gettext("「%(value)s」 is not one of: %(allowed)s", value=raw, allowed=allowed))
        return code

    return parse


def id_number() -> Parser:
    def parse(value: Any, ctx: ImportContext) -> str:  # noqa: ARG001
        raw = cell_text(value)
        error = id_number_error(raw)
        if error:
            raise CellError(error)
        return normalize_id_number(raw)

    return parse


def phone() -> Parser:
    def parse(value: Any, ctx: ImportContext) -> str:  # noqa: ARG001
        raw = cell_text(value)
        error = phone_error(raw)
        if error:
            raise CellError(error)
        return normalize_phone(raw)

    return parse


def list_of(item: Parser, max_items: int = 50) -> Parser:
    """Several values in one cell (separated by 、 , ; or new lines), each parsed by `item`.

    Used for several people in one row: names, ID numbers and phones in three columns, matched
    by position.
    """

    def parse(value: Any, ctx: ImportContext) -> list[Any]:
        parts = split_list(value)
        if len(parts) > max_items:
            raise CellError(gettext("At most %(max)d entries in one cell", max=max_items))
        result = []
        for position, part in enumerate(parts, start=1):
            try:
                result.append(item(part, ctx))
            except CellError as exc:
                raise CellError(
                    gettext("Entry %(n)d (%(value)s): %(message)s", n=position, value=part, message=exc.message)
                ) from None
        return result

    return parse


