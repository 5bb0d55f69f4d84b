"""The building blocks of the API's payloads: strict fields, error codes, times with an offset.

Input is checked with marshmallow schemas derived from `ApiSchema`: unknown fields are refused,
types are strict (no "12" for a number, no 1 for true), strings never carry NUL or unencodable
characters (neither database would store them), and every problem is reported as one of the
stable codes in `app.api.errors.FIELD_CODES`. The same schemas describe the payloads in the
OpenAPI spec, so the spec and the checks cannot drift apart.

Times: the database keeps the county's wall-clock time (naive, `app.core.clock`). The API writes
it with the county's offset (2026-03-05T09:30:00+08:00, RFC 3339) and accepts either that or a
naive time meaning wall-clock time.
"""

from __future__ import annotations

import numbers
from datetime import date, datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from app.core.clock import to_county, with_offset

# marshmallow's message keys → our stable codes (app/api/errors.py).
_CODES = {
    "required": "required",
    "null": "null",
    "invalid": "invalid_type",
    "type": "invalid_type",
    "unknown": "unknown_field",
    "too_large": "out_of_range",
    "validator_failed": "invalid_type",
    "invalid_utf8": "invalid_type",
}


EARLIEST_YEAR = 1900


class Text(fields.String):
    """A string the databases can store: no NUL, nothing that is not UTF-8."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("invalid")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise self.make_error("invalid") from None
        return text


class StrictInteger(fields.Integer):
    """An integer, and only an integer (marshmallow takes True for 1)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("strict", True)
        super().__init__(**kwargs)

    def _validated(self, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise self.make_error("invalid")
        return super()._validated(value)


class StrictBoolean(fields.Boolean):
    """true or false (marshmallow also takes "yes", 1, "on" …)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class LocalDateTime(fields.DateTime):
    """RFC 3339 out (with the county's offset); RFC 3339 or naive wall-clock time in."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        return with_offset(value)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        if not isinstance(value, str) or "\x00" in value:
            raise self.make_error("invalid")
        try:
            moment = to_county(datetime.fromisoformat(value.strip().replace(" ", "T", 1)))
        except (ValueError, OverflowError):
            raise self.make_error("invalid") from None
        if moment.year < EARLIEST_YEAR:
            raise self.make_error("invalid")
        return moment


class LocalDate(fields.Date):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> date:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise self.make_error("invalid") from None
        if day.year < EARLIEST_YEAR:
            raise self.make_error("invalid")
        return day


def length(maximum: int, minimum: int | None = None) -> list[validate.Length]:
    """At most `maximum` characters or items (and, with `minimum`, at least that many)."""
    rules = [validate.Length(max=maximum, error="too_long")]
    if minimum is not None:
        rules.append(validate.Length(min=minimum, error="too_short"))
    return rules


def one_of(codes: list[str]) -> validate.OneOf:
    return validate.OneOf(codes, error="not_allowed")


def at_least(minimum: int, maximum: int | None = None) -> validate.Range:
    return validate.Range(min=minimum, max=maximum, error="out_of_range")


class ApiSchema(Schema):
    """Base of every payload schema: unknown fields refused, problems reported as codes."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": "unknown_field", "type": "invalid_type"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            _code_messages(field)


def _code_messages(field: fields.Field) -> None:
    if isinstance(field, fields.DateTime):
        code = "invalid_datetime"
        field.error_messages = {key: ("required" if key == "required" else "null" if key == "null" else code)
                                for key in field.error_messages}
        return
    if isinstance(field, fields.Date):
        field.error_messages = {key: ("required" if key == "required" else "null" if key == "null" else "invalid_date")
                                for key in field.error_messages}
        return
    field.error_messages = {key: _CODES.get(key, "invalid_type") for key in field.error_messages}
    inner = getattr(field, "inner", None)
    if isinstance(inner, fields.Field):
        _code_messages(inner)


def load(schema: Schema, data: Any) -> dict[str, Any]:
    """Validate `data`; a refusal becomes an ApiError naming each field."""
    from app.api.errors import from_marshmallow

    try:
        return schema.load(data)
    except ValidationError as exc:
        raise from_marshmallow(exc.messages) from None


# --- shapes every operation shares ------------------------------------------------------------


class ProblemSchema(Schema):
    code = fields.String(required=True, metadata={"description": "Stable error code"})
    message = fields.String(required=True, metadata={"description": "For people (Chinese)"})
    field = fields.String(allow_none=True, metadata={"description": "The input concerned, e.g. petitioners[0].id_number"})


class ErrorSchema(ProblemSchema):
    errors = fields.List(fields.Nested(ProblemSchema), metadata={"description": "Every problem, when there are several"})


class PageQuery(ApiSchema):
    """Query parameters of every list: pages and the sync cursor."""

    class Meta:
        unknown = "exclude"  # other query parameters (cache busters …) are ignored

    page = StrictInteger(load_default=1, validate=at_least(1, 1_000_000),
                         metadata={"description": "Page number, from 1"})
    page_size = StrictInteger(load_default=50, validate=at_least(1, 200),
                              metadata={"description": "Records per page (at most FAB_API_MAX_PAGE_SIZE)"})
    updated_since = LocalDateTime(
        load_default=None,
        metadata={"description": "Only records changed at or after this time (RFC 3339); "
                                 "results are ordered by change time, oldest first"},
    )
