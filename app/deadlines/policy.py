"""The deadline policy in force: rule lengths plus the working-day calendar, read once per request.

`current_policy()` is what the workflow and the pages use; `load_policy(session)` builds one
explicitly (seeding, background jobs, tests on a frozen clock).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import g, has_request_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import refcache
from app.core.calendar import DayKind, Term, Urgency, WorkCalendar, near_boundary, urgency
from app.deadlines.models import DEFAULT_RULES, DeadlineRule, HolidayOverride, HolidayYear, RuleCode


@dataclass(frozen=True)
class Rule:
    code: RuleCode
    days: int
    kind: DayKind


@dataclass(frozen=True)
class DeadlinePolicy:
    rules: Mapping[RuleCode, Rule]
    calendar: WorkCalendar

    def rule(self, code: RuleCode | str) -> Rule:
        return self.rules[RuleCode(code)]

    def term(self, code: RuleCode | str, start: datetime) -> Term:
        """The period of rule `code` started at `start`."""
        rule = self.rule(code)
        return Term.of(start, rule.days, rule.kind)

    def due(self, code: RuleCode | str, start: datetime) -> datetime:
        """When the clock of rule `code`, started at `start`, runs out."""
        return self.term(code, start).due(self.calendar)

    @property
    def warning(self) -> Rule:
        """The 临期 threshold: so many calendar or working days before a deadline."""
        return self.rule(RuleCode.WARNING)

    def near_boundary(self, now: datetime) -> datetime:
        """Deadlines from `now` until this moment are 临期 (calendar.near_boundary)."""
        warning = self.warning
        return near_boundary(now, warning.days, warning.kind, self.calendar)

    def urgency(self, due: datetime | None, now: datetime, paused: bool = False) -> Urgency:
        """超期 / 临期 / 暂停计时 of a deadline at `now`, with this policy's threshold."""
        return urgency(due, now, self.near_boundary(now), paused)


def default_policy(overrides: Mapping | None = None) -> DeadlinePolicy:
    """The statutory defaults, with no database: for tests and first start."""
    rules = {code: Rule(code, d.days, d.kind) for code, d in DEFAULT_RULES.items()}
    return DeadlinePolicy(rules, WorkCalendar(dict(overrides or {})))


def load_policy(session: Session) -> DeadlinePolicy:
    """Rules and overrides from the database; a rule missing there keeps its default."""
    rules = {code: Rule(code, d.days, d.kind) for code, d in DEFAULT_RULES.items()}
    for row in session.execute(select(DeadlineRule)).scalars():
        try:
            code = RuleCode(row.code)
        except ValueError:
            continue
        rules[code] = Rule(code, row.days, DayKind(row.day_kind))
    overrides = {
        day: workday
        for day, workday in session.execute(select(HolidayOverride.day, HolidayOverride.is_workday))
    }
    confirmed = frozenset(session.execute(select(HolidayYear.year)).scalars())
    return DeadlinePolicy(rules, WorkCalendar(overrides, confirmed))


def current_policy() -> DeadlinePolicy:
    """The policy for this request (read once; cached by the process), or freshly loaded outside a request."""
    from app.extensions import db

    if not has_request_context():
        return load_policy(db.session)
    cached = getattr(g, "_xf_policy", None)
    if cached is None:
        # Kept by the process until the rules or the holiday overrides change (DeadlinePolicy
        # and its calendar are frozen: safe to share between requests).
        cached = refcache.cached("deadline_policy", lambda: load_policy(db.session))
        g._xf_policy = cached
    return cached
