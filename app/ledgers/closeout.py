"""Close-out (销号) of a ledger entry: a unit applies, a leader approves.

Seed 003: a level-1 dispute "矛盾纠纷已化解，处于观察期，半年内无信访行为，经排查部门申请后可销号".
So an entry may be closed out only when

1. it is resolved (level 1, in observation),
2. six months of observation have passed since it was resolved, and
3. none of its parties has petitioned in the last six months — checked against the cases: a
   party matches a petitioner by ID number, or by name and phone; a case a party is linked to
   counts too.

The refusal names the cases. Case numbers the user could not open — another area's cases, or a
report of wrongdoing (检举控告), whose petitioner must never be revealed to the unit concerned
(信访工作条例 Art. 30) — are counted but not named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from flask_babel import gettext
from sqlalchemy import or_, select, tuple_

from app.cases.models import Case, Category, Petitioner
from app.core import clock
from app.core.clock import now
from app.core.errors import DomainError
from app.core.scoping import Scope
from app.ledgers.models import (
    CloseOutRequest,
    CloseOutStatus,
    EntryStatus,
    LedgerEntry,
    LedgerParty,
)
from app.ledgers.rules import add_note
from app.security.roles import roles_granted

OBSERVATION_MONTHS = 6


def add_months(day: date, months: int) -> date:
    """Calendar months later (or earlier), the day clamped to the month's end (Aug 31 − 6 → Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


@dataclass
class RecentPetition:
    number: str
    received_at: datetime
    visible: bool


@dataclass
class CloseOutCheck:
    reasons: list[str] = field(default_factory=list)
    petitions: list[RecentPetition] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.reasons

    def message(self) -> str:
        return gettext("Close-out refused: %(reasons)s", reasons="；".join(self.reasons))


def recent_petitions(session: Any, parties: list[LedgerParty], since: date, scope: Scope) -> list[RecentPetition]:
    """Cases received since `since` that any of the parties brought (see the module docstring)."""
    id_numbers: set[str] = set()
    name_phones: set[tuple[str, str]] = set()
    case_ids: set[int] = set()
    for party in parties:
        people = [party]
        if party.petitioner is not None:
            people.append(party.petitioner)
        for person in people:
            if person.id_number:
                id_numbers.add(person.id_number)
            if person.name and person.phone:
                name_phones.add((person.name, person.phone))
        if party.case_id:
            case_ids.add(party.case_id)
    matches = []
    if id_numbers:
        matches.append(Petitioner.id_number.in_(id_numbers))
    if name_phones:
        matches.append(tuple_(Petitioner.name, Petitioner.phone).in_(name_phones))
    conditions = []
    if matches:
        conditions.append(Case.id.in_(select(Petitioner.case_id).where(or_(*matches))))
    if case_ids:
        conditions.append(Case.id.in_(case_ids))
    if not conditions:
        return []
    rows = session.execute(
        select(Case.number, Case.received_at, Case.township_id, Case.village_id,
               Case.responsible_unit_id, Case.category)
        .where(Case.received_at >= datetime.combine(since, time.min), or_(*conditions))
        .order_by(Case.received_at.desc())
    ).all()
    return [
        RecentPetition(
            number=row.number,
            received_at=row.received_at,
            visible=row.category != Category.ACCUSATION.value
            and (scope.covers_place(row.township_id, row.village_id) or row.responsible_unit_id in scope.unit_ids),
        )
        for row in rows
    ]


def check_closeout(session: Any, entry: LedgerEntry, scope: Scope, today: date | None = None) -> CloseOutCheck:
    today = today or clock.today()
    check = CloseOutCheck()
    if entry.status == EntryStatus.CLOSED.value:
        check.reasons.append(gettext("the entry is already closed out"))
        return check
    if entry.status != EntryStatus.RESOLVED.value or entry.resolved_on is None:
        check.reasons.append(gettext("the dispute is not resolved yet (only level 1 entries can be closed out)"))
    else:
        ends = add_months(entry.resolved_on, OBSERVATION_MONTHS)
        if ends > today:
            check.reasons.append(gettext(
                "the six-month observation period since the resolution on %(resolved)s runs until %(ends)s",
                resolved=entry.resolved_on.isoformat(), ends=ends.isoformat(),
            ))
    since = add_months(today, -OBSERVATION_MONTHS)
    check.petitions = recent_petitions(session, list(entry.parties), since, scope)
    if check.petitions:
        named = [f"{p.number}（{p.received_at:%Y-%m-%d}）" for p in check.petitions if p.visible]
        hidden = sum(1 for p in check.petitions if not p.visible)
        if hidden:
            named.append(gettext("%(n)d petition(s) outside your area", n=hidden))
        check.reasons.append(
            gettext("a party has petitioned within the last six months: %(cases)s", cases="、".join(named))
        )
    return check


def apply_for_closeout(
    session: Any, entry: LedgerEntry, reason: str | None, scope: Scope, unit_id: int | None,
    today: date | None = None,
) -> CloseOutRequest:
    """The responsible unit applies; refused at once when the rules already say no."""
    reason = (reason or "").strip()
    if any(r.status == CloseOutStatus.PENDING.value for r in entry.closeout_requests):
        raise DomainError(gettext("A close-out application for this entry is already awaiting approval"))
    if not reason:
        raise DomainError(gettext("Give the grounds for closing out the entry"), field="reason")
    check = check_closeout(session, entry, scope, today)
    if not check.allowed:
        raise DomainError(check.message())
    request = CloseOutRequest(
        status=CloseOutStatus.PENDING.value, reason=reason, applied_at=now(), applying_unit_id=unit_id,
    )
    entry.closeout_requests.append(request)
    _tell_approvers(session, entry)
    return request


def approver_units(entry: LedgerEntry) -> list[int]:
    """Whose leaders decide a close-out: those of the entry's township (属地) and of its
    responsible unit (属事)."""
    return [u for u in (entry.township_id, entry.responsible_unit_id) if u]


def _tell_approvers(session: Any, entry: LedgerEntry) -> None:
    """CLOSEOUT_AWAITED to the leaders who decide it (`can_decide_closeout`) and may open the entry."""
    from app.notifications import notify
    from app.notifications.models import NotificationKind

    notify(session, NotificationKind.CLOSEOUT_AWAITED, record=entry, units=approver_units(entry),
           roles=roles_granted("ledgers", "can_decide_closeout"),
           title=gettext("Close-out (销号) of %(number)s awaits your approval", number=entry.number),
           url=f"/ledgers/entries/show/{entry.id}")


def decide_closeout(
    session: Any, request: CloseOutRequest, approve: bool, note: str | None, scope: Scope,
    user_id: int | None, today: date | None = None,
) -> None:
    """A leader approves (the rules are checked again, today) or refuses (with a reason)."""
    note = (note or "").strip()
    today = today or clock.today()
    if request.status != CloseOutStatus.PENDING.value:
        raise DomainError(gettext("This application has already been decided"))
    entry = request.entry
    if approve:
        check = check_closeout(session, entry, scope, today)
        if not check.allowed:
            raise DomainError(check.message())
        request.status = CloseOutStatus.APPROVED.value
        entry.status = EntryStatus.CLOSED.value
        entry.closed_on = today
        add_note(entry, today, gettext("Closed out (approved)") + (f"：{note}" if note else ""))
    else:
        if not note:
            raise DomainError(gettext("Give the reason for refusing"), field="note")
        request.status = CloseOutStatus.REFUSED.value
    request.decided_at = now()
    request.decided_by_id = user_id
    request.decision_note = note or None
