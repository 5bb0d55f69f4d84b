"""Sessions: revocable on the server, and set only by pages and data requests.

**Revocation.** A session is a signed cookie: the server keeps no list of them, so a cookie
copied before a logout used to work until its idle expiry. Every user therefore has a
`session_epoch`; a browser session (and an API access token) records the epoch it was issued
under, and is honoured only while the user's epoch is still the same. Raising the epoch ends
every session and token of that user at once — on logout, a password change, deactivation, a
change of roles (the listener below, whatever the path: a form, the CLI, an import) and an
administrator's "sign out everywhere". One's own password change keeps the session it was made
in (`keep_this_session`) and ends all the others.

**Static files.** Sessions slide (SESSION_REFRESH_EACH_REQUEST), so by default every response
re-sends the cookie, a stylesheet's included. A page's static files are fetched in parallel
and may still be on their way when the user logs out or a login page is loaded: their late
responses then put the previous session back in the browser — the login form's CSRF token no
longer matches ("400" on a correct login). Static responses therefore carry no Set-Cookie;
the pages around them keep the session alive. (A late cookie of a logged-out session no longer
logs anyone in: its epoch is stale.)
"""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

# Where a browser session keeps its epoch, and the claim of an API access token that does.
EPOCH_KEY = "_xf_epoch"
EPOCH_CLAIM = "xf_epoch"


def is_static_request() -> bool:
    endpoint = request.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static")


class PageSessionInterface(SecureCookieSessionInterface):
    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if is_static_request():
            return False
        return super().should_set_cookie(app, session)


# --- revocation -----------------------------------------------------------------------------------


def epoch_of(user: Any) -> int:
    return int(getattr(user, "session_epoch", 0) or 0)


def end_sessions(user: Any) -> None:
    """End every session and access token of `user` (the caller commits)."""
    user.session_epoch = epoch_of(user) + 1


def keep_this_session(user: Any) -> None:
    """The request's own browser session stays valid under the user's current epoch."""
    if has_request_context():
        session[EPOCH_KEY] = epoch_of(user)


def is_current_session(user: Any) -> bool:
    """The request's browser session was issued under the user's current epoch."""
    return session.get(EPOCH_KEY) == epoch_of(user)


def is_current_token(user: Any, claims: dict[str, Any]) -> bool:
    """An access token's claims name the user's current epoch."""
    return claims.get(EPOCH_CLAIM) == epoch_of(user)


def token_claims(user: Any) -> dict[str, Any]:
    """What an access token issued now must carry."""
    return {EPOCH_CLAIM: epoch_of(user)}


def _on_login(_app: Any, user: Any, **_extra: Any) -> None:
    keep_this_session(user)


def _ends_sessions(user: Any) -> bool:
    """A change that must end the user's sessions: password, deactivation, roles."""
    state = sa_inspect(user)
    if state.attrs.password.history.has_changes():
        return True
    active = state.attrs.active.history
    if active.has_changes() and user.active is False:
        return True
    return "roles" in state.dict and state.attrs.roles.history.has_changes()


# The users' model, handed over by the app factory (`init_revocation`): core names no area.
_USER_MODEL: list[type] = []


def _end_sessions_on_account_changes(db_session: Session, _context: Any, _instances: Any) -> None:
    users = tuple(_USER_MODEL)
    for obj in db_session.dirty:
        if isinstance(obj, users) and _ends_sessions(obj):
            end_sessions(obj)


def init_revocation(user_model: type) -> None:
    """Remember the epoch at every login; raise it on every change of a `user_model` row that
    ends sessions."""
    _USER_MODEL[:] = [user_model]
    from flask_login import user_logged_in

    user_logged_in.connect(_on_login)
    if not event.contains(Session, "before_flush", _end_sessions_on_account_changes):
        event.listen(Session, "before_flush", _end_sessions_on_account_changes)
