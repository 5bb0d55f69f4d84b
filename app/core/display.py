"""How plain values read on a page: blank for nothing, 是/否 for booleans, dates without seconds."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask
from flask_babel import gettext


def display(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return value


def init_display(app: Flask) -> None:
    app.jinja_env.filters["display"] = display
