"""Issuing API keys to API clients — from the client's page, and all at once after a change of
SECRET_KEY.

Why the second: Flask-AppBuilder finds a key by a lookup hash keyed with SECRET_KEY. A new
SECRET_KEY changes every lookup hash, so every key already handed out stops working (401
`invalid_api_key`) — and only a hash of each key is kept, so none can be re-hashed. The remedy
is `flask xf reissue-api-keys`: every active client that held a working key gets a new one
(the old ones are revoked), printed once, to hand to each platform.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.api.models import ApiClient
from app.extensions import db


def issue_key(client: ApiClient) -> dict[str, Any] | None:
    """A new key for `client`'s technical user (FAB's dict: the plaintext under "key", shown
    once), named after the client's source."""
    return current_app.appbuilder.sm.create_api_key(
        client.user, f"{client.source}-{secrets.randbelow(10**6):06d}"
    )


@dataclass(frozen=True)
class Reissued:
    client: str
    source: str
    revoked: int
    key: str


def reissue_keys(source: str | None = None) -> list[Reissued]:
    """Revoke the live keys of every active client (or the one with `source`) and issue each
    client that had one a new key."""
    from flask_appbuilder.security.sqla.models import ApiKey

    sm = current_app.appbuilder.sm
    query = select(ApiClient).where(ApiClient.active.is_(True), ApiClient.user_id.is_not(None))
    if source is not None:
        query = query.where(ApiClient.source == source)
    done: list[Reissued] = []
    for client in db.session.execute(query.order_by(ApiClient.name)).scalars().all():
        live = [
            key for key in db.session.execute(
                select(ApiKey).where(ApiKey.user_id == client.user_id)
            ).scalars()
            if key.is_active
        ]
        if not live:
            continue
        for key in live:
            sm.revoke_api_key(key.uuid)
        created = issue_key(client)
        if created is None:
            raise RuntimeError(f"could not issue a key for {client.source}")
        done.append(Reissued(client.name, client.source, len(live), created["key"]))
    return done
