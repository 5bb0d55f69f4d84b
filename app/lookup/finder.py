"""What the navbar's search box finds, kind by kind, each kind scoped exactly as its own list.

One value, read as every kind of identifier a clerk quotes on the phone:

- a case number, full (XF2026-000316), a prefix of one (XF2026-0003) or its sequence alone
  ("316", "2026-316"): the sequence is looked up in each year that has numbers, so "316" is a
  handful of look-ups on the unique index, whatever the size of the county;
- a petitioner's or a party's name, ID number or phone (`person_clause`: the numbers only for the
  roles that may search by them, the one rule the lists apply too);
- a ledger number (TZ000045 or 45).

Each kind is asked only of a user who may open its list (`may("can_list", view)`), with the list's
own scope (`scope_clause`: the township, the unit, the 检举控告 exclusion). Every condition is an
indexed equality or range, so the page costs a few index reads at any county size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.sql.elements import False_

from app.cases.models import Case, CaseNumberSequence, CaseStatus, Petitioner
from app.cases.numbering import format_number
from app.core.privacy import person_clause
from app.core.scoping import scope_clause
from app.extensions import db
from app.ledgers.models import EntryStatus, LedgerEntry, LedgerParty
from app.security.access import may

# Rows shown per kind; the list behind the "more" link has the rest.
LIMIT = 20
MAX_LENGTH = 40

_SEQUENCE = re.compile(r"^(?:(?P<year>\d{4})-)?0*(?P<seq>\d{1,6})$")
_LEDGER = re.compile(r"^(?:TZ)?0*(?P<id>\d{1,9})$")
_NUMBER_PREFIX = re.compile(r"^[A-Z]{1,8}\d{0,4}(?:-\d{0,6})?$")


@dataclass
class Hit:
    """One found record as the results page prints it."""

    number: str
    title: str
    url: str
    details: list[str] = field(default_factory=list)


@dataclass
class Group:
    """The hits of one kind."""

    kind: str
    label: Any
    hits: list[Hit]
    more: bool = False


def _upper_bound(prefix: str) -> str:
    """The smallest string after every string starting with `prefix` (ASCII prefixes only)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def case_number_clause(text: str) -> ColumnElement | None:
    """The case numbers `text` may mean: full, a prefix, or a sequence in any year."""
    value = text.strip().upper()
    sequence = _SEQUENCE.match(value)
    if sequence:
        seq = int(sequence["seq"])
        years = select(CaseNumberSequence.year).where(CaseNumberSequence.last_value >= seq)
        if sequence["year"]:
            years = years.where(CaseNumberSequence.year == int(sequence["year"]))
        numbers = [format_number(year, seq) for year in db.session.execute(years).scalars()]
        return Case.number.in_(numbers) if numbers and seq else None
    if _NUMBER_PREFIX.match(value) and any(ch.isdigit() for ch in value):
        # A range, not LIKE: both databases read it off the unique index on the number.
        return (Case.number >= value) & (Case.number < _upper_bound(value))
    return None


def _either(*clauses: ColumnElement | None) -> ColumnElement | None:
    found = [c for c in clauses if c is not None and not isinstance(c, False_)]
    return or_(*found) if found else None


def find_cases(text: str, people: ColumnElement) -> Group:
    condition = _either(case_number_clause(text), Case.id.in_(select(Petitioner.case_id).where(people))
                        if not isinstance(people, False_) else None)
    rows: list[Case] = []
    if condition is not None:
        rows = list(db.session.execute(
            select(Case).where(condition, scope_clause(Case))
            .order_by(Case.received_at.desc(), Case.id.desc()).limit(LIMIT + 1)
        ).scalars())
    hits = [
        Hit(c.number, c.title, url_for("CaseView.show", pk=c.id),
            [c.received_at.strftime("%Y-%m-%d") if c.received_at else "", c.petitioner_names,
             CaseStatus.label_of(c.status)])
        for c in rows[:LIMIT]
    ]
    return Group("cases", _l("Petition cases"), hits, more=len(rows) > LIMIT)


def find_ledger_entries(text: str, people: ColumnElement) -> Group:
    number = _LEDGER.match(text.strip().upper())
    condition = _either(
        LedgerEntry.id == int(number["id"]) if number else None,
        LedgerEntry.id.in_(select(LedgerParty.entry_id).where(people)) if not isinstance(people, False_) else None,
    )
    rows: list[LedgerEntry] = []
    if condition is not None:
        rows = list(db.session.execute(
            select(LedgerEntry).where(condition, scope_clause(LedgerEntry))
            .order_by(LedgerEntry.found_on.desc(), LedgerEntry.id.desc()).limit(LIMIT + 1)
        ).scalars())
    hits = [
        Hit(e.number, e.title, url_for("LedgerEntryView.show", pk=e.id),
            [e.found_on.isoformat() if e.found_on else "", e.parties_summary, EntryStatus.label_of(e.status)])
        for e in rows[:LIMIT]
    ]
    return Group("ledger", _l("Dispute ledger"), hits, more=len(rows) > LIMIT)


def search(text: str) -> list[Group]:
    """The groups the user may see for `text`, in a fixed order (an empty group says "none")."""
    text = (text or "").strip()[:MAX_LENGTH]
    if not text:
        return []
    kinds = [(find_cases, Petitioner, "CaseView"), (find_ledger_entries, LedgerParty, "LedgerEntryView")]
    groups: list[Group] = []
    refused = False
    for finder, person_model, view in kinds:
        if not may("can_list", view):
            continue
        # The personal-data rule answers (and says why) once; the next kind takes its answer.
        people = false() if refused else person_clause(person_model, text)
        refused = isinstance(people, False_)
        groups.append(finder(text, people))
    return groups
