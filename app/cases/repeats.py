"""Repeat petitions (重信重访): earlier cases of the same petitioner or the same place and subject.

At registration the clerk sees, inside their own area:

- earlier cases of the same petitioner — the same ID number, or the same name and phone;
- earlier cases about the same subject at the same place (the village, or the township when no
  village is given) received within the last year.

A candidate still being handled is flagged: the same matter raised again while it is handled
is not accepted a second time (信访工作条例 Art. 19), so the clerk links instead of re-opening.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select, true
from sqlalchemy.orm import Session

from app.cases.models import OPEN_STATUSES, Case, Petitioner
from app.core import clock
from app.core.scoping import Scope, current_scope, scope_clause
from app.core.validators import normalize_id_number, normalize_phone

SAME_MATTER_WINDOW = timedelta(days=365)
LIMIT = 20

REASON_ID = _l("Same petitioner (ID number)")
REASON_NAME_PHONE = _l("Same petitioner (name and phone)")
REASON_PLACE_SUBJECT = _l("Same place and subject within a year")


@dataclass
class Candidate:
    case: Case
    reasons: list = field(default_factory=list)
    same_person: bool = False

    @property
    def still_open(self) -> bool:
        return self.case.status in OPEN_STATUSES


@dataclass(frozen=True)
class Person:
    name: str = ""
    id_number: str = ""
    phone: str = ""


def find_repeats(
    session: Session,
    people: Iterable[Person],
    township_id: int | None,
    village_id: int | None,
    subject_id: int | None,
    received_at: datetime | None,
    exclude_id: int | None = None,
    scope: Scope | None = None,
) -> list[Candidate]:
    """Earlier cases that may be the same matter, most relevant first (same person first)."""
    scope = current_scope() if scope is None else scope
    people = list(people)
    received_at = received_at or clock.now()
    visible = and_(
        scope_clause(Case, scope),
        Case.counted,
        Case.received_at <= received_at,
        Case.id != exclude_id if exclude_id else true(),
    )
    found: dict[int, Candidate] = {}

    ids = sorted({normalize_id_number(p.id_number) for p in people if p.id_number})
    pairs = sorted({(p.name.strip(), normalize_phone(p.phone)) for p in people if p.name and p.phone})
    person_clauses = []
    if ids:
        person_clauses.append(Petitioner.id_number.in_(ids))
    for name, phone in pairs:
        person_clauses.append(and_(Petitioner.name == name, Petitioner.phone == phone))
    if person_clauses:
        rows = session.execute(
            select(Case, Petitioner.id_number, Petitioner.name, Petitioner.phone)
            .join(Petitioner, Petitioner.case_id == Case.id)
            .where(visible, or_(*person_clauses))
            .order_by(Case.received_at.desc())
            .limit(LIMIT * 3)
        ).all()
        for case, id_number, name, phone in rows:
            candidate = found.setdefault(case.id, Candidate(case))
            candidate.same_person = True
            if id_number and id_number in ids and REASON_ID not in candidate.reasons:
                candidate.reasons.append(REASON_ID)
            if (name, phone) in pairs and REASON_NAME_PHONE not in candidate.reasons:
                candidate.reasons.append(REASON_NAME_PHONE)

    if subject_id and (village_id or township_id):
        place = Case.village_id == village_id if village_id else Case.township_id == township_id
        rows = session.execute(
            select(Case)
            .where(
                visible,
                place,
                Case.subject_id == subject_id,
                Case.received_at >= received_at - SAME_MATTER_WINDOW,
            )
            .order_by(Case.received_at.desc())
            .limit(LIMIT)
        ).scalars()
        for case in rows:
            found.setdefault(case.id, Candidate(case)).reasons.append(REASON_PLACE_SUBJECT)

    ranked = sorted(
        found.values(), key=lambda c: (not c.same_person, not c.still_open, -c.case.received_at.timestamp())
    )
    return ranked[:LIMIT]


def people_of(case: Case) -> list[Person]:
    return [Person(p.name or "", p.id_number or "", p.phone or "") for p in case.petitioners]


def repeats_of_case(session: Session, case: Case, scope: Scope | None = None) -> list[Candidate]:
    """Candidates for an existing case (shown on its page while it is early in the workflow)."""
    return [
        c
        for c in find_repeats(
            session, people_of(case), case.township_id, case.village_id, case.subject_id,
            case.received_at, exclude_id=case.id, scope=scope,
        )
        if c.case.id != case.id
    ]
