"""How plain values read on a page and in an exported spreadsheet: blank for nothing, 是/否 for
booleans, dates without seconds."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask
from flask_babel import gettext


def display(value: Any) -> Any:
    """A value as it reads on a page and in an export (app/core/export.py)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return value


# Vocabularies templates may show by name: {{ case.channel|choice('channel') }}.
VOCABULARIES: dict[str, Any] = {}


def register_vocabularies(**vocabularies: Any) -> None:
    """Make `Choices` classes available to the `choice` template filter (areas call this)."""
    VOCABULARIES.update(vocabularies)


def choice(value: Any, vocabulary: str) -> str:
    """The translated label of a vocabulary code; unknown vocabularies show the code."""
    found = VOCABULARIES.get(vocabulary)
    if found is None:
        return "" if value is None else str(value)
    return found.label_of(value)


def init_display(app: Flask) -> None:
    from app.core.privacy import shown_free_text

    app.jinja_env.filters["display"] = display
    app.jinja_env.filters["choice"] = choice
    # {{ case.content|free_text }}: ID numbers and phones in the text masked for roles that see masks.
    app.jinja_env.filters["free_text"] = shown_free_text
    # `person` (姓 + 名 of a user) is the security area's: app/registry.py adds it.
