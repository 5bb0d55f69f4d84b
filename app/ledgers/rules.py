"""Rules of the dispute ledger: what a valid entry is, and how it moves through the 三级清单.

The same checks run for the entry form and for every row of an Excel import (`entry_problems`).
Seed 003's 三级清单: 一级 — resolved and in observation; 二级/三级 — unresolved. So resolving a
dispute puts it on level 1, and raising a resolved dispute to level 2 or 3 reopens it. Every
level change is recorded with its reason; nothing here edits that history.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext

from app.core.clock import now
from app.core.errors import DomainError
from app.core.scoping import Scope
from app.core.validators import future_error
from app.ledgers.models import (
    CloseOutStatus,
    EntryStatus,
    LedgerEntry,
    LevelChange,
    ListLevel,
    ProgressNote,
)

UNRESOLVED_LEVELS = frozenset({ListLevel.SPECIAL.value, ListLevel.KEY.value})


def entry_problems(
    *,
    scope: Scope,
    township_id: int | None,
    village: Any = None,
    hamlet: Any = None,
    found_on: date | None = None,
    level: str | None = None,
    resolved_on: date | None = None,
    people_count: int | None = None,
    party_count: int = 0,
    is_new: bool = True,
    responsible_unit_id: int | None = None,
) -> list[DomainError]:
    """Everything wrong with an entry's values (form and import alike); empty when valid.

    `village` / `hamlet` are org units (or rows) with `township_id` / `village_id` attributes.
    """
    problems: list[DomainError] = []
    village_id = village.id if village is not None else None
    if village is not None and village.township_id != township_id:
        problems.append(DomainError(gettext("This village does not belong to the chosen township"), field="village"))
    if hamlet is not None:
        if village is None:
            problems.append(DomainError(gettext("Choose the village the hamlet belongs to"), field="village"))
        elif hamlet.village_id != village_id:
            problems.append(DomainError(gettext("This hamlet does not belong to the chosen village"), field="hamlet"))
    if township_id is not None and not scope.covers_place(township_id, village_id) and not (
        not is_new and responsible_unit_id in scope.unit_ids
    ):
        problems.append(DomainError(gettext("You may not record ledger entries for this township"), field="township"))
    if found_on is not None:
        error = future_error(found_on)
        if error:
            problems.append(DomainError(error, field="found_on"))
    if level == ListLevel.GENERAL.value and resolved_on is None:
        problems.append(DomainError(
            gettext("Level 1 lists resolved disputes: enter the date the dispute was resolved"), field="resolved_on"
        ))
    if level in UNRESOLVED_LEVELS and resolved_on is not None:
        problems.append(DomainError(
            gettext("Levels 2 and 3 list unresolved disputes: leave the resolution date empty"), field="resolved_on"
        ))
    if resolved_on is not None:
        error = future_error(resolved_on)
        if error:
            problems.append(DomainError(error, field="resolved_on"))
        elif found_on is not None and resolved_on < found_on:
            problems.append(DomainError(
                gettext("The dispute cannot be resolved before it was found"), field="resolved_on"
            ))
    if party_count < 1:
        problems.append(DomainError(gettext("Enter at least one party"), field="parties"))
    if people_count is None or people_count < 1:
        problems.append(DomainError(gettext("The number of people must be at least 1"), field="people_count"))
    elif people_count < party_count:
        problems.append(DomainError(
            gettext(
                "The number of people involved (%(n)d) is smaller than the parties entered (%(m)d)",
                n=people_count, m=party_count,
            ),
            field="people_count",
        ))
    return problems


def initial_state(entry: LedgerEntry, reason: str) -> None:
    """A new entry: status from its level, and the first line of its level history."""
    entry.status = (
        EntryStatus.RESOLVED.value if entry.level == ListLevel.GENERAL.value else EntryStatus.UNRESOLVED.value
    )
    if entry.status == EntryStatus.UNRESOLVED.value:
        entry.resolved_on = None
    entry.level_changes.append(LevelChange(from_level=None, to_level=entry.level, reason=reason, changed_at=now()))


def change_level(entry: LedgerEntry, to_level: str | None, reason: str | None) -> LevelChange:
    """A leader moves the entry to another list, giving the reason (kept for ever)."""
    reason = (reason or "").strip()
    if entry.status == EntryStatus.CLOSED.value:
        raise DomainError(gettext("This entry is closed out; its level can no longer change"))
    if to_level not in ListLevel.codes():
        raise DomainError(gettext("Choose level 1, 2 or 3"), field="level")
    if to_level == entry.level:
        raise DomainError(gettext("The entry is already on this level"), field="level")
    if not reason:
        raise DomainError(gettext("Give the reason for the change"), field="reason")
    if to_level == ListLevel.GENERAL.value and entry.status != EntryStatus.RESOLVED.value:
        raise DomainError(
            gettext("Level 1 lists resolved disputes: record the resolution first"), field="level"
        )
    change = LevelChange(from_level=entry.level, to_level=to_level, reason=reason, changed_at=now())
    entry.level_changes.append(change)
    entry.level = to_level
    if to_level in UNRESOLVED_LEVELS and entry.status == EntryStatus.RESOLVED.value:
        # The dispute flared up again: out of observation, and any pending close-out goes back.
        entry.status = EntryStatus.UNRESOLVED.value
        entry.resolved_on = None
        for request in entry.closeout_requests:
            if request.status == CloseOutStatus.PENDING.value:
                request.status = CloseOutStatus.REFUSED.value
                request.decided_at = now()
                request.decision_note = gettext("Returned: the entry was moved back to an unresolved level")
    return change


def resolve_entry(entry: LedgerEntry, resolved_on: date | None, note: str | None) -> None:
    """Record that the dispute is resolved: level 1, in observation from `resolved_on`."""
    note = (note or "").strip()
    if entry.status != EntryStatus.UNRESOLVED.value:
        raise DomainError(gettext("This dispute is not open: it is already resolved or closed out"))
    if resolved_on is None:
        raise DomainError(gettext("Enter the date the dispute was resolved"), field="resolved_on")
    error = future_error(resolved_on)
    if error:
        raise DomainError(error, field="resolved_on")
    if entry.found_on is not None and resolved_on < entry.found_on:
        raise DomainError(gettext("The dispute cannot be resolved before it was found"), field="resolved_on")
    if not note:
        raise DomainError(gettext("Say how the dispute was resolved"), field="note")
    entry.status = EntryStatus.RESOLVED.value
    entry.resolved_on = resolved_on
    if entry.level != ListLevel.GENERAL.value:
        entry.level_changes.append(LevelChange(
            from_level=entry.level, to_level=ListLevel.GENERAL.value,
            reason=gettext("Resolved: %(note)s", note=note), changed_at=now(),
        ))
        entry.level = ListLevel.GENERAL.value
    add_note(entry, resolved_on, gettext("Resolved: %(note)s", note=note))


def add_note(entry: LedgerEntry, noted_on: date | None, text: str | None) -> ProgressNote:
    text = (text or "").strip()
    if noted_on is None:
        raise DomainError(gettext("Enter the date of the progress"), field="noted_on")
    error = future_error(noted_on)
    if error:
        raise DomainError(error, field="noted_on")
    if not text:
        raise DomainError(gettext("Describe the progress"), field="text")
    if len(text) > 5000:
        raise DomainError(gettext("At most %(max)d characters (now %(n)d)", max=5000, n=len(text)), field="text")
    note = ProgressNote(noted_on=noted_on, text=text, created_at=now())
    entry.notes.append(note)
    if entry.last_progress_on is None or noted_on >= entry.last_progress_on:
        entry.last_progress_on = noted_on
    return note
