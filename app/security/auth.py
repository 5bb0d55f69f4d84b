"""Login safety: the password rule, lockout after repeated failures, forced password change.

- Passwords an account holder or administrator sets must be at least PASSWORD_MIN_LENGTH (10)
  characters and mix at least three of: lower-case, capitals, digits, symbols
  (Flask-AppBuilder's FAB_PASSWORD_COMPLEXITY_VALIDATOR hook, so every password form uses it).
- AUTH_LOCKOUT_THRESHOLD (5) wrong passwords in a row lock the account; an administrator (a
  乡镇管理员 for their township's users) unlocks it from the user list, or `flask xf unlock`.
  AUTH_LOCKOUT_MINUTES > 0 also lifts a lock by itself after that long (0: only by hand).
- A user flagged `must_change_password` is sent to the change-password form on every page
  until they have chosen a new password.
"""

from __future__ import annotations

import string
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import gettext

from app.core.clock import now

CHANGE_PASSWORD_ENDPOINTS = frozenset(
    {"ResetMyPasswordView.this_form_get", "ResetMyPasswordView.this_form_post"}
)


def check_password_complexity(password: str) -> None:
    """Raise PasswordComplexityValidationError (a Chinese message) for a weak password."""
    minimum = int(current_app.config.get("PASSWORD_MIN_LENGTH", 10))
    password = password or ""
    if len(password) < minimum:
        raise PasswordComplexityValidationError(
            gettext("The password must be at least %(n)d characters long.", n=minimum)
        )
    classes = sum(
        (
            any(c in string.ascii_lowercase for c in password),
            any(c in string.ascii_uppercase for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if classes < 3:
        raise PasswordComplexityValidationError(
            gettext(
                "The password must mix at least three of: lower-case letters, capital letters, "
                "digits and symbols."
            )
        )


def lockout_threshold() -> int:
    return int(current_app.config.get("AUTH_LOCKOUT_THRESHOLD", 5))


def is_locked(user: Any) -> bool:
    locked_at = getattr(user, "locked_at", None)
    if locked_at is None:
        return False
    minutes = int(current_app.config.get("AUTH_LOCKOUT_MINUTES", 0))
    return minutes <= 0 or now() - locked_at < timedelta(minutes=minutes)


def init_authentication(app: Flask) -> None:
    """The password rule for FAB's forms, and the forced password change before any page."""
    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", check_password_complexity)

    @app.before_request
    def _require_new_password():
        user = g.get("user")
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        if not getattr(user, "must_change_password", False):
            return None
        endpoint = request.endpoint or ""
        if (
            endpoint in CHANGE_PASSWORD_ENDPOINTS
            or endpoint.endswith(".logout")
            or endpoint.endswith("static")
            or endpoint.startswith("LocaleView.")
        ):
            return None
        message = gettext("Please choose a new password before you continue.")
        if message not in (text for _category, text in session.get("_flashes", [])):
            flash(message, "warning")
        return redirect(url_for("ResetMyPasswordView.this_form_get"))
