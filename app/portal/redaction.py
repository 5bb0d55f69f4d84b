"""Removing personal data from a letter before the public reads it.

What a machine can find is removed: the petitioners' names (王小明 → 王某某) and addresses,
ID numbers, mobile and landline numbers, e-mail addresses — found by the one definition every
masking uses (app/core/privacy.py), however they are written. What it cannot (a neighbour's name,
a house described in words) the clerk removes in the publishing form, which shows exactly
what will be public; their edited text passes through here once more on saving.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext

from app.core.privacy import personal_spans, replace_personal


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
    removed = {"email": gettext("[e-mail removed]"), "id_number": gettext("[ID number removed]"),
               "phone": gettext("[phone removed]")}
    # The numbers are found as everywhere else (app/core/privacy.py `personal_spans`).
    return replace_personal(result, lambda kind, _value: removed[kind])


def leftovers(text: str) -> list[str]:
    """Numbers that still look personal (for a test or a warning): should be empty."""
    return [text[start:end] for start, end, _kind, _value in personal_spans(text)]
