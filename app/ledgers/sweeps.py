"""Sweeps (排查): reporting periods, reports and zero reports, who is missing, roll-ups.

Seed 000: villages sweep weekly, townships half-monthly, the county monthly; seed 001: reports are
due by 16:00, and a unit that found nothing files a zero report (零报告). The administrator edits
the frequency, the weekday a weekly report is due and the cut-off per org level (`SweepRule`);
`DEFAULT_RULES` apply until then.

Periods: weekly ones run Monday–Sunday and are due on the rule's weekday; half-monthly ones are
the 1st–15th and the 16th–month end; monthly ones the calendar month; the last two are due on
their last day. A report filed after the cut-off is late (迟报); a period past its cut-off
without a report is missing (逾期未报).

Who reports: every active village/community weekly, every township half-monthly, every county
department monthly (区直各单位排查到本系统的最基层, seed 001). Roll-ups group the reports by
the denormalised township/village of the reporting unit: the county sees townships, a township
sees its villages.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext
from sqlalchemy import Integer, cast, func, select

from app.core.clock import now
from app.core.errors import DomainError
from app.core.scoping import Scope, scope_clause
from app.ledgers.models import Frequency, LedgerEntry, OrgLevel, SweepReport, SweepRule, Weekday
from app.org.models import OrgKind, OrgUnit

DEFAULT_CUTOFF = "16:00"
DEFAULT_RULES: dict[str, tuple[str, str, str]] = {
    OrgLevel.VILLAGE.value: (Frequency.WEEKLY.value, Weekday.FRIDAY.value, DEFAULT_CUTOFF),
    OrgLevel.TOWNSHIP.value: (Frequency.HALF_MONTHLY.value, Weekday.FRIDAY.value, DEFAULT_CUTOFF),
    OrgLevel.COUNTY.value: (Frequency.MONTHLY.value, Weekday.FRIDAY.value, DEFAULT_CUTOFF),
}
LEVEL_KINDS: dict[str, str] = {
    OrgLevel.VILLAGE.value: OrgKind.VILLAGE.value,
    OrgLevel.TOWNSHIP.value: OrgKind.TOWNSHIP.value,
    OrgLevel.COUNTY.value: OrgKind.DEPARTMENT.value,
}
KIND_LEVELS = {kind: level for level, kind in LEVEL_KINDS.items()}
_CUTOFF_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Rule:
    level: str
    frequency: str
    due_weekday: int
    cutoff: str

    @property
    def cutoff_time(self) -> tuple[int, int]:
        hours, minutes = self.cutoff.split(":")
        return int(hours), int(minutes)


@dataclass(frozen=True)
class SweepPeriod:
    level: str
    start: date
    end: date
    due_at: datetime

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} ~ {self.end:%Y-%m-%d}"

    def is_due(self, moment: datetime) -> bool:
        return moment > self.due_at


def cutoff_error(value: str | None) -> str | None:
    if not value or not _CUTOFF_RE.match(value.strip()):
        return gettext("Enter the time as HH:MM, e.g. 16:00")
    return None


def rules(session: Any) -> dict[str, Rule]:
    """The rule for every org level: the administrator's, else the default."""
    result = {
        level: Rule(level, frequency, int(weekday), cutoff)
        for level, (frequency, weekday, cutoff) in DEFAULT_RULES.items()
    }
    for row in session.execute(select(SweepRule)).scalars():
        result[row.org_level] = Rule(row.org_level, row.frequency, int(row.due_weekday or 4), row.cutoff)
    return result


def period_containing(rule: Rule, day: date) -> SweepPeriod:
    hours, minutes = rule.cutoff_time
    if rule.frequency == Frequency.DAILY.value:
        start = end = due_day = day
    elif rule.frequency == Frequency.WEEKLY.value:
        start = day - timedelta(days=day.weekday())
        end = start + timedelta(days=6)
        due_day = start + timedelta(days=rule.due_weekday)
    elif rule.frequency == Frequency.HALF_MONTHLY.value:
        last = calendar.monthrange(day.year, day.month)[1]
        if day.day <= 15:
            start, end = day.replace(day=1), day.replace(day=15)
        else:
            start, end = day.replace(day=16), day.replace(day=last)
        due_day = end
    else:
        last = calendar.monthrange(day.year, day.month)[1]
        start, end = day.replace(day=1), day.replace(day=last)
        due_day = end
    due_at = datetime(due_day.year, due_day.month, due_day.day, hours, minutes)
    return SweepPeriod(rule.level, start, end, due_at)


def previous_period(rule: Rule, period: SweepPeriod) -> SweepPeriod:
    return period_containing(rule, period.start - timedelta(days=1))


def periods_between(rule: Rule, first: date, last: date) -> list[SweepPeriod]:
    """The periods that start within [first, last]."""
    found = []
    period = period_containing(rule, first)
    if period.start < first:
        period = period_containing(rule, period.end + timedelta(days=1))
    while period.start <= last:
        found.append(period)
        period = period_containing(rule, period.end + timedelta(days=1))
    return found


def level_of(unit: OrgUnit) -> str | None:
    """The sweep level a unit reports at (None: it does not report)."""
    return KIND_LEVELS.get(unit.kind)


def parse_period(rule: Rule, value: str | None, today: date) -> SweepPeriod:
    """The period a URL names by its first day (default: the current one)."""
    if value:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            day = today
    else:
        day = today
    return period_containing(rule, day)


# --- who reports, and who has --------------------------------------------------------------------


def reporting_units(session: Any, level: str, scope: Scope, township_id: int | None = None) -> list[OrgUnit]:
    stmt = (
        select(OrgUnit)
        .where(OrgUnit.kind == LEVEL_KINDS[level], OrgUnit.active.is_(True), scope_clause(OrgUnit, scope))
        .order_by(OrgUnit.township_id, OrgUnit.sort_order, OrgUnit.id)
    )
    if township_id is not None:
        stmt = stmt.where(OrgUnit.township_id == township_id)
    return list(session.execute(stmt).scalars())


class ReportState:
    ON_TIME = "on_time"
    ZERO = "zero"
    LATE = "late"
    PENDING = "pending"
    MISSING = "missing"


STATE_LABELS = {
    ReportState.ON_TIME: lambda: gettext("Reported"),
    ReportState.ZERO: lambda: gettext("Zero report"),
    ReportState.LATE: lambda: gettext("Reported late"),
    ReportState.PENDING: lambda: gettext("Not yet reported"),
    ReportState.MISSING: lambda: gettext("Missing (past the cut-off)"),
}


@dataclass
class UnitStatus:
    unit: OrgUnit
    report: SweepReport | None
    state: str
    # The unit's own period: a township in a 风险期 reports on its own (risk_periods.py).
    period: SweepPeriod | None = None
    risk: Any = None

    @property
    def label(self) -> str:
        label = STATE_LABELS[self.state]()
        if self.report is not None and self.report.is_zero and self.report.is_late:
            label = gettext("%(state)s (late)", state=label)
        return label

    @property
    def filed(self) -> bool:
        return self.report is not None


def unit_periods(
    session: Any, period: SweepPeriod, units: list[OrgUnit], day: date | None = None,
) -> dict[int, tuple[SweepPeriod, Any]]:
    """Each unit's own period on `day` (default: the day `period` starts), and the 风险期 behind
    it (or None). Only townships' own reports follow 风险期; every other unit has `period` itself."""
    from app.ledgers import risk_periods

    if period.level != OrgLevel.TOWNSHIP.value:
        return {unit.id: (period, None) for unit in units}
    rule = rules(session)[period.level]
    day = day or period.start
    result = {}
    for unit in units:
        risks = risk_periods.covering(session, unit.id, day - timedelta(days=62), day + timedelta(days=62))
        own = risk_periods.effective_period(session, rule, day, unit.id, risks)
        active = [r for r in risks if r.starts_on <= day <= r.ends_on]
        result[unit.id] = (own, active[-1] if active else None)
    return result


def period_status(
    session: Any, period: SweepPeriod, scope: Scope, moment: datetime | None = None, township_id: int | None = None,
    day: date | None = None,
) -> list[UnitStatus]:
    """Every reporting unit of the period's level in scope, with its report or why it has none
    (a township in a 风险期: its own period on `day`, by default the day `period` starts)."""
    moment = moment or now()
    units = reporting_units(session, period.level, scope, township_id)
    own = unit_periods(session, period, units, day)
    starts = {p.start for p, _ in own.values()} or {period.start}
    reports = {
        (r.org_unit_id, r.period_start): r
        for r in session.execute(
            select(SweepReport).where(
                SweepReport.org_level == period.level,
                SweepReport.period_start.in_(sorted(starts)),
                SweepReport.org_unit_id.in_([u.id for u in units] or [-1]),
            )
        ).scalars()
    }
    result = []
    for unit in units:
        unit_period, risk = own[unit.id]
        report = reports.get((unit.id, unit_period.start))
        if report is None:
            state = ReportState.MISSING if unit_period.is_due(moment) else ReportState.PENDING
        elif report.is_zero:
            state = ReportState.ZERO
        elif report.is_late:
            state = ReportState.LATE
        else:
            state = ReportState.ON_TIME
        result.append(UnitStatus(unit, report, state, unit_period, risk))
    return result


def township_period(session: Any, township_id: int, day: date) -> SweepPeriod:
    """A township's own sweep period containing `day`, 风险期 included."""
    from app.ledgers import risk_periods

    return risk_periods.effective_period(session, rules(session)[OrgLevel.TOWNSHIP.value], day, township_id)


def unfiled_township_reports(session: Any, moment: datetime, boundary: datetime) -> list[tuple[OrgUnit, SweepPeriod]]:
    """Townships whose own report is due before `boundary` — 临期, or past the cut-off — and not
    filed: the current period's and the previous one's (for the reminders). A township in a
    风险期 has its own periods (daily ones, say), each reminded."""
    found = []
    for unit in reporting_units(session, OrgLevel.TOWNSHIP.value, Scope.all()):
        current = township_period(session, unit.id, moment.date())
        previous = township_period(session, unit.id, current.start - timedelta(days=1))
        for period in (previous, current):
            if period.due_at >= boundary:
                continue
            filed = session.execute(
                select(SweepReport.id).where(SweepReport.org_unit_id == unit.id,
                                             SweepReport.org_level == period.level,
                                             SweepReport.period_start == period.start)
            ).first()
            if not filed:
                found.append((unit, period))
    return found


def township_periods_between(session: Any, township_id: int, first: date, last: date) -> list[SweepPeriod]:
    """A township's own periods that start within [first, last], 风险期 included."""
    from app.ledgers import risk_periods

    rule = rules(session)[OrgLevel.TOWNSHIP.value]
    risks = risk_periods.covering(session, township_id, first - timedelta(days=62), last + timedelta(days=62))
    found = []
    period = risk_periods.effective_period(session, rule, first, township_id, risks)
    if period.start < first:
        period = risk_periods.effective_period(session, rule, period.end + timedelta(days=1), township_id, risks)
    while period.start <= last:
        found.append(period)
        period = risk_periods.effective_period(session, rule, period.end + timedelta(days=1), township_id, risks)
    return found


def period_url(period: SweepPeriod) -> str:
    """The sweep status page of one period."""
    return f"/sweeps/?level={period.level}&period={period.start.isoformat()}"


# --- filing -------------------------------------------------------------------------------------


def _unit_entries(unit: OrgUnit):
    if unit.kind == OrgKind.VILLAGE.value:
        return LedgerEntry.village_id == unit.id
    if unit.kind == OrgKind.TOWNSHIP.value:
        return LedgerEntry.township_id == unit.id
    return LedgerEntry.responsible_unit_id == unit.id


def candidate_entries(session: Any, unit: OrgUnit, period: SweepPeriod) -> list[LedgerEntry]:
    """Disputes of the unit's place (or, for a department, its responsibility) found in the
    period and not yet in any report."""
    return list(
        session.execute(
            select(LedgerEntry)
            .where(
                _unit_entries(unit),
                LedgerEntry.found_on >= period.start,
                LedgerEntry.found_on <= period.end,
                LedgerEntry.sweep_report_id.is_(None),
            )
            .order_by(LedgerEntry.found_on, LedgerEntry.id)
        ).scalars()
    )


def _check_filing(session: Any, unit: OrgUnit, period: SweepPeriod, scope: Scope, today: date) -> None:
    level = level_of(unit)
    if level is None or level != period.level:
        raise DomainError(gettext("This unit does not file sweep reports at this level"))
    if not scope.everything and not session.execute(
        select(OrgUnit.id).where(OrgUnit.id == unit.id, scope_clause(OrgUnit, scope))
    ).first():
        raise DomainError(gettext("You may not file reports for this unit"))
    if period.start > today:
        raise DomainError(gettext("This period has not started yet"))
    exists = session.execute(
        select(SweepReport.id).where(
            SweepReport.org_unit_id == unit.id,
            SweepReport.org_level == period.level,
            SweepReport.period_start == period.start,
        )
    ).first()
    if exists:
        raise DomainError(gettext("%(unit)s has already reported for %(period)s", unit=unit.name, period=period.label))


def _new_report(unit: OrgUnit, period: SweepPeriod, moment: datetime) -> SweepReport:
    return SweepReport(
        org_unit_id=unit.id,
        org_level=period.level,
        township_id=unit.township_id,
        village_id=unit.village_id,
        unit_name=unit.name,
        period_start=period.start,
        period_end=period.end,
        due_at=period.due_at,
        submitted_at=moment,
        is_late=moment > period.due_at,
    )


def file_zero_report(
    session: Any, unit: OrgUnit, period: SweepPeriod, scope: Scope, moment: datetime | None = None,
) -> SweepReport:
    """零报告: nothing found this period. Refused if the ledger already holds disputes found in it."""
    moment = moment or now()
    _check_filing(session, unit, period, scope, moment.date())
    found = candidate_entries(session, unit, period)
    if found:
        raise DomainError(gettext(
            "%(unit)s has %(n)d disputes in the ledger found in this period: file a report listing them instead of a zero report",
            unit=unit.name, n=len(found),
        ))
    report = _new_report(unit, period, moment)
    report.is_zero = True
    report.summary = gettext("Zero report: no disputes found")
    session.add(report)
    return report


def file_report(
    session: Any, unit: OrgUnit, period: SweepPeriod, entry_ids: list[int], summary: str | None, scope: Scope,
    moment: datetime | None = None,
) -> SweepReport:
    """A report listing the disputes found (they must already be in the ledger)."""
    moment = moment or now()
    _check_filing(session, unit, period, scope, moment.date())
    candidates = {e.id: e for e in candidate_entries(session, unit, period)}
    chosen = [candidates[i] for i in entry_ids if i in candidates]
    if len(chosen) != len(set(entry_ids)):
        raise DomainError(gettext("Some of the chosen disputes cannot be reported in this period"))
    if not chosen:
        raise DomainError(gettext(
            "Choose the disputes found in this period; if nothing was found, file a zero report"
        ))
    report = _new_report(unit, period, moment)
    report.is_zero = False
    report.entries_found = len(chosen)
    report.people_involved = sum(e.people_count or 0 for e in chosen)
    report.summary = (summary or "").strip() or None
    session.add(report)
    session.flush()
    for entry in chosen:
        entry.sweep_report_id = report.id
    return report


# --- roll-up ------------------------------------------------------------------------------------


@dataclass
class SweepRollupRow:
    key: int | None
    name: str
    drill_township_id: int | None = None
    expected: int = 0
    filed: int = 0
    zero: int = 0
    late: int = 0
    missing: int = 0
    entries_found: int = 0
    people: int = 0
    per_level: dict[str, int] = field(default_factory=dict)

    def add(self, other: SweepRollupRow) -> None:
        for name in ("expected", "filed", "zero", "late", "missing", "entries_found", "people"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class SweepRollup:
    rows: list[SweepRollupRow]
    total: SweepRollupRow
    first: date
    last: date
    township: OrgUnit | None


def sweep_rollup(
    session: Any, scope: Scope, first: date, last: date, township_id: int | None = None,
    moment: datetime | None = None,
) -> SweepRollup:
    """Reports filed between `first` and `last` (by period start), summed one level down.

    County scope without a township: one row per township (its villages' weekly reports plus
    its own half-monthly ones) and one for the county departments. With a township: one row per
    village plus the township's own row. Due = reporting units × periods whose cut-off has passed;
    filed, zero and late count the reports for those periods; disputes found count every report.
    """
    moment = moment or now()
    all_rules = rules(session)
    township = None
    if township_id is None and not scope.everything and len(scope.township_ids) == 1:
        township_id = next(iter(scope.township_ids))
    if township_id is not None:
        township = session.execute(
            select(OrgUnit).where(OrgUnit.id == township_id, OrgUnit.kind == OrgKind.TOWNSHIP.value,
                                  scope_clause(OrgUnit, scope))
        ).scalar_one_or_none()
        if township is None:
            raise DomainError(gettext("This township is outside your area"))

    by_township = township is None
    group_report = SweepReport.township_id if by_township else SweepReport.village_id
    group_unit = OrgUnit.township_id if by_township else OrgUnit.village_id

    # Reporting units per group and level (one query).
    unit_filter = [OrgUnit.active.is_(True), OrgUnit.kind.in_(list(LEVEL_KINDS.values())),
                   scope_clause(OrgUnit, scope)]
    report_filter = [SweepReport.period_start >= first, SweepReport.period_start <= last,
                     scope_clause(SweepReport, scope)]
    if township is not None:
        unit_filter.append(OrgUnit.township_id == township.id)
        report_filter.append(SweepReport.township_id == township.id)
    unit_counts = session.execute(
        select(group_unit, OrgUnit.kind, func.count()).where(*unit_filter).group_by(group_unit, OrgUnit.kind)
    ).all()

    due_starts = {
        level: {p.start for p in periods_between(rule, first, last) if p.is_due(moment)}
        for level, rule in all_rules.items()
    }
    rows: dict[int | None, SweepRollupRow] = {}

    def row_for(key: int | None) -> SweepRollupRow:
        if key not in rows:
            rows[key] = SweepRollupRow(key=key, name="")
        return rows[key]

    for key, kind, count in unit_counts:
        level = KIND_LEVELS[kind]
        if level != OrgLevel.TOWNSHIP.value:
            row_for(key).expected += count * len(due_starts[level])
    # Townships' own reports: each township has its own periods (风险期, risk_periods.py).
    township_level = OrgLevel.TOWNSHIP.value
    township_due: dict[int, set[date]] = {}
    for unit_id, in session.execute(
        select(OrgUnit.id).where(*unit_filter, OrgUnit.kind == OrgKind.TOWNSHIP.value)
    ).all():
        township_due[unit_id] = {
            p.start for p in township_periods_between(session, unit_id, first, last) if p.is_due(moment)
        }
        row_for(unit_id if by_township else None).expected += len(township_due[unit_id])

    stats = session.execute(
        select(
            group_report, SweepReport.org_level, SweepReport.period_start, func.count(),
            func.sum(cast(SweepReport.is_zero, Integer)),
            func.sum(cast(SweepReport.is_late, Integer)),
            func.sum(SweepReport.entries_found), func.sum(SweepReport.people_involved),
        )
        .where(*report_filter)
        .group_by(group_report, SweepReport.org_level, SweepReport.period_start)
    ).all()
    for key, level, start, count, zero, late, entries, people in stats:
        row = row_for(key)
        # Disputes found count in every report; the filing figures only where a report was due,
        # so that due = filed + missing.
        row.entries_found += int(entries or 0)
        row.people += int(people or 0)
        if level == township_level:
            due = township_due.get(key if by_township else township.id, set())
        else:
            due = due_starts.get(level, set())
        if start in due:
            row.filed += count
            row.zero += int(zero or 0)
            row.late += int(late or 0)
    for row in rows.values():
        row.missing = max(0, row.expected - row.filed)

    names = dict(
        session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_([k for k in rows if k] or [-1]))).all()
    )
    order = dict(
        session.execute(select(OrgUnit.id, OrgUnit.sort_order).where(OrgUnit.id.in_([k for k in rows if k] or [-1]))).all()
    )
    for key, row in rows.items():
        if key is None:
            row.name = gettext("County departments") if by_township else (
                gettext("%(township)s (township itself)", township=township.name) if township else ""
            )
        else:
            row.name = names.get(key, "")
            if by_township:
                row.drill_township_id = key
    ordered = sorted(rows.values(), key=lambda r: (r.key is None, order.get(r.key, 0), r.key or 0))
    total = SweepRollupRow(key=None, name=gettext("Total"))
    for row in ordered:
        total.add(row)
    return SweepRollup(ordered, total, first, last, township)

