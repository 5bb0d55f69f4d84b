"""Rules of leaders' work: holdings (领导包案) with their duties and notes, the reception schedule
(领导接访) and reception records (接访/下访).

Who acts for a leader (`may_act_for`): the leader themself (the account linked to the leader
record); the administrator; and, for leaders inside their area, the office staff who keep the
records (a township's 乡镇管理员 or 登记员 — roles other than 领导). A 领导 who is not linked to a
leader record acts for nobody. The permission layer (ROLE_GRANTS) decides who may reach each
page at all; these rules decide for whom.

A holding's target (a case or a ledger entry) must be inside the recorder's scope, in the
leader's township for a township leader, and still open; a leader holds a target once at a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases.models import FINISHED_STATUSES
from app.core import clock
from app.core.clock import now as wall_clock
from app.core.errors import DomainError
from app.core.scoping import Scope
from app.core.validators import future_error
from app.leaders.models import (
    DutyItem,
    Holding,
    HoldingDuty,
    HoldingNote,
    HoldingStatus,
    Leader,
    LeaderRank,
    Reception,
    ReceptionKind,
    ReceptionSlot,
)
from app.org.models import OrgKind, OrgUnit
from app.org.scoping import scope_for_user
from app.security.roles import RoleName

MAX_TEXT = 5000
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _roles(actor: Any) -> frozenset[str]:
    return frozenset(role.name for role in getattr(actor, "roles", []) or [])


def covers_unit(scope: Scope, unit: OrgUnit | None) -> bool:
    """Is this org unit (a leader's, a place) inside the scope? (ScopeSpec org_unit, in Python.)"""
    if unit is None:
        return False
    return (
        scope.everything
        or (unit.township_id is not None and unit.township_id in scope.township_ids)
        or (unit.village_id is not None and unit.village_id in scope.village_ids)
        or unit.id in scope.unit_ids
    )


def may_act_for(actor: Any, leader: Leader | None) -> bool:
    if actor is None or leader is None:
        return False
    roles = _roles(actor)
    if RoleName.ADMIN in roles or leader.user_id == actor.id:
        return True
    if not roles - {RoleName.LEADER}:
        return False
    return covers_unit(scope_for_user(actor), leader.org_unit)


def _not_for(leader: Leader | None) -> DomainError:
    if leader is None:
        return DomainError(gettext("Choose the leader"), field="leader")
    return DomainError(gettext("You may not keep the records of %(name)s", name=leader.name), field="leader")


def _long(text: str | None, field: str) -> DomainError | None:
    if text and len(text) > MAX_TEXT:
        return DomainError(gettext("At most %(max)d characters (now %(n)d)", max=MAX_TEXT, n=len(text)), field=field)
    return None


# --- leader records --------------------------------------------------------------------------------


def leader_problems(leader: Leader, scope: Scope) -> list[DomainError]:
    problems: list[DomainError] = []
    unit = leader.org_unit
    if unit is None or not covers_unit(scope, unit):
        problems.append(DomainError(gettext("Choose an org unit inside your area"), field="org_unit"))
    elif leader.rank == LeaderRank.COUNTY.value and unit.township_id is not None:
        problems.append(DomainError(gettext("A county-level leader belongs to a county-level unit"), field="rank"))
    user = leader.user
    if user is not None and not covers_unit(scope, user.org_unit):
        problems.append(DomainError(gettext("Choose an account inside your area"), field="user"))
    return problems


def leader_for_user(session: Session, user: Any) -> Leader | None:
    if user is None:
        return None
    return session.execute(select(Leader).where(Leader.user_id == user.id)).scalar_one_or_none()


# --- holdings (领导包案) --------------------------------------------------------------------------------


def holding_problems(session: Session, holding: Holding, actor: Any, is_new: bool) -> list[DomainError]:
    """Check a holding as the form set it (leader, target, taken_on, goal)."""
    problems: list[DomainError] = []
    leader = holding.leader
    if not may_act_for(actor, leader):
        problems.append(_not_for(leader))
    elif is_new and not leader.active:
        problems.append(DomainError(gettext("This leader is no longer in office"), field="leader"))
    error = future_error(holding.taken_on)
    if error:
        problems.append(DomainError(error, field="taken_on"))
    problem = _long(holding.goal, "goal")
    if problem:
        problems.append(problem)
    if not is_new:
        return problems
    case, entry = holding.case, holding.ledger_entry
    if (case is None) == (entry is None):
        problems.append(DomainError(gettext("Enter either a case number or a ledger number"), field="case_number"))
        return problems
    target = case or entry
    field = "case_number" if case is not None else "entry_number"
    if case is not None and case.status in FINISHED_STATUSES:
        problems.append(DomainError(
            gettext("Case %(number)s is finished (%(status)s): there is nothing left to hold.",
                    number=case.number, status=case.status_label), field=field,
        ))
    if entry is not None and entry.status == "closed":
        problems.append(DomainError(gettext("Ledger entry %(number)s is closed out.", number=entry.number), field=field))
    if leader is not None and leader.org_unit is not None and leader.org_unit.township_id is not None \
            and target.township_id != leader.org_unit.township_id:
        problems.append(DomainError(
            gettext("A township leader holds cases and disputes of their own township"), field=field
        ))
    if leader is not None:
        taken = select(Holding.id).where(Holding.leader_id == leader.id, Holding.id != (holding.id or -1),
                                         Holding.status == HoldingStatus.HOLDING.value)
        taken = taken.where(Holding.case_id == case.id) if case is not None else taken.where(
            Holding.ledger_entry_id == entry.id)
        with session.no_autoflush:  # not the holding being checked itself
            clash = session.execute(taken).first()
        if clash is not None:
            problems.append(DomainError(
                gettext("%(name)s already holds %(number)s", name=leader.name, number=target.number), field=field
            ))
    return problems


def start_holding(session: Session, holding: Holding) -> None:
    """A new holding: the current duty list copied onto it, the target's number and title."""
    holding.status = HoldingStatus.HOLDING.value
    target = holding.case or holding.ledger_entry
    holding.target_number = target.number if target.id else ""
    holding.target_title = target.title or ""
    duties = session.execute(
        select(DutyItem).where(DutyItem.active.is_(True)).order_by(DutyItem.sort_order, DutyItem.id)
    ).scalars()
    for position, duty in enumerate(duties):
        holding.duties.append(HoldingDuty(duty_item_id=duty.id, name=duty.name, sort_order=position))
    if holding.case is not None and holding.leader is not None:
        from app.leaders.coverage import take_proposals

        take_proposals(session, holding)


def _check_day(day: date | None, holding: Holding, field: str) -> date:
    if day is None:
        raise DomainError(gettext("Enter the date"), field=field)
    error = future_error(day)
    if error:
        raise DomainError(error, field=field)
    if day < holding.taken_on:
        raise DomainError(gettext("The date cannot be before the case was taken on (%(day)s)",
                                  day=holding.taken_on.isoformat()), field=field)
    return day


def _require_active(holding: Holding, actor: Any) -> None:
    if not may_act_for(actor, holding.leader):
        raise _not_for(holding.leader)
    if not holding.is_active:
        raise DomainError(gettext("This holding has ended (%(status)s).", status=holding.status_label))


def tick_duty(session: Session, holding: Holding, duty_id: Any, done_on: date | None, note: str | None,
              actor: Any) -> HoldingDuty:
    """Tick off one duty with the date it was done and a note saying how."""
    _require_active(holding, actor)
    duty = next((d for d in holding.duties if str(d.id) == str(duty_id)), None)
    if duty is None:
        raise DomainError(gettext("Choose the duty"), field="duty")
    if duty.done_on is not None:
        raise DomainError(gettext("“%(duty)s” was ticked off on %(day)s", duty=duty.name,
                                  day=duty.done_on.isoformat()), field="duty")
    done_on = _check_day(done_on, holding, "noted_on")
    text = (note or "").strip()
    if not text:
        raise DomainError(gettext("Say how the duty was fulfilled"), field="text")
    problem = _long(text, "text")
    if problem:
        raise problem
    duty.done_on = done_on
    duty.done_by_id = actor.id
    holding.notes.append(HoldingNote(noted_on=done_on, duty_name=duty.name, text=text, created_at=wall_clock(),
                                     created_by_id=actor.id))
    session.flush()
    return duty


def add_note(session: Session, holding: Holding, noted_on: date | None, text: str | None, actor: Any) -> HoldingNote:
    _require_active(holding, actor)
    noted_on = _check_day(noted_on, holding, "noted_on")
    body = (text or "").strip()
    if not body:
        raise DomainError(gettext("Write the note"), field="text")
    problem = _long(body, "text")
    if problem:
        raise problem
    note = HoldingNote(noted_on=noted_on, text=body, created_at=wall_clock(), created_by_id=actor.id)
    holding.notes.append(note)
    session.flush()
    return note


def end_holding(session: Session, holding: Holding, status: str | None, ended_on: date | None,
                note: str | None, actor: Any) -> None:
    """End a holding: resolved (化解) or handed over to another leader."""
    _require_active(holding, actor)
    if status not in (HoldingStatus.RESOLVED.value, HoldingStatus.HANDED_OVER.value):
        raise DomainError(gettext("Choose how the holding ends"), field="status")
    ended_on = _check_day(ended_on, holding, "ended_on")
    body = (note or "").strip()
    if not body:
        raise DomainError(gettext("Say why the holding ends"), field="note")
    problem = _long(body, "note")
    if problem:
        raise problem
    holding.status = status
    holding.ended_on = ended_on
    holding.end_note = body
    holding.notes.append(HoldingNote(noted_on=ended_on, text=body, created_at=wall_clock(), created_by_id=actor.id))
    session.flush()


# --- the reception schedule -----------------------------------------------------------------------------


def slot_problems(slot: ReceptionSlot, actor: Any, is_new: bool, today: date | None = None) -> list[DomainError]:
    problems: list[DomainError] = []
    today = today or clock.today()
    if not may_act_for(actor, slot.leader):
        problems.append(_not_for(slot.leader))
    for field in ("start_time", "end_time"):
        value = (getattr(slot, field) or "").strip()
        setattr(slot, field, value)
        if not _TIME.match(value):
            problems.append(DomainError(gettext("Enter the time as HH:MM, e.g. 09:00"), field=field))
    if not problems and slot.end_time <= slot.start_time:
        problems.append(DomainError(gettext("The reception ends after it starts"), field="end_time"))
    if slot.day is not None and is_new and slot.day < today:
        problems.append(DomainError(gettext("A reception is planned for today or later"), field="day"))
    township = slot.township
    if township is not None and township.kind != OrgKind.TOWNSHIP.value:
        problems.append(DomainError(gettext("Choose a township"), field="township"))
    return problems


def fill_slot(slot: ReceptionSlot) -> None:
    """The slot belongs to the leader's org unit; a township leader receives in their township."""
    unit = slot.leader.org_unit
    slot.org_unit_id = unit.id
    # Through the relationship: the form set `township` to None, and on flush a relationship
    # set to None would overwrite a plain township_id.
    if slot.township is None and unit.township_id is not None:
        slot.township = unit.township


@dataclass(frozen=True)
class PublicSlot:
    """A published reception as the public sees it: who (name and post), when, where, on what."""

    day: date
    start_time: str
    end_time: str
    place: str
    subjects: str
    leader_name: str
    leader_post: str
    leader_rank: str
    township: str

    @property
    def weekend(self) -> bool:
        return self.day.weekday() >= 5


def upcoming_slots(session: Session, start: date | None = None, days: int = 28) -> list[PublicSlot]:
    """Published receptions from `start` (today) for `days` days — for the schedule page and the
    public portal. Deliberately unscoped: the schedule is published to everyone (no personal
    data: a leader's name and post are public in a 接访 schedule)."""
    start = start or clock.today()
    end = start + timedelta(days=days)
    rows = session.execute(
        select(ReceptionSlot, Leader, OrgUnit.name)
        .join(Leader, Leader.id == ReceptionSlot.leader_id)
        .outerjoin(OrgUnit, OrgUnit.id == ReceptionSlot.township_id)
        .where(ReceptionSlot.published.is_(True), Leader.active.is_(True),
               ReceptionSlot.day >= start, ReceptionSlot.day < end)
        .order_by(ReceptionSlot.day, ReceptionSlot.start_time, Leader.sort_order, Leader.id)
    ).all()
    return [
        PublicSlot(
            day=slot.day, start_time=slot.start_time, end_time=slot.end_time, place=slot.place,
            subjects=slot.subjects or "", leader_name=leader.name, leader_post=leader.post or "",
            leader_rank=leader.rank_label, township=township or "",
        )
        for slot, leader, township in rows
    ]


# --- receptions held (接访) and visits (下访) --------------------------------------------------------


def reception_problems(reception: Reception, actor: Any) -> list[DomainError]:
    problems: list[DomainError] = []
    if not may_act_for(actor, reception.leader):
        problems.append(_not_for(reception.leader))
    error = future_error(reception.held_on)
    if error:
        problems.append(DomainError(error, field="held_on"))
    batches, persons = reception.batches or 0, reception.persons or 0
    if batches < 0:
        problems.append(DomainError(gettext("Cannot be negative"), field="batches"))
    if persons < batches:
        problems.append(DomainError(gettext("Every batch has at least one person: persons ≥ batches"),
                                    field="persons"))
    if persons > 0 and batches == 0:
        problems.append(DomainError(gettext("Persons were received: enter the number of batches"), field="batches"))
    if (reception.problems_solved or 0) < 0:
        problems.append(DomainError(gettext("Cannot be negative"), field="problems_solved"))
    township, village = reception.township, reception.village
    if village is not None and (township is None or village.township_id != township.id):
        problems.append(DomainError(gettext("This village does not belong to the chosen township"), field="village"))
    if reception.kind == ReceptionKind.VISIT.value and township is None:
        problems.append(DomainError(gettext("A visit names the township visited"), field="township"))
    slot = reception.slot
    if slot is not None and reception.leader is not None and slot.leader_id != reception.leader.id:
        problems.append(DomainError(gettext("This planned reception is another leader's"), field="slot"))
    problem = _long(reception.summary, "summary")
    if problem:
        problems.append(problem)
    return problems


def fill_reception(reception: Reception) -> None:
    reception.problems_solved = reception.problems_solved or 0
    unit = reception.leader.org_unit
    reception.org_unit_id = unit.id
    if reception.township is None and unit.township_id is not None:
        reception.township = unit.township  # the relationship, as in fill_slot
    numbers = "、".join(c.number for c in reception.cases)
    reception.case_numbers = numbers if len(numbers) <= 2000 else numbers[:1999] + "…"


def reception_totals(session: Session, leader_ids: list[int], start: date, end: date) -> dict[int, tuple[int, int, int]]:
    """Per leader: (receptions and visits, batches, persons) between start and end."""
    from sqlalchemy import func

    if not leader_ids:
        return {}
    rows = session.execute(
        select(Reception.leader_id, func.count(), func.coalesce(func.sum(Reception.batches), 0),
               func.coalesce(func.sum(Reception.persons), 0))
        .where(Reception.leader_id.in_(leader_ids), Reception.held_on >= start, Reception.held_on <= end)
        .group_by(Reception.leader_id)
    ).all()
    return {leader_id: (int(n), int(b), int(p)) for leader_id, n, b, p in rows}

