"""Domain errors and the localised error pages.

Rules raise `DomainError` (optionally naming a form field); views turn it into a message next
to the field or a flash, the API into a JSON error with a stable code. Flask-AppBuilder's own
403 is a bare English page: ours are Chinese and never show a stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule refused an operation. `message` is already translated for the user."""

    def __init__(self, message: str, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class DomainErrors(DomainError):
    """Several problems found at once (e.g. every rule of a form); each names its field.

    The first one is the exception's own message/field, so code that handles a plain
    DomainError still shows something sensible.
    """

    def __init__(self, problems: list[DomainError]) -> None:
        first = problems[0]
        super().__init__(first.message, field=first.field, code=first.code)
        self.problems = problems


def raise_problems(problems: list[DomainError]) -> None:
    """Every rule of a form checked, then one exception naming each problem's field (if any)."""
    if problems:
        raise DomainErrors(problems)


class StaleRecordError(DomainError):
    """Someone else saved the record after this user loaded it (optimistic lock)."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or gettext(
                "This record was changed by someone else after you opened it. "
                "Your changes were not saved: reload the page to see the current version."
            ),
            code="conflict",
        )


# --- database errors: a conflict is not an outage ------------------------------------------------

# SQLSTATE class 40 (transaction rollback: serialization failure, deadlock): two transactions
# collided — a conflict, like a lost optimistic lock.
_CONFLICT_SQLSTATE_CLASS = "40"


def is_conflict(exc: BaseException) -> bool:
    """A real conflict with another user's write: a stale version (optimistic lock), a unique
    constraint lost in a race (or a referenced row deleted meanwhile), or transactions that
    collided. Answered 409 "changed by someone else"; any other database error is not that —
    a NOT NULL or CHECK constraint the database refused is a fault of ours, not a race."""
    from sqlalchemy.exc import DBAPIError, IntegrityError
    from sqlalchemy.orm.exc import StaleDataError

    if isinstance(exc, StaleDataError | StaleRecordError):
        return True
    if isinstance(exc, IntegrityError):
        return _lost_race(exc)
    if isinstance(exc, DBAPIError):
        state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None) or ""
        return str(state).startswith(_CONFLICT_SQLSTATE_CLASS)
    return False


# SQLSTATE unique_violation and foreign_key_violation (PostgreSQL); SQLite says it in words.
_RACE_SQLSTATES = ("23505", "23503")
_RACE_WORDS = ("UNIQUE constraint failed", "FOREIGN KEY constraint failed")


def _lost_race(exc: Any) -> bool:
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if state:
        return str(state) in _RACE_SQLSTATES
    return any(words in str(exc.orig) for words in _RACE_WORDS)


# What an unavailable database says. PostgreSQL by SQLSTATE: class 08 (connection exception),
# 57P01-57P03 (shut down, crashed, not yet accepting connections), 53300 (too many connections),
# 55P03 (lock not granted in time). Without a SQLSTATE (a connection that never opened, SQLite),
# by its words. Any other OperationalError — SQLite's "no such column", "syntax error" — is a
# fault of ours: a logged 500, not "try again later".
_OUTAGE_SQLSTATES = ("57P01", "57P02", "57P03", "53300", "55P03")
_OUTAGE_SQLSTATE_CLASS = "08"
_OUTAGE_WORDS = (
    "database is locked", "database table is locked", "unable to open database file", "disk i/o error",
    "connection refused", "could not connect", "connection failed", "connection timed out", "timeout expired",
    "server closed the connection", "connection already closed", "connection is closed", "connection is lost",
    "terminating connection", "the database system is", "too many connections", "lock timeout",
    "could not obtain lock", "no route to host", "ssl connection has been closed", "broken pipe",
)


def is_outage(exc: BaseException) -> bool:
    """The database could not be reached or did not answer: a lost connection, a server that
    refuses connections, a full connection pool, a lock not granted in time. Answered 503."""
    from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    if isinstance(exc, DisconnectionError | PoolTimeout):
        return True
    if is_conflict(exc) or not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    state = str(getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None) or "")
    if state:
        return state.startswith(_OUTAGE_SQLSTATE_CLASS) or state in _OUTAGE_SQLSTATES
    said = str(exc.orig).lower()
    return any(words in said for words in _OUTAGE_WORDS)


def outage_message() -> str:
    return gettext(
        "The database cannot be reached at the moment, so nothing was saved. "
        "Please try again in a few minutes; if it persists, tell your administrator."
    )


_TITLES = {
    400: "Bad request",
    403: "Access denied",
    404: "Not found",
    405: "Method not allowed",
    413: "File too large",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (gettext("Bad request"), gettext("The request could not be understood.")),
        403: (
            gettext("Access denied"),
            gettext("You do not have permission to open this page or do this operation."),
        ),
        404: (
            gettext("Not found"),
            gettext("The page or record does not exist, or is outside your area."),
        ),
        405: (gettext("Method not allowed"), gettext("This operation is not allowed here.")),
        413: (gettext("File too large"), gettext("The uploaded file exceeds the size limit.")),
        429: (
            gettext("Too many requests"),
            gettext("Too many attempts in a short time. Please wait a moment and try again."),
        ),
        500: (
            gettext("Internal error"),
            gettext("Something went wrong on our side. The error has been logged."),
        ),
        503: (gettext("Service unavailable"), outage_message()),
    }


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def render_error(status: int, text: str | None = None, code: str | None = None):
    title, default_text = _messages().get(status, _messages()[500])
    text = text or default_text
    if _wants_json():
        return jsonify({"code": code or f"http_{status}", "message": text}), status
    if status == 503:
        # The menu and the user box would read the database that just failed.
        return render_template("xf/unavailable.html", status=status, title=title, text=text), status
    appbuilder = current_app.extensions.get("appbuilder")
    if "user" not in g:
        # Refused before FAB's before_request ran (a CSRF failure, the rate limiter): the
        # page's menu and user box still need to know who is asking.
        from flask_login import current_user

        g.user = current_user
    page = render_template(
        "xf/error.html",
        status=status,
        title=title,
        text=text,
        appbuilder=appbuilder,
        base_template=appbuilder.base_template if appbuilder else "appbuilder/baselayout.html",
    )
    return page, status


def _forget_transaction() -> None:
    """Roll the request's session back after an outage; it may fail again, which is fine."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.extensions import db

    try:
        db.session.rollback()
    except SQLAlchemyError:
        log.warning("Rolling back after a database outage failed as well", exc_info=True)


def outage_response() -> tuple[Any, int, dict[str, str]]:
    """The one answer to a database outage (the app's handler, and areas with error pages of
    their own such as the portal): logged, the transaction dropped, 503 in Chinese."""
    log.exception("Database unavailable on %s %s", request.method, request.path)
    _forget_transaction()
    # Nobody is signed in as far as this answer goes: loading the user (Flask-Login's
    # template context does) would ask the database again.
    g._login_user = current_app.login_manager.anonymous_user()
    g.xf_database_out = True  # nor may a template's context processor (`database_out()`)
    response, status = render_error(503, code="database_unavailable")
    return response, status, {"Retry-After": "60"}


def database_out() -> bool:
    """Is this request being answered as a database outage (so nothing may ask the database)?"""
    return bool(g.get("xf_database_out"))


def init_error_pages(app: Flask) -> None:
    """Register the Chinese 4xx/5xx pages (JSON under /api/)."""

    def handle_http(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        return render_error(exc.code)

    def handle_unexpected(exc: Exception):
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(500)

    def handle_csrf(exc: CSRFError):
        # Mostly a form left open past the session's idle time: say what to do.
        log.warning("CSRF refused on %s %s: %s", request.method, request.path, exc.description)
        return render_error(
            400,
            gettext(
                "The form has expired or did not come from this site. "
                "Reload the page and enter it again."
            ),
            code="csrf",
        )

    def handle_database_error(exc: Exception):
        """A database outage anywhere (the user's own look-up before any view included): a 503
        in Chinese, logged — never "changed by someone else", never a bare 500."""
        if not is_outage(exc):
            if app.config.get("PROPAGATE_EXCEPTIONS"):
                raise exc
            return handle_unexpected(exc)
        return outage_response()

    from sqlalchemy.exc import DBAPIError, DisconnectionError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    for error_class in (DBAPIError, DisconnectionError, PoolTimeout):
        app.register_error_handler(error_class, handle_database_error)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    if not app.config.get("PROPAGATE_EXCEPTIONS"):
        app.register_error_handler(Exception, handle_unexpected)
