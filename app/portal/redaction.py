"""Removing personal data from a letter before the public reads it.

What a machine can find is removed: the petitioners' names (王小明 → 王某某) and addresses,
ID numbers, mobile and landline numbers, e-mail addresses. What it cannot (a neighbour's name,
a house described in words) the clerk removes in the publishing form, which shows exactly
what will be public; their edited text passes through here once more on saving.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask_babel import gettext

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])|(?<!\d)\d{15}(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[-－ ]?\d{7,8}(?:-\d{1,6})?(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def public_name(name: str) -> str:
    """王小明 → 王某某, 李华 → 李某: the surname only."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "某" * min(2, max(1, len(name) - 1))


def redact(text: str | None, names: Iterable[str] = (), addresses: Iterable[str] = ()) -> str:
    """`text` with the given people's names and addresses and every number that identifies
    someone replaced."""
    result = text or ""
    # Longest first, so that 王小明 is replaced before a shorter name inside it.
    for address in sorted({a.strip() for a in addresses if a and len(a.strip()) >= 4}, key=len, reverse=True):
        result = result.replace(address, gettext("[address removed]"))
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        result = result.replace(name, public_name(name))
    result = _EMAIL.sub(gettext("[e-mail removed]"), result)
    result = _ID_NUMBER.sub(gettext("[ID number removed]"), result)
    result = _MOBILE.sub(gettext("[phone removed]"), result)
    result = _LANDLINE.sub(gettext("[phone removed]"), result)
    return result


def leftovers(text: str) -> list[str]:
    """Numbers that still look personal (for a test or a warning): should be empty."""
    found = []
    for pattern in (_ID_NUMBER, _MOBILE, _LANDLINE, _EMAIL):
        found += pattern.findall(text or "")
    return found
