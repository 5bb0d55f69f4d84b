"""积案, 上级交办, meetings by type and 下访: the figures of 四联四包 work (seeds 001, 003, 004).

DOMAIN.md names none of these figures; their definitions (shown on the page, and in the README's
figures section) are these:

- 积案数: cases marked 积案 now, whenever received; 已化解: of those, the ones closed (结案存档) now.
- 上级交办按期办结率: referred cases closed by the referring body's own deadline (交办期限, the whole
  day counts) ÷ referred cases closed, or still open with that deadline passed. Referred cases still
  open and within their deadline are not counted yet (as 按期办结率 does).
- 会议 by type: meetings held in the period (held_on), per type.
- 下访: visits (下访) held in the period and the problems they solved (the number recorded on each).

Everything through the viewer's scope; merged and voided registrations count nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.cases.models import Case
from app.core.scoping import scope_clause
from app.leaders.models import Reception, ReceptionKind
from app.supervision.models import JointMeeting, MeetingKind

DEFINITIONS = (
    (_l("Backlog cases (积案)"), _l("Cases marked 积案 now, whenever received; resolved = of those, the ones "
                                   "closed and archived now.")),
    (_l("Referrals closed on time (上级交办按期办结率)"),
     _l("Referred cases closed by the referring body's own deadline (交办期限, the whole day counts) ÷ referred "
        "cases closed, or still open with that deadline passed. Open referrals within their deadline are not "
        "counted yet.")),
    (_l("Meetings by type"), _l("Meetings held in the period (by the day held), per type.")),
    (_l("Visits (下访)"), _l("Visits to a locality held in the period and the problems they solved (the number "
                            "recorded on each visit).")),
)


@dataclass(frozen=True)
class BacklogFigures:
    backlog: int
    backlog_resolved: int
    referred: int
    referred_on_time: int
    referred_counted: int  # closed, or open past the referring body's deadline

    @property
    def on_time_rate(self) -> str:
        if not self.referred_counted:
            return "—"
        return f"{100 * self.referred_on_time / self.referred_counted:.1f}%"


def backlog_figures(session: Session, today: date) -> BacklogFigures:
    counted = and_(Case.counted, scope_clause(Case))
    closed_on = func.date(Case.closed_at)
    row = session.execute(
        select(
            func.count().filter(Case.is_backlog.is_(True)),
            func.count().filter(Case.is_backlog.is_(True), Case.closed_at.is_not(None)),
            func.count().filter(Case.is_referred.is_(True)),
            func.count().filter(Case.is_referred.is_(True), Case.closed_at.is_not(None),
                                closed_on <= Case.referral_due),
            func.count().filter(Case.is_referred.is_(True), or_(
                Case.closed_at.is_not(None), and_(Case.referral_due.is_not(None), Case.referral_due < today))),
        ).where(counted, or_(Case.is_backlog.is_(True), Case.is_referred.is_(True)))
    ).one()
    return BacklogFigures(*(int(n or 0) for n in row))


def meetings_by_kind(session: Session, first: date, last: date) -> list[tuple[str, str, int]]:
    """(code, label, meetings held in [first, last]) for every type, in the vocabulary's order."""
    counts = dict(session.execute(
        select(JointMeeting.kind, func.count())
        .where(JointMeeting.held_on >= first, JointMeeting.held_on <= last, scope_clause(JointMeeting))
        .group_by(JointMeeting.kind)
    ).all())
    return [(code, str(label), int(counts.get(code, 0))) for code, label in MeetingKind.choices()]


def visits(session: Session, first: date, last: date) -> tuple[int, int]:
    """(visits held in [first, last], problems they solved)."""
    row = session.execute(
        select(func.count(), func.coalesce(func.sum(Reception.problems_solved), 0))
        .where(Reception.kind == ReceptionKind.VISIT.value, Reception.held_on >= first, Reception.held_on <= last,
               scope_clause(Reception))
    ).one()
    return int(row[0]), int(row[1])



