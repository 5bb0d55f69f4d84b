"""Login safety: the password rule, lockout after repeated failures, forced password change.

- Passwords an account holder or administrator sets must be at least PASSWORD_MIN_LENGTH (10)
  characters and mix at least three of: lower-case, capitals, digits, symbols
  (Flask-AppBuilder's FAB_PASSWORD_COMPLEXITY_VALIDATOR hook, so every password form uses it).
- AUTH_LOCKOUT_THRESHOLD (5) wrong passwords in a row lock the account for a while:
  AUTH_LOCKOUT_MINUTES (15), twice as long for each further lock before the next successful
  login (30, 60 …, at most AUTH_LOCKOUT_MAX_MINUTES), so that anyone can slow a guesser down but
  nobody can shut a colleague out for good. An administrator (a 乡镇管理员 for their township's
  users) lifts a lock early from the user list, or `flask xf unlock`; AUTH_LOCKOUT_MINUTES = 0
  keeps a lock until then. The login page and the API answer a locked account exactly like a
  wrong password or an unknown name (a lock must not confirm that a login name exists); the
  user is told of the locks at their next login, and each lock is in the audit log.
- A user flagged `must_change_password` is sent to the change-password form on every page
  until they have chosen a new password.
"""

from __future__ import annotations

import string
from datetime import datetime, timedelta
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


def login_refused_message() -> str:
    """One answer for a wrong password, an unknown login name and a locked account: which of
    them it was must not show (a lock would confirm that the name exists)."""
    return gettext(
        "Wrong login name or password. After several wrong passwords an account is locked for "
        "a while: try again later, or ask your administrator."
    )


def lockout_threshold() -> int:
    return int(current_app.config.get("AUTH_LOCKOUT_THRESHOLD", 5))


def lock_minutes(user: Any) -> int:
    """How long the user's current lock lasts; 0: until an administrator lifts it."""
    base = int(current_app.config.get("AUTH_LOCKOUT_MINUTES", 15))
    if base <= 0:
        return 0
    longest = max(int(current_app.config.get("AUTH_LOCKOUT_MAX_MINUTES", 24 * 60)), base)
    doublings = min(max(int(getattr(user, "lockout_count", 0) or 0), 1) - 1, 30)
    return min(base * 2**doublings, longest)


def locked_until(user: Any) -> datetime | None:
    """When the user's lock runs out (None: not locked, or locked until lifted by hand)."""
    locked_at = getattr(user, "locked_at", None)
    minutes = lock_minutes(user)
    if locked_at is None or minutes <= 0:
        return None
    return locked_at + timedelta(minutes=minutes)


def is_locked(user: Any) -> bool:
    if getattr(user, "locked_at", None) is None:
        return False
    until = locked_until(user)
    return until is None or now() < until


def locks_notice() -> str | None:
    """The notice for a user who just signed in and whose account was locked since their last
    login (perhaps someone else tried their password); None when there were no locks."""
    count = int(g.get("xf_locks_since_login") or 0)
    if not count:
        return None
    return gettext(
        "Since your last login your account was locked %(n)d times after wrong passwords. "
        "If that was not you, change your password now and tell your administrator.",
        n=count,
    )


def tell_about_locks(_app: Any, user: Any, **_extra: Any) -> None:  # noqa: ARG001
    """At a browser login (flask_login's signal): the notice on the first page."""
    notice = locks_notice()
    if notice:
        flash(notice, "warning")


def init_authentication(app: Flask) -> None:
    """The password rule for FAB's forms, the notice of locks at login, and the forced password
    change before any page."""
    from flask_login import user_logged_in

    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", check_password_complexity)
    user_logged_in.connect(tell_about_locks)

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
