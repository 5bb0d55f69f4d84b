"""`flask xf doctor`: is this installation fit for production? One check per line, each with a
Chinese explanation of what is wrong and what to do; the command fails (exit 1) if any check
does.

The checks read the running configuration and the database, never change anything.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

# A backup older than this (or none at all) fails the check.
BACKUP_MAX_DAYS = 7
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
    from app.extensions import db
    from app.security.models import AppUser
    from seed.data import DEMO_USERS, EXTRA_DEMO_USERS, STAFF_USERS

    name = gettext("Demo accounts")
    logins = [row[0] for row in DEMO_USERS + EXTRA_DEMO_USERS + STAFF_USERS]
    found = db.session.execute(
        select(AppUser.username).where(AppUser.username.in_(logins), AppUser.active.is_(True))
        .order_by(AppUser.username)
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


def check_backups() -> Finding:
    from app.audit.models import AuditEntry, AuditKind
    from app.core.clock import now
    from app.extensions import db

    name = gettext("Backups")
    last = db.session.execute(
        select(AuditEntry.at).where(AuditEntry.kind == AuditKind.BACKUP.value)
        .order_by(AuditEntry.at.desc()).limit(1)
    ).scalar_one_or_none()
    if last is None:
        return Finding(False, name, gettext(
            "No backup has ever been made. Schedule `flask backup FILE` (e.g. nightly) and keep "
            "the files on another machine."))
    age = now() - last
    if age > timedelta(days=BACKUP_MAX_DAYS):
        return Finding(False, name, gettext(
            "The last backup is %(days)d days old (%(at)s). Schedule `flask backup FILE` at least "
            "every %(max)d days.", days=age.days, at=last.strftime("%Y-%m-%d %H:%M"), max=BACKUP_MAX_DAYS))
    return Finding(True, name, gettext("Last backup: %(at)s.", at=last.strftime("%Y-%m-%d %H:%M")))


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


def check_next_years_holidays() -> Finding:
    from app.core.clock import today
    from app.deadlines.policy import load_policy
    from app.extensions import db

    name = gettext("Next year's holidays")
    year = today().year + 1
    if load_policy(db.session).calendar.unknown_years(range(year, year + 1)):
        return Finding(False, name, gettext(
            "The holidays and adjusted working days of %(year)d are not known yet: working-day "
            "deadlines would count every weekday. Once the State Council publishes them, update "
            "the chinese-calendar package or enter them under holiday overrides.", year=year))
    return Finding(True, name, gettext(
        "The holidays of %(year)d are known: working-day deadlines count correctly.", year=year))


CHECKS: tuple[Callable[[], Finding], ...] = (
    check_production_mode,
    check_secret,
    check_demo_accounts,
    check_https_cookies,
    check_backups,
    check_time_zone,
    check_next_years_holidays,
)


def examine() -> list[Finding]:
    return [check() for check in CHECKS]
