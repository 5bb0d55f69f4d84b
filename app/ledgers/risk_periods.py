"""风险期: periods in which the townships' sweeps run at a tighter cadence, and proposals of them.

Seed 003 ("不等访"): the county looks through past cases for the periods and places where
disputes flare up — spring farming (农资质量), the winter heating season (供热质量), wages before
the Spring Festival (农民工工资) — and acts before they come. Seeds 000/001: in a sensitive period
the sweep reaches everywhere (纵向到底), every 办事处 reports daily by 16:00 (零报告 included).

The rule here: on a day a 风险期 covers a township, the township's own sweep report follows the
period's cadence (daily, weekly …, with its cut-off); its regular period (half-monthly by
default) is cut short around the 风险期 — it ends the day before the 风险期 starts and starts
again the day after it ends — and is due on its usual due day if that day is left, else on its
new last day. Villages and county departments keep their rules.

Proposals: for each township and subject, the months of the year whose count of petitions
(counted cases, by date received) over the history is far above that pair's monthly average —
the month's mean over the years at least `RATIO` times the average month, and at least
`MIN_MONTH_MEAN` cases. The history is the complete months of the last `HISTORY_YEARS` years
since the first case on record (the current month is not complete and does not count).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext
from sqlalchemy import exists, extract, func, or_, select

from app.core.errors import DomainError
from app.ledgers.models import (
    Frequency,
    OrgLevel,
    RiskOrigin,
    RiskPeriod,
    Weekday,
    risk_period_townships,
)
from app.ledgers.sweeps import Rule, SweepPeriod, cutoff_error, period_containing

HISTORY_YEARS = 3
RATIO = 2.0
MIN_MONTH_MEAN = 2.0


# --- the cadence switch -------------------------------------------------------------------------


def covers_clause(township_id: int):
    """SQL: the 风险期 covers this township (all townships, or it is listed)."""
    listed = exists().where(risk_period_townships.c.risk_period_id == RiskPeriod.id,
                            risk_period_townships.c.org_unit_id == township_id)
    return or_(RiskPeriod.all_townships.is_(True), listed)


def covering(session: Any, township_id: int, first: date, last: date) -> list[RiskPeriod]:
    """The 风险期 covering the township on some day of [first, last], earliest first."""
    return list(session.execute(
        select(RiskPeriod)
        .where(RiskPeriod.starts_on <= last, RiskPeriod.ends_on >= first, covers_clause(township_id))
        .order_by(RiskPeriod.starts_on, RiskPeriod.id)
    ).scalars())


def active_on(session: Any, township_id: int, day: date) -> RiskPeriod | None:
    found = covering(session, township_id, day, day)
    return found[-1] if found else None


def risk_rule(level: str, risk: RiskPeriod) -> Rule:
    return Rule(level, risk.frequency, int(risk.due_weekday or Weekday.FRIDAY.value), risk.cutoff)


def _clipped(level: str, period: SweepPeriod, start: date, end: date, rule: Rule) -> SweepPeriod:
    due_day = period.due_at.date()
    if not start <= due_day <= end:
        due_day = end
    hours, minutes = rule.cutoff_time
    return SweepPeriod(level, start, end, datetime(due_day.year, due_day.month, due_day.day, hours, minutes))


def effective_period(
    session: Any, rule: Rule, day: date, township_id: int | None, risks: list[RiskPeriod] | None = None,
) -> SweepPeriod:
    """The sweep period containing `day` for a township's own report, 风险期 included.

    Other levels (or no township): the regular period. `risks` may be given (the 风险期 covering
    the township around `day`) to spare the query."""
    if rule.level != OrgLevel.TOWNSHIP.value or township_id is None:
        return period_containing(rule, day)
    if risks is None:
        regular = period_containing(rule, day)
        risks = covering(session, township_id, min(regular.start, day - timedelta(days=31)),
                         max(regular.end, day + timedelta(days=31)))
    inside = [r for r in risks if r.starts_on <= day <= r.ends_on]
    if inside:
        risk = inside[-1]
        special = risk_rule(rule.level, risk)
        period = period_containing(special, day)
        return _clipped(rule.level, period, max(period.start, risk.starts_on), min(period.end, risk.ends_on),
                        special)
    period = period_containing(rule, day)
    start, end = period.start, period.end
    for risk in risks:
        if risk.ends_on < day and risk.ends_on >= start:
            start = risk.ends_on + timedelta(days=1)
        elif risk.starts_on > day and risk.starts_on <= end:
            end = risk.starts_on - timedelta(days=1)
    if (start, end) == (period.start, period.end):
        return period
    return _clipped(rule.level, period, start, end, rule)


def problems(item: RiskPeriod) -> list[DomainError]:
    """What is wrong with a 风险期 as entered, each naming its field."""
    found = []
    if item.starts_on and item.ends_on and item.ends_on < item.starts_on:
        found.append(DomainError(gettext("The last day cannot be before the first day"), field="ends_on"))
    elif item.starts_on and item.ends_on and (item.ends_on - item.starts_on).days > 366:
        found.append(DomainError(gettext("A risk period lasts at most a year"), field="ends_on"))
    error = cutoff_error(item.cutoff)
    if error:
        found.append(DomainError(error, field="cutoff"))
    if not item.all_townships and not item.townships:
        found.append(DomainError(gettext("Choose the townships affected, or tick all townships"), field="townships"))
    if item.frequency not in Frequency.codes():
        found.append(DomainError(gettext("Choose a sweep cadence"), field="frequency"))
    return found


def cadence_label(risk: RiskPeriod) -> str:
    """e.g. "每日 16:00 前报送" — the cadence as the townships read it."""
    return gettext("%(frequency)s, by %(cutoff)s", frequency=Frequency.label_of(risk.frequency), cutoff=risk.cutoff)


# --- proposals from history ---------------------------------------------------------------------


@dataclass
class Proposal:
    township_id: int
    township: str
    subject_id: int
    subject: str
    month: int
    counts: list[tuple[int, int]]  # (year, count of that month)
    month_mean: float
    monthly_average: float
    history_months: int
    adopted: RiskPeriod | None = None

    @property
    def ratio(self) -> float:
        return self.month_mean / self.monthly_average if self.monthly_average else 0.0

    @property
    def key(self) -> str:
        return f"{self.township_id}-{self.subject_id}-{self.month}"

    def basis(self) -> str:
        years = "，".join(gettext("%(year)d: %(n)d", year=y, n=n) for y, n in self.counts)
        return gettext(
            "%(township)s, %(subject)s, month %(month)d — %(years)s; mean %(mean).1f against a monthly average "
            "of %(average).2f over %(months)d months (%(ratio).1f times)",
            township=self.township, subject=self.subject, month=self.month, years=years, mean=self.month_mean,
            average=self.monthly_average, months=self.history_months, ratio=self.ratio,
        )


def history_window(session: Any, today: date) -> tuple[date, date] | None:
    """The complete months counted: from the first case on record (at most HISTORY_YEARS years
    back) to the end of the month before `today`'s."""
    from app.cases.models import Case

    first_case = session.execute(select(func.min(Case.received_at)).where(Case.counted)).scalar()
    if first_case is None:
        return None
    last = today.replace(day=1) - timedelta(days=1)
    earliest = date(today.year - HISTORY_YEARS, today.month, 1)
    first = max(earliest, first_case.date().replace(day=1) if isinstance(first_case, datetime)
                else first_case.replace(day=1))
    if first > last:
        return None
    return first, last


def _months(first: date, last: date) -> list[tuple[int, int]]:
    found, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        found.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def proposals(session: Any, today: date) -> list[Proposal]:
    """The months far above their township's and subject's average, strongest first."""
    from app.cases.models import Case, Subject
    from app.org.models import OrgUnit

    window = history_window(session, today)
    if window is None:
        return []
    first, last = window
    months = _months(first, last)
    year_col, month_col = extract("year", Case.received_at), extract("month", Case.received_at)
    rows = session.execute(
        select(Case.township_id, Case.subject_id, year_col, month_col, func.count())
        .where(Case.counted, Case.subject_id.is_not(None), Case.received_at >= datetime.combine(first, datetime.min.time()),
               Case.received_at < datetime.combine(last + timedelta(days=1), datetime.min.time()))
        .group_by(Case.township_id, Case.subject_id, year_col, month_col)
    ).all()
    counts: dict[tuple[int, int], dict[tuple[int, int], int]] = {}
    for township_id, subject_id, year, month, n in rows:
        counts.setdefault((township_id, subject_id), {})[(int(year), int(month))] = int(n)
    townships = dict(session.execute(select(OrgUnit.id, OrgUnit.name)).all())
    subjects = dict(session.execute(select(Subject.id, Subject.name)).all())
    found = []
    for (township_id, subject_id), by_month in counts.items():
        average = sum(by_month.values()) / len(months)
        for month in range(1, 13):
            years = [(y, by_month.get((y, m), 0)) for y, m in months if m == month]
            if not years:
                continue
            mean = sum(n for _, n in years) / len(years)
            if mean >= MIN_MONTH_MEAN and mean >= RATIO * average:
                found.append(Proposal(township_id, townships.get(township_id, ""), subject_id,
                                      subjects.get(subject_id, ""), month, years, mean, average, len(months)))
    found.sort(key=lambda p: (-p.ratio, -p.month_mean, p.township_id, p.subject_id, p.month))
    for proposal in found:
        proposal.adopted = adopted_for(session, proposal, today)
    return found


def next_occurrence(month: int, today: date) -> tuple[date, date]:
    """The coming calendar month `month` (this one if it is the current month)."""
    year = today.year if month >= today.month else today.year + 1
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def adopted_for(session: Any, proposal: Proposal, today: date) -> RiskPeriod | None:
    first, last = next_occurrence(proposal.month, today)
    return session.execute(
        select(RiskPeriod).where(RiskPeriod.subject_id == proposal.subject_id, RiskPeriod.starts_on <= last,
                                 RiskPeriod.ends_on >= first, covers_clause(proposal.township_id))
        .order_by(RiskPeriod.id).limit(1)
    ).scalar_one_or_none()


def adopt(session: Any, key: str, today: date) -> RiskPeriod:
    """Turn one current proposal (by its key) into a 风险期 over the coming such month: the
    township, daily reports by 16:00, the figures kept as its basis."""
    from app.org.models import OrgUnit

    chosen = next((p for p in proposals(session, today) if p.key == key), None)
    if chosen is None:
        raise DomainError(gettext("This proposal no longer stands: the figures have changed"))
    if chosen.adopted is not None:
        raise DomainError(gettext("Already adopted as %(name)s", name=chosen.adopted.name))
    first, last = next_occurrence(chosen.month, today)
    risk = RiskPeriod(
        name=gettext("%(township)s %(subject)s risk period (month %(month)d)", township=chosen.township,
                     subject=chosen.subject, month=chosen.month)[:100],
        starts_on=first, ends_on=last, all_townships=False, frequency=Frequency.DAILY.value,
        due_weekday=Weekday.FRIDAY.value, cutoff="16:00", subject_id=chosen.subject_id,
        origin=RiskOrigin.PROPOSED.value, basis=chosen.basis(),
    )
    risk.townships = [session.get(OrgUnit, chosen.township_id)]
    session.add(risk)
    session.flush()
    return risk


# --- reminders ----------------------------------------------------------------------------------

REMIND_DAYS = 3


def starting_soon(session: Any, today: date) -> list[tuple[RiskPeriod, Any]]:
    """(风险期, township) pairs to tell: the 风险期 runs today or starts within REMIND_DAYS days."""
    from app.org.models import OrgKind, OrgUnit

    risks = session.execute(
        select(RiskPeriod).where(RiskPeriod.starts_on <= today + timedelta(days=REMIND_DAYS),
                                 RiskPeriod.ends_on >= today).order_by(RiskPeriod.starts_on, RiskPeriod.id)
    ).scalars().all()
    if not risks:
        return []
    townships = session.execute(
        select(OrgUnit).where(OrgUnit.kind == OrgKind.TOWNSHIP.value, OrgUnit.active.is_(True))
        .order_by(OrgUnit.sort_order, OrgUnit.id)
    ).scalars().all()
    found = []
    for risk in risks:
        listed = {t.id for t in risk.townships}
        found.extend((risk, t) for t in townships if risk.all_townships or t.id in listed)
    return found
