"""初信初访倒查 (seed 003: 结合初信初访问题，倒查台账，核实问题，通报提醒排查遗漏).

A township's sweeps (排查) should find its disputes before they become petitions. So a first
petition (初信初访: not a repeat) of the 申诉求决 category — a claim, the kind of matter that is a
dispute; suggestions are not, and accusations go to the discipline organs — is checked against
the dispute ledger of the township where it happens. The ledger holds the matter when an entry of
that township, found on or before the day the petition came, has

- a party who is one of the petitioners: the same ID number, or the same name and phone; or
- the same village and the same kind of dispute (the case's subject, mapped below).

When none does, the sweep missed it: the case is flagged to that township (a `SweepMiss`, a
notification to its clerks and leaders, the township's list), and the figure counts the flags per
township. The township verifies each: it adds the entry to the ledger, or explains why the matter
could not have been found by a sweep.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.ledgers.models import DisputeType

# The subject dictionary (admin-edited names) → the ledger's kind of dispute, where one matches.
SUBJECT_DISPUTE = {
    "征地拆迁": DisputeType.ACQUISITION,
    "劳动社保": DisputeType.WAGES,
    "农村农业": DisputeType.LAND,
    "生态环境": DisputeType.ENVIRONMENT,
    "医疗卫生": DisputeType.MEDICAL,
    "教育": DisputeType.EDUCATION,
    "物业房产": DisputeType.PROPERTY,
    "消费维权": DisputeType.CONSUMER,
    "交通运输": DisputeType.TRAFFIC,
}


def is_checked(case: Any) -> bool:
    """Is this case one the look-back applies to (a first petition of the claims category)?"""
    from app.cases.models import Category

    return (
        bool(case.counted)
        and not case.is_repeat
        and case.repeat_of_id is None
        and case.category == Category.CLAIM.value
        and case.township_id is not None
    )


def dispute_type_of(case: Any) -> str | None:
    subject = case.subject
    found = SUBJECT_DISPUTE.get(subject.name) if subject is not None else None
    return found.value if found is not None else None


def ledger_holds(session: Session, case: Any) -> bool:
    """Does the township's ledger hold the case's matter (see the module docstring)?"""
    from app.ledgers.models import LedgerEntry, LedgerParty

    day: date = case.received_at.date()
    matches = []
    for p in case.petitioners:
        if p.id_number:
            matches.append(LedgerParty.id_number == p.id_number)
        if p.name and p.phone:
            matches.append(and_(LedgerParty.name == p.name, LedgerParty.phone == p.phone))
    in_township = and_(LedgerEntry.township_id == case.township_id, LedgerEntry.found_on <= day)
    if matches:
        by_person = (
            select(LedgerEntry.id).join(LedgerParty, LedgerParty.entry_id == LedgerEntry.id)
            .where(in_township, or_(*matches)).limit(1)
        )
        if session.execute(by_person).first() is not None:
            return True
    kind = dispute_type_of(case)
    if case.village_id is not None and kind is not None:
        by_place = select(LedgerEntry.id).where(
            in_township, LedgerEntry.village_id == case.village_id, LedgerEntry.dispute_type == kind
        ).limit(1)
        if session.execute(by_place).first() is not None:
            return True
    return False


def missed_by_sweep(session: Session, case: Any) -> bool:
    """Should this case be flagged to its township as missed in the sweep?"""
    return is_checked(case) and not ledger_holds(session, case)
