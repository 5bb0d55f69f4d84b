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

Every registered case gets one (letter, visit, call, portal, API, Excel import), through
`issue_code` — the one place a code is drawn and stored; issuing again replaces the row, so the
old code (and a portal session opened with it) stops working at once.

A case without a phone: the code is paired with ``NO_PHONE_TAIL`` ("0000"), and the receipt says
to enter 0000 as the phone digits. The code alone is ~59 random bits, so it is still not
guessable; the phone digits are a second factor only where a phone exists. The tail is taken
from the first petitioner who gave a phone (mobile or landline), as the portal asks for "the
last 4 digits of the phone you gave".
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
GROUP = 4
_DUMMY = "0" * 64
# The phone digits of a case registered without any phone (see the module's docstring).
NO_PHONE_TAIL = "0000"


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(value: str | None) -> str:
    """What the petitioner typed, as stored: capitals, separators and spaces dropped."""
    return re.sub(r"[^0-9A-Z]", "", (value or "").upper())


def format_code(code: str) -> str:
    """ABCD-EFGH-JKMN: easier to read out on the phone and to copy down."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


# A code as messages write it (format_code), wherever it stands in a text.
_WRITTEN = re.compile("(?<![0-9A-Z])" + "-".join([f"[{ALPHABET}]{{{GROUP}}}"] * (CODE_LENGTH // GROUP)) + "(?![0-9A-Z])")
MASKED_CODE = "-".join(["*" * GROUP] * (CODE_LENGTH // GROUP))


def mask_codes(text: str | None) -> str:
    """`text` with every 查询码 in it replaced by ****-****-****: pages that show messages (the
    outbox) never show a code, to anyone."""
    return _WRITTEN.sub(MASKED_CODE, text or "")


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


def tail_of(phones: Iterable[str | None]) -> str:
    """The pair tail of a case: the first phone given, or NO_PHONE_TAIL."""
    for phone in phones:
        tail = phone_tail(phone)
        if len(tail) == 4:
            return tail
    return NO_PHONE_TAIL


def case_tail(case: Any) -> str:
    return tail_of(person.phone for person in (case.petitioners or ()))


def _unused_code(session: Session) -> str:
    from app.portal.models import QueryCode

    for _ in range(5):
        code = new_code()
        taken = session.execute(select(QueryCode.id).where(QueryCode.code_hash == code_hash(code))).first()
        if taken is None:
            return code
    raise RuntimeError("could not draw an unused query code")  # ~2^59 codes: never in practice


def issue_code(session: Session, case_id: int, tail: str, *, now: datetime | None = None,
               new: bool = False) -> str:
    """Draw a fresh code for the case and store its hashes, replacing any earlier code (which
    stops working at once). Returns the code in clear — for the caller to show once, print on
    the receipt or send by SMS; never to store or log. `new`: the case was just inserted (no
    earlier row to look for)."""
    from app.core.clock import now as wall_clock
    from app.portal.models import QueryCode

    code = _unused_code(session)
    row = None
    if not new:
        row = session.execute(select(QueryCode).where(QueryCode.case_id == case_id)).scalar_one_or_none()
    if row is None:
        row = QueryCode(case_id=case_id)
        session.add(row)
    # Through the ORM, not a bulk UPDATE: the audit capture then skips the hash columns.
    row.code_hash = code_hash(code)
    row.pair_hash = pair_hash(code, tail)
    row.created_at = now or wall_clock()
    session.flush()
    return code
