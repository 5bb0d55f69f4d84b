"""Query codes (查询码): how a petitioner without an account finds their case again.

A code is 12 characters drawn by `secrets` from an alphabet without look-alikes (no 0/O, 1/I/L),
about 59 bits: not guessable, not sequential, nothing in it derived from the case. It is shown
once, on the receipt, and never stored or logged in clear: the database keeps two keyed hashes
(HMAC-SHA256 with ``PORTAL_CODE_KEY``, by default the ``SECRET_KEY``):

- ``code_hash`` of the code alone — unique, so the look-up is one index probe;
- ``pair_hash`` of the code with the last four digits of the phone the petitioner gave.

A look-up needs both. Whether the code does not exist or the phone digits are wrong, the same
work is done (one probe, one constant-time comparison against a real or a dummy hash) and the
caller gets the same `None`: nobody can tell a wrong pair from an unknown code.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from flask import current_app

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
GROUP = 4
_DUMMY = "0" * 64


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(value: str | None) -> str:
    """What the petitioner typed, as stored: capitals, separators and spaces dropped."""
    return re.sub(r"[^0-9A-Z]", "", (value or "").upper())


def format_code(code: str) -> str:
    """ABCD-EFGH-JKMN: easier to read out on the phone and to copy down."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def is_well_formed(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(ch in ALPHABET for ch in code)


def phone_tail(phone: str | None) -> str:
    """The last four digits of a phone number as the petitioner typed it."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[-4:]


def _key() -> bytes:
    key = current_app.config.get("PORTAL_CODE_KEY") or current_app.config["SECRET_KEY"]
    return key.encode() if isinstance(key, str) else key


def _digest(message: str) -> str:
    return hmac.new(_key(), message.encode(), hashlib.sha256).hexdigest()


def code_hash(code: str) -> str:
    return _digest("code:" + normalize_code(code))


def pair_hash(code: str, tail: str) -> str:
    return _digest(f"pair:{normalize_code(code)}:{tail}")


def pair_matches(stored: str | None, code: str, tail: str) -> bool:
    """Constant-time check of code + phone digits against the stored pair hash (or a dummy)."""
    expected = pair_hash(code, tail)
    return hmac.compare_digest(stored or _DUMMY, expected) and stored is not None
