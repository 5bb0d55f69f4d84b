"""`flask xf doctor`: is this installation fit for production? One check per line, each with a
Chinese explanation of what is wrong and what to do; the command fails (exit 1) if any check
does.

The checks read the running configuration and the database, never change anything. Checks of
an area's data live in the area (app/audit/backups.py, app/deadlines/checks.py)
and are added by app/registry.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

# Beijing time: every county in China keeps it, and deadlines end at its midnight.
CHINA_OFFSET = timedelta(hours=8)
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class Finding:
    ok: bool
    name: str
    explanation: str


def is_production() -> bool:
    return current_app.config.get("XF_ENV") == "production"


def check_production_mode() -> Finding:
    name = gettext("Production mode")
    env = current_app.config.get("XF_ENV")
    if is_production():
        return Finding(True, name, gettext("XF_ENV=production: the demo conveniences are off."))
    return Finding(False, name, gettext(
        "XF_ENV=%(env)s: demo logins are shown, the demo password is accepted without a change "
        "and cookies may travel without HTTPS. Set XF_ENV=production.", env=env))


def check_secret() -> Finding:
    name = gettext("Secret key")
    key = current_app.config.get("SECRET_KEY") or ""
    if os.environ.get("SECRET_KEY") != key:
        return Finding(False, name, gettext(
            "SECRET_KEY is not set in the environment (a key generated into the instance folder "
            "is used): set a random SECRET_KEY of at least %(n)d characters and keep it secret.",
            n=MIN_SECRET_LENGTH))
    if len(key) < MIN_SECRET_LENGTH:
        return Finding(False, name, gettext(
            "SECRET_KEY is only %(length)d characters long: use a random key of at least "
            "%(n)d characters.", length=len(key), n=MIN_SECRET_LENGTH))
    return Finding(True, name, gettext("SECRET_KEY is set in the environment and long enough."))


def check_demo_accounts() -> Finding:
    """The user model is the security manager's (FAB's own hook): core names no area."""
    from app.extensions import db
    from seed.data import DEMO_USERS, EXTRA_DEMO_USERS, STAFF_USERS

    user = current_app.appbuilder.sm.user_model
    name = gettext("Demo accounts")
    logins = [row[0] for row in DEMO_USERS + EXTRA_DEMO_USERS + STAFF_USERS]
    found = db.session.execute(
        select(user.username).where(user.username.in_(logins), user.active.is_(True))
        .order_by(user.username)
    ).scalars().all()
    if not found:
        return Finding(True, name, gettext("None of the demo logins exists."))
    shown = "、".join(found[:8]) + ("……" if len(found) > 8 else "")
    return Finding(False, name, gettext(
        "%(n)d demo logins exist (%(logins)s); their password is published. Deactivate or "
        "delete them, and start production from an empty database (flask xf init --no-demo).",
        n=len(found), logins=shown))


def check_https_cookies() -> Finding:
    name = gettext("HTTPS cookies")
    config = current_app.config
    if config.get("SESSION_COOKIE_SECURE") and config.get("REMEMBER_COOKIE_SECURE"):
        return Finding(True, name, gettext("Session cookies are sent over HTTPS only."))
    return Finding(False, name, gettext(
        "Session cookies may be sent without HTTPS, where anyone on the network can copy them. "
        "Serve the site over HTTPS and set SESSION_COOKIE_SECURE=1."))


def check_time_zone() -> Finding:
    from app.core.clock import county_zone

    name = gettext("Time zone")
    zone = county_zone()
    offset = datetime.now(UTC).astimezone(zone).utcoffset()
    label = current_app.config.get("XF_TIMEZONE")
    if offset != CHINA_OFFSET:
        return Finding(False, name, gettext(
            "XF_TIMEZONE=%(zone)s is not Beijing time (UTC+8): days, deadlines and report periods "
            "would end at the wrong hour. Set XF_TIMEZONE=Asia/Shanghai.", zone=label))
    return Finding(True, name, gettext(
        "XF_TIMEZONE=%(zone)s (UTC+8): deadlines end at the county's midnight.", zone=label))


def check_rate_limit_storage() -> Finding:
    """The portal's and the login's rate limits count per client in RATELIMIT_STORAGE_URI: in
    memory each app process (and each gunicorn worker) counts alone, so the limits multiply."""
    name = gettext("Rate-limit storage")
    uri = current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if uri.startswith("memory://"):
        if is_production():
            return Finding(False, name, gettext(
                "RATELIMIT_STORAGE_URI=memory://: each app process counts the portal's and the login's "
                "limits alone, so with several processes a client gets several times the limit. Use "
                "Redis: RATELIMIT_STORAGE_URI=redis://localhost:6379/0."))
        return Finding(True, name, gettext("memory:// (enough for one process; use Redis in production)."))
    return Finding(True, name, gettext("Rate limits are counted in %(store)s.", store=uri.split("://", 1)[0] + "://"))


# The installation's own checks; areas add theirs when the app is created (`add_check`, called
# from app/registry.py), each after the check it follows on the page.
CHECKS: list[Callable[[], Finding]] = [
    check_production_mode,
    check_secret,
    check_demo_accounts,
    check_https_cookies,
    check_rate_limit_storage,
    check_time_zone,
]


def add_check(check: Callable[[], Finding], *, after: Callable[[], Finding]) -> None:
    """Run `check` right after `after` (once, however many apps are created)."""
    if check not in CHECKS:
        CHECKS.insert(CHECKS.index(after) + 1, check)


def examine() -> list[Finding]:
    return [check() for check in CHECKS]
