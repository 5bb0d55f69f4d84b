"""Rules of joint meetings (联席会议, seed 003: monthly) and their follow-up tasks.

A meeting belongs to the county (no township) or to one township; a township's users record
only their township's meetings. Participating units, cases discussed (typed as numbers, inside
the recorder's scope) and decisions are kept with it. Each follow-up task names one unit and a
deadline; it sits in that unit's work queue (`open_tasks_clause`) until a user of the unit — or
a supervisor of the meeting's area — marks it done with a note.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import and_, false
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from app.core.clock import now as wall_clock
from app.core.errors import DomainError
from app.core.scoping import Scope
from app.core.validators import future_error
from app.org.models import RESPONSIBLE_KINDS, OrgKind, OrgUnit
from app.org.scoping import scope_for_user
from app.security.roles import roles_granted
from app.supervision.models import JointMeeting, MeetingTask
from app.supervision.orders import is_supervisor

MAX_TEXT = 5000


def meeting_problems(meeting: JointMeeting, scope: Scope) -> list[DomainError]:
    problems: list[DomainError] = []
    township = meeting.township
    if township is not None and township.kind != OrgKind.TOWNSHIP.value:
        problems.append(DomainError(gettext("Choose a township, or leave it empty for the county"), field="township"))
    if not scope.everything:
        if township is None:
            problems.append(DomainError(
                gettext("Only county-level users record the county's meetings: choose your township"),
                field="township",
            ))
        elif township.id not in scope.township_ids:
            problems.append(DomainError(gettext("You may record meetings of your own township only"),
                                        field="township"))
    error = future_error(meeting.held_on)
    if error:
        problems.append(DomainError(error, field="held_on"))
    if not meeting.units:
        problems.append(DomainError(gettext("Name the units that took part"), field="units"))
    return problems


def summarize(meeting: JointMeeting) -> None:
    names = "、".join(u.name for u in meeting.units)
    meeting.unit_names = names if len(names) <= 2000 else names[:1999] + "…"
    numbers = "、".join(c.number for c in meeting.cases)
    meeting.case_numbers = numbers if len(numbers) <= 2000 else numbers[:1999] + "…"


def add_task(session: Session, meeting: JointMeeting, unit: OrgUnit | None, description: str | None,
             due_on: date | None, actor: Any = None) -> MeetingTask:
    """A follow-up task for `unit`; its users who report tasks done are told (MEETING_TASK)."""
    text = (description or "").strip()
    if unit is None or not unit.active or unit.org_kind not in RESPONSIBLE_KINDS:
        raise DomainError(gettext("Choose the unit that follows up"), field="unit")
    if meeting.township_id is not None and unit.township_id not in (None, meeting.township_id):
        raise DomainError(gettext("A township's meeting gives tasks to its own or county-level units"), field="unit")
    if not text:
        raise DomainError(gettext("Describe the task"), field="description")
    if len(text) > MAX_TEXT:
        raise DomainError(gettext("At most %(max)d characters (now %(n)d)", max=MAX_TEXT, n=len(text)),
                          field="description")
    if due_on is None:
        raise DomainError(gettext("Enter the deadline"), field="due_on")
    if due_on < meeting.held_on:
        raise DomainError(gettext("The deadline cannot be before the meeting"), field="due_on")
    task = MeetingTask(unit_id=unit.id, unit=unit, description=text, due_on=due_on, done=False)
    meeting.tasks.append(task)
    session.flush()
    _tell_unit(session, task, actor)
    return task


def _tell_unit(session: Session, task: MeetingTask, actor: Any) -> None:
    """MEETING_TASK to the unit's users who report tasks done. The record is the meeting (what
    they open); the title names the meeting and the deadline, not the cases discussed."""
    from app.notifications import notify
    from app.notifications.models import NotificationKind

    meeting = task.meeting
    notify(session, NotificationKind.MEETING_TASK, record=meeting, units=[task.unit_id],
           roles=roles_granted("meetings", "can_complete_task"),
           title=gettext("Joint meeting task for your unit: %(meeting)s, due %(day)s",
                         meeting=meeting.title, day=task.due_on.isoformat()),
           url=f"/supervision/meetings/show/{meeting.id}", actor=actor)


def may_complete(task: MeetingTask, actor: Any) -> bool:
    """The unit's own users, or a supervisor of the meeting's area."""
    if getattr(actor, "org_unit_id", None) == task.unit_id:
        return True
    if not is_supervisor(actor):
        return False
    scope = scope_for_user(actor)
    township_id = task.meeting.township_id
    return scope.everything or (township_id is not None and township_id in scope.township_ids)


def complete_task(session: Session, task: MeetingTask, actor: Any, note: str | None,
                  now: datetime | None = None) -> None:
    if not may_complete(task, actor):
        raise DomainError(
            gettext("This task belongs to %(unit)s: only that unit may report it done.",
                    unit=task.unit.name if task.unit else "")
        )
    if task.done:
        raise DomainError(gettext("This task is already done."))
    text = (note or "").strip()
    if not text:
        raise DomainError(gettext("Say what was done"), field="note")
    if len(text) > MAX_TEXT:
        raise DomainError(gettext("At most %(max)d characters (now %(n)d)", max=MAX_TEXT, n=len(text)), field="note")
    task.done = True
    task.done_at = now or wall_clock()
    task.done_by_id = actor.id
    task.done_note = text
    session.flush()


def open_tasks_clause(actor: Any) -> ColumnElement:
    """Follow-up tasks waiting for the actor's unit."""
    unit_id = getattr(actor, "org_unit_id", None)
    if unit_id is None:
        return false()
    return and_(MeetingTask.unit_id == unit_id, MeetingTask.done.is_(False))
