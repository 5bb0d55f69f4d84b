"""Rules of mediation records: consistent dates and outcome, members only, and the effect of a
successful mediation on the dispute ledger (信访工作条例 Art. 33: a mediation agreement may
settle a matter — the ledger entry it settles is resolved and enters its observation period).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from sqlalchemy import select

from app.cases.models import Case
from app.core.errors import DomainError
from app.core.scoping import Scope, scope_clause
from app.core.validators import future_error
from app.ledgers.models import EntryStatus
from app.ledgers.rules import resolve_entry
from app.mediation.models import MediationRecord, Outcome
from app.org.models import OrgKind


def find_case(session: Any, number: str | None, scope: Scope) -> Case | None:
    """A case by its number, if the user may see it."""
    text = (number or "").strip().upper()
    if not text:
        return None
    return session.execute(
        select(Case).where(Case.number == text, scope_clause(Case, scope))
    ).scalar_one_or_none()


def fill_place(record: MediationRecord) -> None:
    """Where the dispute is, when not given: the ledger entry's place, else the committee's.

    Sets the relationships, not the ids: the form has set them (to None), and on flush a
    relationship wins over its foreign-key column.
    """
    if record.township is not None:
        return
    entry = record.ledger_entry
    if entry is not None:
        record.township, record.village = entry.township, entry.village
        return
    unit = record.committee.org_unit if record.committee is not None else None
    if unit is not None and unit.township_id is not None:
        record.township = unit.township
        record.village = unit.village if unit.kind in (OrgKind.VILLAGE.value, OrgKind.HAMLET.value) else None


def record_problems(record: MediationRecord, scope: Scope, is_new: bool) -> list[DomainError]:
    problems: list[DomainError] = []
    committee = record.committee
    if committee is not None:
        members = {m.id for m in committee.mediators}
        outsiders = [m.name for m in record.mediators if m.id not in members]
        if outsiders:
            problems.append(DomainError(
                gettext("Not a mediator of this committee: %(names)s", names="、".join(outsiders)), field="mediators"
            ))
    for name in ("applied_on", "mediated_on", "concluded_on"):
        error = future_error(getattr(record, name))
        if error:
            problems.append(DomainError(error, field=name))
    applied = record.applied_on
    for name in ("mediated_on", "concluded_on"):
        value = getattr(record, name)
        if applied is not None and value is not None and value < applied:
            problems.append(DomainError(gettext("This date is before the application date"), field=name))
    outcome = record.outcome or Outcome.PENDING.value
    if outcome == Outcome.PENDING.value:
        if record.concluded_on is not None:
            problems.append(DomainError(
                gettext("A mediation still in progress has no conclusion date; choose its outcome"), field="outcome"
            ))
    elif record.concluded_on is None:
        problems.append(DomainError(gettext("Enter the date the mediation concluded"), field="concluded_on"))
    if outcome == Outcome.FAILED.value and not record.referral:
        problems.append(DomainError(
            gettext("Say where the parties were guided: litigation, arbitration, administrative review …"),
            field="referral",
        ))
    if outcome != Outcome.FAILED.value and record.referral:
        problems.append(DomainError(gettext("Only a failed mediation is referred elsewhere"), field="referral"))
    if outcome != Outcome.SUCCESS.value and record.honoured:
        problems.append(DomainError(
            gettext("Only a successful mediation has an agreement to honour"), field="honoured"
        ))
    entry = record.ledger_entry
    if entry is not None and entry.status == EntryStatus.CLOSED.value and is_new:
        problems.append(DomainError(gettext("This ledger entry is closed out"), field="ledger_entry"))
    village = record.village
    township_id = record.township.id if record.township is not None else record.township_id
    if village is not None and village.township_id != township_id:
        problems.append(DomainError(gettext("This village does not belong to the chosen township"), field="village"))
    village_id = village.id if village is not None else record.village_id
    committee_unit = committee.org_unit_id if committee is not None else None
    if is_new and not (
        scope.covers_place(township_id, village_id) or committee_unit in scope.unit_ids
    ):
        problems.append(DomainError(gettext("You may not record mediations for this township"), field="township"))
    return problems


def apply_outcome(record: MediationRecord) -> None:
    """A successful mediation resolves the unresolved ledger entry it settles."""
    entry = record.ledger_entry
    if (
        record.outcome == Outcome.SUCCESS.value
        and entry is not None
        and entry.status == EntryStatus.UNRESOLVED.value
        and record.concluded_on is not None
    ):
        committee = record.committee.name if record.committee is not None else ""
        resolve_entry(
            entry,
            record.concluded_on,
            gettext("mediation by %(committee)s succeeded (%(title)s)", committee=committee, title=record.title),
        )
