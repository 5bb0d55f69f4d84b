"""Choosing answered mailbox letters for the public page (信件选登).

A clerk or administrator opens a replied online letter, reads the text the public would see —
personal data already removed by `redaction.redact` — corrects what the machine missed, and
publishes it. The public page shows only these approved snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select

from app.cases.models import Case, Category
from app.core.clock import now as wall_clock
from app.core.errors import DomainError, raise_problems
from app.extensions import db
from app.portal.models import PublishedLetter
from app.portal.redaction import redact
from app.portal.submission import CONTENT_MAX, TITLE_MAX, mailbox_name

REPLY_MAX = 20000


@dataclass
class LetterText:
    title: str
    content: str
    reply: str


def refusal(case: Case) -> str | None:
    """Why this case cannot be published, or None."""
    if not case.mailbox:
        return gettext("Only letters written to an online mailbox can be published.")
    if case.category == Category.ACCUSATION.value:
        # 条例 Art. 30: whoever reports wrongdoing is protected; such letters stay internal.
        return gettext("Reports and accusations are never published.")
    if not case.reply_text or case.replied_at is None:
        return gettext("Only letters that have been answered can be published.")
    return None


def _people(case: Case) -> tuple[list[str], list[str]]:
    return [p.name for p in case.petitioners if p.name], [p.address for p in case.petitioners if p.address]


def clean(case: Case, text: LetterText) -> LetterText:
    names, addresses = _people(case)
    return LetterText(
        title=redact(text.title, names, addresses).strip(),
        content=redact(text.content, names, addresses).strip(),
        reply=redact(text.reply, names, addresses).strip(),
    )


def draft(case: Case) -> LetterText:
    """What would be published: the existing snapshot, or the case's text with data removed."""
    letter = published_letter(case)
    if letter is not None:
        return LetterText(letter.title, letter.content, letter.reply)
    return clean(case, LetterText(case.title or "", case.content or "", case.reply_text or ""))


def published_letter(case: Case) -> PublishedLetter | None:
    return db.session.execute(
        select(PublishedLetter).where(PublishedLetter.case_id == case.id)
    ).scalar_one_or_none()


def publish(case: Case, text: LetterText, now: datetime | None = None) -> PublishedLetter:
    """Publish (or update) the letter in the caller's transaction."""
    problem = refusal(case)
    if problem:
        raise DomainError(problem)
    text = clean(case, text)
    problems = []
    for name, value, limit in (("title", text.title, TITLE_MAX * 2), ("content", text.content, CONTENT_MAX),
                               ("reply", text.reply, REPLY_MAX)):
        if not value:
            problems.append(DomainError(gettext("This field is required"), field=name))
        elif len(value) > limit:
            problems.append(DomainError(
                gettext("At most %(max)d characters (now %(n)d)", max=limit, n=len(value)), field=name
            ))
    raise_problems(problems)
    letter = published_letter(case) or PublishedLetter(case_id=case.id)
    letter.mailbox = case.mailbox
    letter.mailbox_name = mailbox_name(case.mailbox, case.mailbox_unit)
    letter.title, letter.content, letter.reply = text.title, text.content, text.reply
    letter.received_at = case.received_at
    letter.replied_at = case.replied_at
    letter.published_at = now or wall_clock()
    db.session.add(letter)
    db.session.flush()
    return letter


def withdraw(case: Case) -> bool:
    letter = published_letter(case)
    if letter is None:
        return False
    db.session.delete(letter)
    db.session.flush()
    return True
