"""Who is calling: an API key, a JWT access token, or (for reading) a signed-in browser.

- **API keys** (`Authorization: Bearer xfk_…`) belong to an API client's technical user
  (app/api/models.py). Each call looks the key up by its keyed hash and checks it against the
  stored hash, so a revoked key, a deactivated client or a key past its expiry is refused on
  the very next call.
- **JWT** (`Authorization: Bearer <token>` from `POST /api/v1/auth/login`): a person's own
  account, with the password rules, lockout and login audit of the login page. A token ends
  with the person's sessions (logout, password or role change: app/core/sessions.py).
- **Session cookie**: only for GET, so that an administrator can browse the API in Swagger UI;
  writes need a bearer token (the API is exempt from CSRF tokens, so a cookie must not write).

Whichever way, `g.user` becomes the user, and scoping, permissions, masking and the workflow
treat the call exactly like that user's pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, g, request
from flask_babel import gettext
from sqlalchemy import select, update
from werkzeug.security import check_password_hash

from app.api.errors import ApiError, unauthenticated
from app.core.clock import now
from app.extensions import db

# Refresh an API key's "last used" at most this often (a write per call would be wasted).
LAST_USED_RESOLUTION = timedelta(minutes=5)


@dataclass(frozen=True)
class ApiKeyUse:
    """The key of this call, as read when it was checked."""

    id: int
    name: str
    last_used_on: datetime | None


def key_prefix() -> str:
    prefixes = current_app.config.get("FAB_API_KEY_PREFIXES") or ["xfk_"]
    return prefixes[0]


def authenticate() -> Any:
    """The calling user, or ApiError(401). Sets g.user (and g.xf_api_key for a key)."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise unauthenticated(
                "invalid_authorization",
                gettext("Send the credentials as 'Authorization: Bearer <token>'."),
            )
        user = _user_of_key(token) if token.startswith(key_prefix()) else _user_of_jwt()
        g.user = user
        # FAB's has_access checks this flag first: the bearer's user, not a browser session
        # that may ride along on the same request.
        g._api_key_user = True
    else:
        from flask_login import current_user

        if request.method not in ("GET", "HEAD") or not current_user.is_authenticated:
            raise unauthenticated()
        user = current_user._get_current_object()
        g.xf_api_via = "session"
    # Anything computed for an anonymous caller before this point is stale now.
    g.pop("_xf_scope", None)
    g.pop("_xf_audit_actor", None)
    return user


def _user_of_key(raw: str) -> Any:
    from flask_appbuilder.security.sqla.models import ApiKey

    sm = current_app.appbuilder.sm
    # The same keyed lookup hash Flask-AppBuilder stores when it creates a key.
    lookup = sm._compute_lookup_hash(raw)
    key = db.session.execute(select(ApiKey).where(ApiKey.lookup_hash == lookup)).scalar_one_or_none()
    if key is None or not check_password_hash(key.key_hash, raw):
        raise unauthenticated("invalid_api_key", gettext("This API key is not valid."))
    if not key.is_active:
        raise unauthenticated(
            "api_key_revoked", gettext("This API key has been revoked or has expired.")
        )
    from app.security.models import AppUser

    # (ApiKey.user is FAB's base User: load ours, with its org unit.)
    user = db.session.get(AppUser, key.user_id)
    if user is None or not user.is_active:
        raise unauthenticated(
            "api_client_inactive", gettext("The API client of this key is deactivated.")
        )
    # Plain values: after the call the session may be rolled back and the row expired, and
    # reading it again would open a transaction (and on SQLite take the write lock).
    g.xf_api_key = ApiKeyUse(key.id, key.name, key.last_used_on)
    g.xf_api_via = "api_key"
    return user


def _user_of_jwt() -> Any:
    from flask_jwt_extended import get_current_user, verify_jwt_in_request
    from flask_jwt_extended.exceptions import JWTExtendedException
    from jwt.exceptions import PyJWTError

    from app.security.auth import is_locked

    try:
        verify_jwt_in_request()
        user = get_current_user()
    except (JWTExtendedException, PyJWTError):
        raise unauthenticated(
            "invalid_token",
            gettext("The access token is not valid or has expired: sign in again."),
        ) from None
    if user is None or not user.is_active or is_locked(user):
        raise unauthenticated(
            "invalid_token",
            gettext("The access token is not valid or has expired: sign in again."),
        )
    g.xf_api_via = "jwt"
    return user


def touch_key() -> None:
    """Note when the calling key was last used (at most every few minutes; no ORM flush, so
    the audit log gets the call's own entry and not a change entry as well)."""
    key = g.get("xf_api_key")
    if key is None:
        return
    moment = now()
    if key.last_used_on is not None and moment - key.last_used_on < LAST_USED_RESOLUTION:
        return
    from flask_appbuilder.security.sqla.models import ApiKey

    from app.core.database import write_transactions

    with write_transactions(), db.engine.begin() as connection:
        connection.execute(
            update(ApiKey.__table__).where(ApiKey.__table__.c.id == key.id).values(last_used_on=moment)
        )


def login(username: str, password: str) -> dict[str, Any]:
    """Check a password like the login page does (lockout, audit) and issue an access token."""
    from flask_jwt_extended import create_access_token

    from app.core.sessions import token_claims
    from app.security.auth import locks_notice, login_refused_message

    sm = current_app.appbuilder.sm
    user = sm.auth_user_db(username, password)
    if user is None:
        # Locked, unknown or wrong: one answer, so that a lock does not confirm the name.
        raise ApiError(401, "invalid_credentials", login_refused_message())
    if user.must_change_password:
        raise ApiError(
            403, "password_change_required",
            gettext("Please choose a new password before you continue."),
        )
    g.user = user
    g._api_key_user = True
    expires = current_app.config.get("JWT_ACCESS_TOKEN_EXPIRES", timedelta(minutes=15))
    seconds = int(expires.total_seconds()) if isinstance(expires, timedelta) else int(expires or 0)
    notice = locks_notice()
    return {
        **({"notice": notice} if notice else {}),
        "access_token": create_access_token(
            identity=str(user.id), fresh=True, additional_claims=token_claims(user)
        ),
        "token_type": "Bearer",
        "expires_in": seconds,
    }
