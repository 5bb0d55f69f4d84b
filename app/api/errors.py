"""Errors of the API: a stable code, a Chinese message and the field concerned — never a 500.

Every refusal is a JSON body ``{"code": …, "message": …, "field": …, "errors": […]}`` with a 4xx
status. `code` is stable (integrators branch on it); `message` is for people (zh by default);
`field` names the offending input ("petitioners[0].id_number"), or is null; `errors` lists every
problem when a payload has several. The codes are listed in README "API".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Response, jsonify
from flask_babel import gettext

from app.core.errors import DomainError, DomainErrors

# marshmallow reports problems as these codes (see schemas.ApiSchema); messages for each.
FIELD_CODES = (
    "required", "null", "invalid_type", "unknown_field", "too_long", "too_short", "out_of_range",
    "not_allowed", "invalid_datetime", "invalid_date",
)


def _field_messages() -> dict[str, str]:
    return {
        "required": gettext("This field is required"),
        "null": gettext("This field may not be empty"),
        "invalid_type": gettext("Wrong type of value for this field"),
        "unknown_field": gettext("Unknown field"),
        "too_long": gettext("Too long"),
        "too_short": gettext("Too short"),
        "out_of_range": gettext("Value out of the allowed range"),
        "not_allowed": gettext("Not one of the allowed values"),
        "invalid_datetime": gettext("Enter a time as YYYY-MM-DDTHH:MM:SS, optionally with a UTC offset"),
        "invalid_date": gettext("Enter a date as YYYY-MM-DD."),
    }


class ApiError(Exception):
    """A refusal with an HTTP status (raised anywhere inside an API call)."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 problems: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.problems = problems or []

    def response(self) -> Response:
        body: dict[str, Any] = {"code": self.code, "message": self.message, "field": self.field}
        if self.problems:
            body["errors"] = self.problems
        response = jsonify(body)
        response.status_code = self.status
        return response


def problem(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "field": field}


def invalid(problems: list[dict[str, Any]], status: int = 400) -> ApiError:
    """Several input problems: the first one on top, all of them in `errors`."""
    first = problems[0]
    return ApiError(status, first["code"], first["message"], first["field"], problems)


def from_domain(exc: DomainError, status: int = 422, prefix: str = "") -> ApiError:
    """A rule's refusal (the same DomainError the pages show next to a field)."""
    items = getattr(exc, "problems", None) if isinstance(exc, DomainErrors) else None
    problems = [
        problem(p.code, p.message, _prefixed(prefix, p.field)) for p in (items or [exc])
    ]
    return invalid(problems, status)


def _prefixed(prefix: str, field: str | None) -> str | None:
    if not field:
        return None
    return f"{prefix}{field}" if prefix else field


def from_marshmallow(messages: Mapping[str, Any] | list | str, status: int = 400) -> ApiError:
    """marshmallow's nested error dict (codes as messages) → field problems in Chinese."""
    texts = _field_messages()
    found: list[dict[str, Any]] = []
    for field, code in _flatten(messages, ""):
        if field in ("", "_schema"):
            field = None
        code = code if code in texts else "invalid_type"
        found.append(problem(code, texts[code], field))
    if not found:
        found.append(problem("invalid_type", texts["invalid_type"]))
    return invalid(found, status)


def _flatten(messages: Any, path: str) -> Iterable[tuple[str, str]]:
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if isinstance(key, int):
                yield from _flatten(value, f"{path}[{key}]")
            elif key == "_schema":
                yield from _flatten(value, path)
            else:
                yield from _flatten(value, f"{path}.{key}" if path else str(key))
    elif isinstance(messages, list | tuple):
        for value in messages:
            yield from _flatten(value, path)
    else:
        yield path, str(messages)


def unauthenticated(code: str = "unauthenticated", message: str | None = None) -> ApiError:
    return ApiError(
        401, code,
        message or gettext(
            "Sign in first: send 'Authorization: Bearer <token>' with an access token or an API key."
        ),
    )


def forbidden() -> ApiError:
    return ApiError(403, "forbidden", gettext("Your role may not do this through the API."))


def not_found() -> ApiError:
    return ApiError(
        404, "not_found", gettext("The page or record does not exist, or is outside your area.")
    )
