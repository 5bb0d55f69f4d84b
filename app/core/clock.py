"""The county's clock: every "now", "today" and day boundary, whatever time zone the server has.

Times are stored naive, as the county's wall-clock time — what clerks read on the wall and type
into forms. The server's own zone (`TZ`, UTC on most servers and containers) must never leak
into them: `clock.now()` on a UTC server is eight hours behind Beijing, so a letter received a
minute ago would be "in the future" and a case due 23:59 would still read 临期 when overdue.
`XF_TIMEZONE` (default Asia/Shanghai) names the county's zone; everything asks this module.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Shanghai"


@lru_cache(maxsize=8)
def zone_named(name: str) -> ZoneInfo:
    """The zone called `name`; a clear error for a name the tz database does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"XF_TIMEZONE={name!r} is not a time zone (e.g. Asia/Shanghai)") from exc


def county_zone() -> ZoneInfo:
    """The county's time zone: the app's XF_TIMEZONE, else the environment's, else Beijing's."""
    if has_app_context():
        name = current_app.config.get("XF_TIMEZONE")
    else:
        name = None
    return zone_named(name or os.environ.get("XF_TIMEZONE") or DEFAULT_TIMEZONE)


def now() -> datetime:
    """The county's wall-clock time, naive, to the second."""
    return datetime.now(county_zone()).replace(tzinfo=None, microsecond=0)


def today() -> date:
    """The county's date (the day a form defaults to, the day deadlines are counted from)."""
    return datetime.now(county_zone()).date()


def to_county(value: datetime) -> datetime:
    """An aware time → the county's naive wall-clock time; a naive one is taken as it is."""
    if value.tzinfo is not None:
        value = value.astimezone(county_zone()).replace(tzinfo=None)
    return value.replace(microsecond=0)


def with_offset(value: datetime | None) -> str | None:
    """A stored wall-clock time written with the county's offset (RFC 3339)."""
    if value is None:
        return None
    return value.replace(tzinfo=county_zone()).isoformat(timespec="seconds")
