"""The leader score (seed 004's 四联四包 assessment): points per leader per period.

Each active `ScoreRule` gives the points of one kind of event; an event counts in the period
it happened in, and only while the leader held the case (from the day it was taken on, to the
day the holding ended, inclusive):

- RESOLVED (+): a held case closed (结案) in the period, or a held ledger entry resolved;
- SKIPPED_LEVELS (−): a case received in the period that skips levels (越级) and is the held
  case itself or a repeat petition of it (重信重访 linked to it) — the petitioner went over the
  holding leader's head;
- OVERDUE (−): a held case whose reply deadline fell in the period (and has passed) without a
  reply by then — once per case and deadline.

`compute_scores(session, leaders, start, end)` returns each leader's lines (the events behind
every point, for the drill-down) and total, ranked. A few queries for any number of leaders.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from app.cases.models import Case, CaseStatus
from app.core.clock import now as wall_clock
from app.leaders.models import Holding, Leader, ScoreKind, ScoreRule


@dataclass(frozen=True)
class ScoreLine:
    """One event that earned or cost points."""

    kind: str
    points: int
    on: date
    number: str
    title: str
    case_id: int | None = None
    ledger_entry_id: int | None = None

    @property
    def kind_label(self) -> str:
        return ScoreKind.label_of(self.kind)


@dataclass
class LeaderScore:
    leader: Leader
    lines: list[ScoreLine] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(line.points for line in self.lines)

    def count(self, kind: ScoreKind | str) -> int:
        return sum(1 for line in self.lines if line.kind == str(kind.value if isinstance(kind, ScoreKind) else kind))

    def points_of(self, kind: ScoreKind | str) -> int:
        code = kind.value if isinstance(kind, ScoreKind) else kind
        return sum(line.points for line in self.lines if line.kind == code)


def active_rules(session: Session) -> dict[str, int]:
    """kind → points, for the rules in force."""
    return {
        kind: points
        for kind, points in session.execute(
            select(ScoreRule.kind, ScoreRule.points).where(ScoreRule.active.is_(True))
        )
    }


def _held(holding: Holding, day: date) -> bool:
    return holding.taken_on <= day and (holding.ended_on is None or day <= holding.ended_on)


def compute_scores(
    session: Session,
    leaders: Sequence[Leader],
    start: date,
    end: date,
    rules: Mapping[str, int] | None = None,
    now: datetime | None = None,
) -> list[LeaderScore]:
    """Each leader's score between `start` and `end` (inclusive), highest first."""
    rules = active_rules(session) if rules is None else rules
    now = now or wall_clock()
    scores = {leader.id: LeaderScore(leader) for leader in leaders}
    if not scores:
        return []
    first, last = datetime.combine(start, time.min), datetime.combine(end, time.max)
    holdings = session.execute(
        select(Holding).where(Holding.leader_id.in_(list(scores)), Holding.taken_on <= end)
    ).scalars().all()
    by_case: dict[int, list[Holding]] = {}
    by_entry: dict[int, list[Holding]] = {}
    for h in holdings:
        if h.case_id is not None:
            by_case.setdefault(h.case_id, []).append(h)
        else:
            by_entry.setdefault(h.ledger_entry_id, []).append(h)

    def add(holding: Holding, kind: ScoreKind, on: date, number: str, title: str, case_id: int | None = None,
            entry_id: int | None = None) -> None:
        points = rules.get(kind.value)
        if points:
            scores[holding.leader_id].lines.append(
                ScoreLine(kind.value, points, on, number, title, case_id, entry_id)
            )

    if by_case:
        held = list(by_case)
        # Resolved and overdue: the held cases themselves.
        cases = session.execute(
            select(Case.id, Case.number, Case.title, Case.status, Case.closed_at, Case.due_at, Case.replied_at)
            .where(Case.id.in_(held), Case.counted, or_(
                and_(Case.closed_at >= first, Case.closed_at <= last),
                and_(Case.due_at >= first, Case.due_at <= last, Case.due_at < now),
            ))
        ).all()
        for case_id, number, title, status, closed_at, due_at, replied_at in cases:
            for h in by_case[case_id]:
                if status == CaseStatus.CLOSED.value and closed_at is not None and first <= closed_at <= last \
                        and _held(h, closed_at.date()):
                    add(h, ScoreKind.RESOLVED, closed_at.date(), number, title, case_id=case_id)
                if due_at is not None and first <= due_at <= last and due_at < now \
                        and (replied_at is None or replied_at > due_at) and _held(h, due_at.date()):
                    add(h, ScoreKind.OVERDUE, due_at.date(), number, title, case_id=case_id)
        # Skipping levels: the held case, or a repeat petition linked to it.
        skipper = aliased(Case)
        skips = session.execute(
            select(skipper.id, skipper.number, skipper.title, skipper.received_at, skipper.repeat_of_id)
            .where(
                skipper.skips_levels.is_(True), skipper.received_at >= first, skipper.received_at <= last,
                skipper.counted,  # a voided registration or a merged duplicate is no petition of its own
                or_(skipper.id.in_(held), skipper.repeat_of_id.in_(held)),
            )
        ).all()
        for case_id, number, title, received_at, repeat_of_id in skips:
            for target in {case_id, repeat_of_id} & set(by_case):
                for h in by_case[target]:
                    if _held(h, received_at.date()):
                        add(h, ScoreKind.SKIPPED_LEVELS, received_at.date(), number, title, case_id=case_id)

    if by_entry:
        from app.ledgers.models import LedgerEntry

        entries = session.execute(
            select(LedgerEntry.id, LedgerEntry.title, LedgerEntry.resolved_on)
            .where(LedgerEntry.id.in_(list(by_entry)), LedgerEntry.resolved_on >= start,
                   LedgerEntry.resolved_on <= end)
        ).all()
        for entry_id, title, resolved_on in entries:
            for h in by_entry[entry_id]:
                if _held(h, resolved_on):
                    add(h, ScoreKind.RESOLVED, resolved_on, f"TZ{entry_id:06d}", title, entry_id=entry_id)

    ranked = list(scores.values())
    for score in ranked:
        score.lines.sort(key=lambda line: (line.on, line.number))
    ranked.sort(key=lambda s: (-s.total, s.leader.sort_order or 0, s.leader.id))
    return ranked


def rank_of(scores: Sequence[LeaderScore], leader_id: Any) -> int | None:
    for position, score in enumerate(scores, start=1):
        if str(score.leader.id) == str(leader_id):
            return position
    return None
