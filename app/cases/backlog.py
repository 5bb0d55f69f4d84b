"""积案 and 上级交办 (seeds 001, 004): marking a case, its referral and the referring body's deadline.

A case is marked 积案 (a long-unresolved case, 信访积案) and/or 上级交办 (referred by a body above,
named with its 交办文号 and its own 交办期限). Seed 004 brings both, with the cases not finished on
time, under 四联四包 (app/leaders/coverage.py). Marking and unmarking change the case (the audit
log records the change: app/audit/capture.py) and add an event to its history.

The referral's deadline is the referring body's, not a stage of the 条例's workflow: DOMAIN.md's
临期/超期 read the workflow's own deadlines, so the 交办期限 is shown beside them and flagged on
its own (`referral_urgency`), never mixed into `next_due_at`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from flask_babel import gettext

from app.cases.models import UNCOUNTED_STATUSES, Case
from app.cases.workflow.base import _event
from app.core.calendar import Urgency
from app.core.clock import now as wall_clock
from app.core.errors import DomainError, StaleRecordError
from app.deadlines.policy import current_policy

EVENT_STEP = "backlog"  # its label: workflow/timeline.py EVENT_LABELS
MAX_NOTE = 500


@dataclass
class Marks:
    """What the form sets."""

    is_backlog: bool
    is_referred: bool
    referred_by: str = ""
    referral_number: str = ""
    referral_due: date | None = None
    note: str = ""


def current_marks(case: Case) -> Marks:
    return Marks(bool(case.is_backlog), bool(case.is_referred), case.referred_by or "",
                 case.referral_number or "", case.referral_due, "")


def marks_problems(case: Case, marks: Marks) -> list[DomainError]:
    problems: list[DomainError] = []
    if case.status in {s.value for s in UNCOUNTED_STATUSES}:
        problems.append(DomainError(gettext("A merged or voided registration is not marked"), field="is_backlog"))
    if marks.is_referred:
        if not marks.referred_by:
            problems.append(DomainError(gettext("Enter the referring body"), field="referred_by"))
        if marks.referral_due is None:
            problems.append(DomainError(gettext("Enter the referring body's deadline"), field="referral_due"))
        elif marks.referral_due < case.received_at.date():
            problems.append(DomainError(gettext("The deadline cannot be before the case was received (%(day)s)",
                                                day=case.received_at.date().isoformat()), field="referral_due"))
    if len(marks.referred_by) > 100:
        problems.append(DomainError(gettext("At most %(max)d characters (now %(n)d)", max=100,
                                            n=len(marks.referred_by)), field="referred_by"))
    if len(marks.referral_number) > 50:
        problems.append(DomainError(gettext("At most %(max)d characters (now %(n)d)", max=50,
                                            n=len(marks.referral_number)), field="referral_number"))
    if len(marks.note) > MAX_NOTE:
        problems.append(DomainError(gettext("At most %(max)d characters (now %(n)d)", max=MAX_NOTE,
                                            n=len(marks.note)), field="note"))
    if not problems and _same(current_marks(case), marks):
        problems.append(DomainError(gettext("Nothing was changed"), field="is_backlog"))
    return problems


def _same(old: Marks, new: Marks) -> bool:
    return (old.is_backlog, old.is_referred, old.referred_by, old.referral_number, old.referral_due) == (
        new.is_backlog, new.is_referred, new.referred_by, new.referral_number, new.referral_due)


def describe(marks: Marks) -> str:
    """How the marks read in the history: "积案；上级交办：省信访局 〔2026〕12号，期限 2026-12-31"."""
    parts = []
    if marks.is_backlog:
        parts.append(gettext("Backlog case (积案)"))
    if marks.is_referred:
        words = gettext("Referred from above (上级交办)") + "：" + marks.referred_by
        if marks.referral_number:
            words += " " + marks.referral_number
        if marks.referral_due:
            words += "，" + gettext("due %(day)s", day=marks.referral_due.isoformat())
        parts.append(words)
    return "；".join(parts) or gettext("No marks")


def set_marks(session: Any, case: Case, marks: Marks, actor: Any, expected_version: Any = None) -> None:
    """Mark or unmark the case, with an event in its history. Raises DomainError(s) when refused."""
    from app.core.errors import raise_problems

    if expected_version not in (None, "") and str(expected_version) != str(case.version):
        raise StaleRecordError()
    marks.referred_by = (marks.referred_by or "").strip()
    marks.referral_number = (marks.referral_number or "").strip()
    marks.note = (marks.note or "").strip()
    if not marks.is_referred:
        marks.referred_by, marks.referral_number, marks.referral_due = "", "", None
    raise_problems(marks_problems(case, marks))
    before = describe(current_marks(case))
    case.is_backlog = marks.is_backlog
    case.is_referred = marks.is_referred
    case.referred_by = marks.referred_by or None
    case.referral_number = marks.referral_number or None
    case.referral_due = marks.referral_due
    at = wall_clock()
    text = f"{before} → {describe(marks)}"
    if marks.note:
        text += f"\n{marks.note}"
    session.add(_event(case, EVENT_STEP, case.status, case.status, actor, at, at, text,
                       {"backlog": marks.is_backlog, "referred": marks.is_referred}))
    session.flush()


def referral_due_at(day: date | None) -> datetime | None:
    """The referring body's deadline as a moment: the end of its last day."""
    return None if day is None else datetime.combine(day, time(23, 59, 59))


def referral_urgency(case: Case, now: datetime | None = None) -> Urgency | None:
    """临期 / 超期 of the referring body's deadline, on its own (None: no deadline, or finished)."""
    if not case.is_referred or case.referral_due is None or not case.is_open:
        return None
    return current_policy().urgency(referral_due_at(case.referral_due), now or wall_clock())
