"""The figures managers read (DOMAIN.md "The figures managers read") — each defined once, here.

Every figure is one function below with its definition beside it (`FigureDef.definition`: what
is counted above and below the line and which dates count). The dashboard, the rates report,
the bulletins and their exports all call these functions; nothing computes a figure its own way.
The definitions are shown to the user as tooltips and footnotes.

How the numbers are computed: each family of figures (cases, mediation, ledger) is counted in
ONE SQL aggregate over the records of the period, grouped by (period, township, unit). Every
figure is a ratio of two counts (or a count), and counts add up, so the per-township,
per-unit and total rows are sums of those few hundred groups — the database reads the period's
rows once, whatever the number of townships, units or figures.

Which cases count: those *received* (`received_at`) in the period, inside the user's scope and
the report's filters (township 属地, responsible unit 属事, category). Duplicate registrations
merged into another case are left out everywhere (the matter is counted once, on the kept case),
and so are registrations voided as made by mistake (作废) — both by `Case.counted`.
"Due date" is the case's reply deadline `due_at` as the workflow keeps it: the 60 days of
Art. 34 (or the fast track), extensions and paused days included, and — after an unsatisfied
follow-up sent the case back — the new deadline of the redo.

A rate with nothing below the line is None and reads "—" (not 0%, not an error).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from app.cases.models import Case, CaseStatus, Satisfaction
from app.core.clock import now as wall_clock
from app.core.scoping import Scope, current_scope, scope_clause
from app.core.statements import clause_key, reused

DASH = "—"
TOTAL = "total"

# --- periods and filters -------------------------------------------------------------------------


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A range of days, both ends included."""

    start: date
    end: date

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """[start 00:00, the day after end 00:00): what `received_at` is compared with."""
        return datetime.combine(self.start, time.min), datetime.combine(self.end + timedelta(days=1), time.min)

    @property
    def whole_months(self) -> int:
        """How many calendar months the period spans exactly (0: not whole months)."""
        after = self.end + timedelta(days=1)
        if self.start.day != 1 or after.day != 1:
            return 0
        return (after.year - self.start.year) * 12 + after.month - self.start.month

    def shifted(self, months: int = 0, days: int = 0) -> Period:
        if months:
            start = _add_months(self.start, months)
            return Period(start, _add_months(start, self.whole_months) - timedelta(days=1))
        return Period(self.start + timedelta(days=days), self.end + timedelta(days=days))

    def previous(self) -> Period:
        """The period of the same length just before (the previous month, two months, year …)."""
        months = self.whole_months
        if months:
            return self.shifted(months=-months)
        return self.shifted(days=-((self.end - self.start).days + 1))

    def year_before(self) -> Period:
        """The same period one year earlier (for 同比)."""
        if self.whole_months:
            return self.shifted(months=-12)
        try:
            return Period(self.start.replace(year=self.start.year - 1), self.end.replace(year=self.end.year - 1))
        except ValueError:  # 29 February
            return self.shifted(days=-365)

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} — {self.end:%Y-%m-%d}"

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        start = date(year, month, 1)
        return cls(start, _add_months(start, 1) - timedelta(days=1))


@dataclass(frozen=True)
class ReportFilters:
    """What a report or figure covers: a period, and optionally one township, unit or category.

    `scope` defaults to the request's user's scope: every figure is scoped like every list.
    """

    period: Period
    township_id: int | None = None
    unit_id: int | None = None
    category: str | None = None
    scope: Scope | None = None

    def resolved_scope(self) -> Scope:
        return self.scope if self.scope is not None else current_scope()

    @property
    def narrowing(self) -> tuple[int | None, int | None, str | None]:
        """The township, unit and category filters: part of a kept statement's key
        (app/core/statements.py)."""
        return self.township_id, self.unit_id, self.category


# --- values ----------------------------------------------------------------------------------------


def percent(numerator: int, denominator: int | None, signed: bool = False) -> str:
    """'90.7%' (half up, one decimal), or '—' when there is nothing below the line."""
    if not denominator:
        return DASH
    # Tenths of a percent, half away from zero, in integers (a report formats some 800 rates;
    # Decimal took a tenth of the page's Python time).
    magnitude = abs(numerator) * 1000
    tenths = (2 * magnitude + abs(denominator)) // (2 * abs(denominator))
    negative = numerator != 0 and (numerator < 0) != (denominator < 0)
    value = f"{tenths // 10}.{tenths % 10}"
    if signed:
        return "0.0%" if not tenths else (f"−{value}%" if negative else f"+{value}%")
    return f"-{value}%" if negative else f"{value}%"


class Value:
    """One figure's value: a rate (numerator / denominator), a count, or a change on a base.

    Never changed once made (additions make a new one). A plain class with slots, not a frozen
    dataclass: a county's report makes some 10,000 of them, and a frozen dataclass takes twice as
    long to make."""

    __slots__ = ("kind", "numerator", "denominator")

    def __init__(self, kind: str, numerator: int = 0, denominator: int | None = None) -> None:
        self.kind = kind  # "rate" | "count" | "change"
        self.numerator = numerator
        self.denominator = denominator

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Value):
            return NotImplemented
        return (self.kind, self.numerator, self.denominator) == (other.kind, other.numerator, other.denominator)

    def __hash__(self) -> int:
        return hash((self.kind, self.numerator, self.denominator))

    def __repr__(self) -> str:
        return f"Value({self.kind!r}, {self.numerator!r}, {self.denominator!r})"

    @property
    def rate(self) -> float | None:
        """The ratio (0.907), or None when the denominator is 0 — never a division error."""
        if self.kind == "count" or not self.denominator:
            return None
        if self.kind == "change":
            return (self.numerator - self.denominator) / self.denominator
        return self.numerator / self.denominator

    @property
    def text(self) -> str:
        if self.kind == "count":
            return str(self.numerator)
        if self.kind == "change":
            # numerator: this period's count; denominator: the same period a year earlier.
            if not self.denominator:
                return DASH
            return percent(self.numerator - self.denominator, self.denominator, signed=True)
        return percent(self.numerator, self.denominator)

    @property
    def detail(self) -> str:
        """'224 / 247' beside a rate; the base for a change."""
        if self.kind == "count":
            return ""
        return f"{self.numerator} / {self.denominator or 0}"

    def __add__(self, other: Value) -> Value:
        den = None if self.denominator is None and other.denominator is None else (
            (self.denominator or 0) + (other.denominator or 0))
        return Value(self.kind, self.numerator + other.numerator, den)

    def __str__(self) -> str:
        return self.text


# --- definitions -----------------------------------------------------------------------------------

Condition = Callable[[datetime], ColumnElement]


@dataclass(frozen=True)
class FigureDef:
    """A figure: its name, its definition as the user reads it, and how it is counted.

    For the case family, `numerator` / `denominator` return the SQL condition a case must meet
    to count above / below the line (given the moment the report is made, for "has come due").
    """

    code: str
    label: Any
    definition: Any
    kind: str = "rate"
    family: str = "cases"
    numerator: Condition | None = None
    denominator: Condition | None = None
    # A denominator that depends on the moment (a deadline passing) is also given in two
    # disjoint parts, `settled` (fixed once it holds) and `pending` (true while waiting, from the
    # deadline on): denominator(now) == settled OR pending(now). The monthly figures
    # (app/reports/rollup.py) store the settled part and count the pending part at report time.
    settled: Callable[[], ColumnElement] | None = None
    pending: Condition | None = None
    # When `pending(now)` is "still waiting and `deadline` < now": (deadline, the waiting
    # condition). The monthly figures then keep the waiting cases per month of their deadline.
    pending_by: tuple[Any, Callable[[], ColumnElement]] | None = None
    # A figure over the cases that have come due (`deadline` < now), above and below the line:
    # (deadline, what counts above the line besides it). numerator(now) == counted AND
    # deadline < now, denominator(now) == deadline < now. Kept per month of the deadline.
    come_due: tuple[Any, Callable[[], ColumnElement]] | None = None


_RATED = (Satisfaction.SATISFIED.value, Satisfaction.BASICALLY.value, Satisfaction.UNSATISFIED.value)
_CONTENT = (Satisfaction.SATISFIED.value, Satisfaction.BASICALLY.value)


def _everything(now: datetime) -> ColumnElement:  # noqa: ARG001
    return Case.id.is_not(None)


def answered() -> ColumnElement:
    """The petitioner has had an answer: the signed reply or — for a matter ended by a mediation
    agreement (Art. 33) without a written reply — the closure."""
    return or_(Case.replied_at.is_not(None), Case.closed_at.is_not(None))


def closed() -> ColumnElement:
    """Closed now. A 复查/复核 request reopens a closed case (the workflow clears `closed_at`
    until it is closed again), so a reopened case does not count as closed."""
    return Case.closed_at.is_not(None)


def _answered_at() -> ColumnElement:
    return func.coalesce(Case.replied_at, Case.closed_at)


def come_due(now: datetime) -> ColumnElement:
    """The reply stage's deadline (Art. 34's 60 days or the fast track, its extension and pauses
    included; not moved by later rounds) has passed."""
    return and_(Case.reply_due_at.is_not(None), Case.reply_due_at < now)


REPLY_RATE = FigureDef(
    "reply_rate", _l("Reply rate (回复率)"),
    _l("Cases answered ÷ cases received. Cases received in the period; answered = the signed "
       "reply (or the closure by a mediation agreement) given, on time or not."),
    numerator=lambda now: answered(),
    denominator=_everything,
)
DUE_REPLY_RATE = FigureDef(
    "due_reply_rate", _l("Reply rate of cases come due (到期回复率)"),
    _l("Cases answered ÷ cases come due. Cases received in the period whose reply deadline (60 "
       "days or the fast track, extension and paused days included; a redo after an unsatisfied "
       "follow-up or a revoked review does not move it) has passed when the report is made; "
       "answered = the signed reply (or the closure by a mediation agreement) given, on time or not."),
    numerator=lambda now: and_(answered(), come_due(now)),
    denominator=come_due,
    come_due=(Case.reply_due_at, answered),
)
CLOSURE_RATE = FigureDef(
    "closure_rate", _l("Closure rate (结案率)"),
    _l("Cases closed ÷ cases received. Cases received in the period; closed = closed and archived "
       "now (a case reopened by a review request, or handled again after a revoked review, is "
       "not closed until it is closed again)."),
    numerator=lambda now: closed(),
    denominator=_everything,
)
DUE_CLOSURE_RATE = FigureDef(
    "due_closure_rate", _l("Closure rate of cases come due (到期结案率)"),
    _l("Cases closed ÷ cases come due. Cases received in the period whose reply deadline (as for "
       "到期回复率) has passed when the report is made; closed = closed and archived now (a case "
       "reopened by a review is not closed)."),
    numerator=lambda now: and_(closed(), come_due(now)),
    denominator=come_due,
    come_due=(Case.reply_due_at, closed),
)
SATISFACTION_RATE = FigureDef(
    "satisfaction_rate", _l("Satisfaction rate (满意率)"),
    _l("Satisfied or basically satisfied ÷ petitioners who rated (satisfied, basically satisfied "
       "or unsatisfied). Cases received in the period; the rating that counts is the latest "
       "follow-up's (unsatisfied, then satisfied after the redo: satisfied); 'did not rate' is "
       "left out."),
    numerator=lambda now: Case.satisfaction.in_(_CONTENT),
    denominator=lambda now: Case.satisfaction.in_(_RATED),
)
PARTICIPATION_RATE = FigureDef(
    "participation_rate", _l("Participation rate (参评率)"),
    _l("Petitioners who rated the answer ÷ cases answered. Cases received in the period with a "
       "reply; rated = satisfied, basically satisfied or unsatisfied (not 'did not rate')."),
    numerator=lambda now: and_(Case.replied_at.is_not(None), Case.satisfaction.in_(_RATED)),
    denominator=lambda now: Case.replied_at.is_not(None),
)


def _accepted_settled() -> ColumnElement:
    return Case.accepted_at.is_not(None)


def _awaiting_acceptance_overdue(now: datetime) -> ColumnElement:
    return and_(Case.accepted_at.is_(None), Case.status == CaseStatus.REGISTERED.value, Case.accept_due_at < now)


ON_TIME_ACCEPTANCE = FigureDef(
    "on_time_acceptance", _l("On-time acceptance rate (按期受理率)"),
    _l("Cases accepted within the acceptance deadline (15 days, Art. 22) ÷ cases accepted plus "
       "cases still awaiting the decision past that deadline. Cases received in the period; "
       "cases not accepted are left out."),
    numerator=lambda now: Case.accepted_at <= Case.accept_due_at,
    denominator=lambda now: or_(_accepted_settled(), _awaiting_acceptance_overdue(now)),
    settled=_accepted_settled,
    pending=_awaiting_acceptance_overdue,
)


def _answered_with_reply_due() -> ColumnElement:
    return and_(Case.reply_due_at.is_not(None), answered())


def awaiting_reply() -> ColumnElement:
    """Cases with a reply deadline and no answer yet: they come due when the deadline passes."""
    return and_(Case.reply_due_at.is_not(None), Case.replied_at.is_(None), Case.closed_at.is_(None))


def _reply_overdue(now: datetime) -> ColumnElement:
    return and_(awaiting_reply(), Case.reply_due_at < now)


ON_TIME_REPLY = FigureDef(
    "on_time_reply", _l("On-time reply rate (按期答复率)"),
    _l("Cases answered by their reply deadline ÷ cases answered or come due (reply deadline "
       "passed). Cases received in the period and assigned; the first signed reply (or the closure "
       "by a mediation agreement) against the reply deadline: 60 days or the fast track, "
       "extension and paused days included — a redo after an unsatisfied follow-up or a revoked "
       "review has a deadline of its own and does not make a late reply on time. Cases still "
       "within their deadline and not answered are not counted yet."),
    numerator=lambda now: _answered_at() <= Case.reply_due_at,
    denominator=lambda now: or_(_answered_with_reply_due(), _reply_overdue(now)),
    settled=_answered_with_reply_due,
    pending=_reply_overdue,
    pending_by=(Case.reply_due_at, awaiting_reply),
)


def _due_and_closed() -> ColumnElement:
    return and_(Case.due_at.is_not(None), closed())


def open_with_due_date() -> ColumnElement:
    """Cases with a handling deadline and not closed: they come due when the deadline passes."""
    return and_(Case.due_at.is_not(None), Case.closed_at.is_(None))


def _open_past_due(now: datetime) -> ColumnElement:
    return and_(open_with_due_date(), Case.due_at < now)


ON_TIME_COMPLETION = FigureDef(
    "on_time_completion", _l("On-time completion rate (按期办结率)"),
    _l("Cases closed by their handling deadline ÷ cases closed or come due (handling deadline "
       "passed, not closed). Cases received in the period and assigned; the handling deadline is "
       "the one in force when the case was closed: the reply's, or after an unsatisfied "
       "follow-up or a revoked review the deadline of that new round. A case reopened by a "
       "review counts as not closed. Cases still within their deadline are not counted yet."),
    numerator=lambda now: Case.closed_at <= Case.due_at,
    denominator=lambda now: or_(_due_and_closed(), _open_past_due(now)),
    settled=_due_and_closed,
    pending=_open_past_due,
    pending_by=(Case.due_at, open_with_due_date),
)
FIRST_TIME_RATE = FigureDef(
    "first_time_rate", _l("Resolved-first-time rate (一次性办结率)"),
    _l("Closed cases never returned for redo, never transferred and with no review (复查/复核) "
       "÷ closed cases. Cases received in the period."),
    numerator=lambda now: and_(closed(), Case.redo_count == 0, Case.transfer_count == 0, Case.review_count == 0),
    denominator=lambda now: closed(),
)
REPEAT_RATE = FigureDef(
    "repeat_rate", _l("Repeat petition rate (重复信访率)"),
    _l("Repeat petitions (重信重访: same petitioner or same matter as an earlier case) ÷ cases "
       "received in the period."),
    numerator=lambda now: Case.is_repeat.is_(True),
    denominator=_everything,
)
SKIP_LEVEL_RATE = FigureDef(
    "skip_level_rate", _l("Skip-level rate (越级率)"),
    _l("Petitions that skipped levels (越级访) ÷ cases received in the period."),
    numerator=lambda now: Case.skips_levels.is_(True),
    denominator=_everything,
)
COLLECTIVE_COUNT = FigureDef(
    "collective_count", _l("Collective petitions (集体访)"),
    _l("Cases received in the period with 5 or more people (Art. 20)."),
    kind="count",
    numerator=lambda now: Case.is_collective.is_(True),
)
VOLUME = FigureDef(
    "volume", _l("Petitions received (信访量)"),
    _l("Cases received in the period (by the time received), duplicates merged away and voided registrations not counted."),
    kind="count",
    numerator=_everything,
)
VOLUME_YOY = FigureDef(
    "volume_yoy", _l("Volume year on year (信访量同比)"),
    _l("(Cases received in the period − cases received in the same period a year earlier) ÷ "
       "cases received in the same period a year earlier."),
    kind="change",
    numerator=_everything,
)
RESOLUTION_RATE = FigureDef(
    "resolution_rate", _l("Mediation resolution rate (化解率)"),
    _l("Mediations that succeeded ÷ mediations concluded (succeeded or failed), by the date "
       "concluded in the period; township of the dispute, unit of the committee. The category "
       "filter does not apply."),
    family="mediation",
)
LEDGER_LEVEL_1 = FigureDef(
    "ledger_level_1", _l("Ledger: level 1 (一级)"),
    _l("Dispute ledger entries found by the end of the period and not closed out by then, on "
       "list level 1 (general) on the period's last day (from the entry's level history; an "
       "earlier period's column too). The category filter does not apply."),
    kind="count", family="ledger",
)
LEDGER_LEVEL_2 = FigureDef(
    "ledger_level_2", _l("Ledger: level 2 (二级)"),
    _l("Dispute ledger entries found by the end of the period and not closed out by then, on "
       "list level 2 (special) on the period's last day (from the entry's level history; an "
       "earlier period's column too). The category filter does not apply."),
    kind="count", family="ledger",
)
LEDGER_LEVEL_3 = FigureDef(
    "ledger_level_3", _l("Ledger: level 3 (三级)"),
    _l("Dispute ledger entries found by the end of the period and not closed out by then, on "
       "list level 3 (key) on the period's last day (from the entry's level history; an "
       "earlier period's column too). The category filter does not apply."),
    kind="count", family="ledger",
)

ORDERS_OPEN = FigureDef(
    "orders_open", _l("Supervision orders open (督办单在办)"),
    _l("Supervision orders issued in the period (by the day issued) that still await the unit's "
       "written answer or the supervisor's review today. Township of the addressed unit (else of "
       "the issuing supervisors), unit addressed. The category filter does not apply."),
    kind="count", family="orders",
)
ORDERS_ANSWERED = FigureDef(
    "orders_answered", _l("Supervision orders answered (督办单已答复)"),
    _l("Supervision orders issued in the period that the addressed unit has answered in writing, "
       "whatever the supervisor decided next (accepted, escalated or still under review)."),
    kind="count", family="orders",
)
ORDERS_ESCALATED = FigureDef(
    "orders_escalated", _l("Supervision orders escalated (督办单升级)"),
    _l("Supervision orders issued in the period that were escalated to the next kind "
       "(催办 → 督办 → 约谈) because the answer was late or not good enough."),
    kind="count", family="orders",
)
ACCOUNTABILITY_COUNT = FigureDef(
    "accountability_count", _l("Accountability decisions (问责)"),
    _l("Accountability records (通报批评, 约谈, 诫勉, 问责/追责, referral to the discipline organs) "
       "decided in the period (by the day decided); township the record belongs to, unit held to "
       "account. The category filter does not apply."),
    kind="count", family="accountability",
)


def _accountability_kind_figure(code: str, label: Any) -> FigureDef:
    return FigureDef(
        f"accountability_{code}", label,
        _l("Accountability records of this kind decided in the period (by the day decided)."),
        kind="count", family="accountability",
    )


def _accountability_kinds() -> tuple[FigureDef, ...]:
    from app.supervision.models import AccountabilityKind

    return tuple(_accountability_kind_figure(kind.value, kind.label) for kind in AccountabilityKind)


# One count per kind of accountability (the 问责 report's columns); they add up to ACCOUNTABILITY_COUNT.
ACCOUNTABILITY_KIND_FIGURES: tuple[FigureDef, ...] = _accountability_kinds()

CASE_FIGURES: tuple[FigureDef, ...] = (
    VOLUME, VOLUME_YOY, REPLY_RATE, DUE_REPLY_RATE, CLOSURE_RATE, DUE_CLOSURE_RATE, ON_TIME_ACCEPTANCE,
    ON_TIME_REPLY, ON_TIME_COMPLETION, FIRST_TIME_RATE, SATISFACTION_RATE, PARTICIPATION_RATE, REPEAT_RATE, SKIP_LEVEL_RATE,
    COLLECTIVE_COUNT,
)
MEDIATION_FIGURES: tuple[FigureDef, ...] = (RESOLUTION_RATE,)
LEDGER_FIGURES: tuple[FigureDef, ...] = (LEDGER_LEVEL_1, LEDGER_LEVEL_2, LEDGER_LEVEL_3)
ORDER_FIGURES: tuple[FigureDef, ...] = (ORDERS_OPEN, ORDERS_ANSWERED, ORDERS_ESCALATED)
ACCOUNTABILITY_FIGURES: tuple[FigureDef, ...] = (ACCOUNTABILITY_COUNT,)
FIGURES: tuple[FigureDef, ...] = (CASE_FIGURES + MEDIATION_FIGURES + LEDGER_FIGURES + ORDER_FIGURES
                                  + ACCOUNTABILITY_FIGURES)
BY_CODE: dict[str, FigureDef] = {f.code: f for f in (*FIGURES, *ACCOUNTABILITY_KIND_FIGURES)}


# --- the engine: one aggregate per family, rolled up by township / unit / total ----------------------

# A group: (period key, township id, unit id) → figure code → Value.
Groups = dict[tuple[str, int | None, int | None], dict[str, Value]]


def _shape(filters: ReportFilters, periods: Mapping[str, Period]) -> tuple[Hashable, ...]:
    """What a family's statement is built from besides its scope (see app/core/statements.py)."""
    return tuple(periods.items()), *filters.narrowing


def _sum(condition: ColumnElement) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _period_key(column: Any, periods: Mapping[str, Period], dates: bool = False) -> tuple[Any, ColumnElement]:
    """A CASE naming the period a row falls in, and the WHERE keeping only rows in some period.

    `dates`: the column holds dates, not times."""
    stretches = []
    for key, period in periods.items():
        low, high = period.bounds
        stretches.append((key, low.date(), high.date()) if dates else (key, low, high))
    return stretch_key(column, stretches)


def _case_periods(filters: ReportFilters, compare: bool) -> dict[str, Period]:
    """The periods to count: the filter's, the same a year before (同比) and, with `compare`,
    the one just before — unless that *is* the year before (a calendar year's report), which
    is then counted once and used for both (see `rollup`)."""
    periods = {"current": filters.period, "year_before": filters.period.year_before()}
    if compare and not _previous_is_year_before(filters):
        periods["previous"] = filters.period.previous()
    return periods


def _previous_is_year_before(filters: ReportFilters) -> bool:
    return filters.period.previous() == filters.period.year_before()


# A stretch of time counted under a period key: (key, from, to) with `to` excluded. A period
# may be counted in several stretches (its whole months from the monthly figures, its odd days
# at either end from the cases).
Stretch = tuple[str, Any, Any]  # datetimes; dates or month numbers for other columns


def stretch_key(column: Any, stretches: Iterable[Stretch]) -> tuple[Any, ColumnElement]:
    """A CASE naming the period key a row's `column` falls in, and the WHERE keeping those rows."""
    whens, ranges = [], []
    for key, low, high in stretches:
        condition = and_(column >= low, column < high)
        whens.append((condition, key))
        ranges.append(condition)
    return case(*whens, else_=None), or_(*ranges)


def case_conditions(filters: ReportFilters) -> list[ColumnElement]:
    """Which cases a figure counts, the period aside: not merged away nor voided, in scope, the filters."""
    conditions = [Case.counted, scope_clause(Case, filters.resolved_scope())]
    if filters.township_id:
        conditions.append(Case.township_id == filters.township_id)
    if filters.unit_id:
        conditions.append(Case.responsible_unit_id == filters.unit_id)
    if filters.category:
        conditions.append(Case.category == filters.category)
    return conditions


def add_groups(into: Groups, more: Groups) -> Groups:
    """Add `more`'s values into `into`, group by group and figure by figure."""
    for group, values in more.items():
        bucket = into.setdefault(group, {})
        for code, value in values.items():
            bucket[code] = bucket[code] + value if code in bucket else value
    return into


def count_cases_live(filters: ReportFilters, figures: list[FigureDef], stretches: list[Stretch],
                     moment: datetime, extra: Iterable[ColumnElement] = (), steer: bool = False) -> Groups:
    """The case figures counted from the cases themselves: one query grouped by (period,
    township, unit). Raw counts: the 同比 values are not yet set (see `_year_on_year`).

    `steer`: the `extra` conditions pick few cases on an index of their own; SQLite is kept
    from walking the period or the place on theirs instead."""
    from app.extensions import db
    from app.reports.rollup import steered

    if not stretches:
        return {}
    key, in_stretches = stretch_key(Case.received_at, stretches)
    others = [in_stretches, *case_conditions(filters)]
    if steer:
        key, others = steered(key, others)
    columns: list[Any] = []
    for fig in figures:
        columns.append(_sum(fig.numerator(moment)))
        if fig.kind == "rate":
            columns.append(_sum(fig.denominator(moment)))
    statement = (
        select(key.label("period"), Case.township_id, Case.responsible_unit_id, *columns)
        .where(*others, *extra)
        .group_by(key, Case.township_id, Case.responsible_unit_id)
    )
    return {(row[0], row[1], row[2]): row_values(figures, row) for row in db.session.execute(statement)}


def row_values(figures: list[FigureDef], row: Any, at: int = 3) -> dict[str, Value]:
    """A grouped row's figure values, its sums from column `at` on: two for a rate (above and
    below the line), one for a count or a change."""
    values: dict[str, Value] = {}
    for fig in figures:
        if fig.kind == "rate":
            values[fig.code] = Value("rate", int(row[at] or 0), int(row[at + 1] or 0))
            at += 2
        else:
            values[fig.code] = Value(fig.kind, int(row[at] or 0), None)
            at += 1
    return values


def count_cases(filters: ReportFilters, figures: Iterable[FigureDef] = CASE_FIGURES,
                compare: bool = False, now: datetime | None = None) -> Groups:
    """The case figures, grouped by (period, township, unit).

    Periods: "current" (the filter's), "year_before" (for 同比) and, with `compare`,
    "previous" (the period just before, for the report's comparison column).

    Whole months come from the monthly figures the database keeps (app/reports/rollup.py) when
    the user's scope can be read from them; odd days, and scopes it cannot serve, are counted
    from the cases. Both give the same numbers (tests/reports/test_rollup.py).
    """
    from app.reports import rollup

    moment = now or wall_clock()
    figures = [f for f in figures if f.family == "cases"]
    periods = _case_periods(filters, compare)
    groups = rollup.count_cases(filters, figures, periods, moment)
    if groups is None:
        stretches = [(key, *period.bounds) for key, period in periods.items()]
        groups = count_cases_live(filters, figures, stretches, moment)
    _year_on_year(groups, figures)
    return groups


def _year_on_year(groups: Groups, figures: list[FigureDef]) -> None:
    """Put each group's year-before count under its current / previous group's 同比 value.

    The year-before rows stay (their township/unit may have no current row); the roll-up adds the
    year-before count as the denominator of the current period's change.
    """
    if not any(f.kind == "change" for f in figures):
        return
    for (period, _township, _unit), values in groups.items():
        for fig in figures:
            if fig.kind == "change":
                volume = values[fig.code].numerator
                # Current-period rows count above the line, year-before rows below it.
                values[fig.code] = (
                    Value("change", volume, 0) if period != "year_before" else Value("change", 0, volume)
                )


def count_mediation(filters: ReportFilters, compare: bool = False) -> Groups:
    """化解率's counts: one query over mediation records concluded in the periods."""
    from app.extensions import db
    from app.mediation.models import MediationRecord, Outcome

    periods = _case_periods(filters, compare)
    scope = scope_clause(MediationRecord, filters.resolved_scope())

    def build() -> Any:
        key, in_periods = _period_key(MediationRecord.concluded_on, periods, dates=True)
        conditions = [in_periods, scope]
        if filters.township_id:
            conditions.append(MediationRecord.township_id == filters.township_id)
        if filters.unit_id:
            conditions.append(MediationRecord.org_unit_id == filters.unit_id)
        return (
            select(
                key, MediationRecord.township_id, MediationRecord.org_unit_id,
                _sum(MediationRecord.outcome == Outcome.SUCCESS.value),
                _sum(MediationRecord.outcome.in_((Outcome.SUCCESS.value, Outcome.FAILED.value))),
            )
            .where(*conditions)
            .group_by(key, MediationRecord.township_id, MediationRecord.org_unit_id)
        )

    statement = reused(("mediation", *_shape(filters, periods), clause_key(scope)), build)
    return {
        (row[0], row[1], row[2]): {RESOLUTION_RATE.code: Value("rate", int(row[3]), int(row[4]))}
        for row in db.session.execute(statement)
    }


def count_ledger(filters: ReportFilters, compare: bool = False) -> Groups:
    """Ledger entries per level standing at the end of each period: one query."""
    from app.extensions import db
    from app.ledgers.models import LedgerEntry, ListLevel

    periods = _case_periods(filters, compare)
    codes = {ListLevel.GENERAL.value: LEDGER_LEVEL_1.code, ListLevel.SPECIAL.value: LEDGER_LEVEL_2.code,
             ListLevel.KEY.value: LEDGER_LEVEL_3.code}
    scope = scope_clause(LedgerEntry, filters.resolved_scope())

    def build() -> Any:
        conditions = [scope]
        if filters.township_id:
            conditions.append(LedgerEntry.township_id == filters.township_id)
        if filters.unit_id:
            conditions.append(LedgerEntry.responsible_unit_id == filters.unit_id)
        columns = []
        for period in periods.values():
            standing = and_(LedgerEntry.found_on <= period.end,
                            or_(LedgerEntry.closed_on.is_(None), LedgerEntry.closed_on > period.end))
            level = level_on(period.end)
            columns += [_sum(and_(standing, level == value)) for value in codes]
        return (
            select(LedgerEntry.township_id, LedgerEntry.responsible_unit_id, *columns)
            .where(*conditions)
            .group_by(LedgerEntry.township_id, LedgerEntry.responsible_unit_id)
        )

    statement = reused(("ledger", *_shape(filters, periods), clause_key(scope)), build)
    groups: Groups = {}
    for row in db.session.execute(statement):
        counts = iter(row[2:])
        for name in periods:
            groups[(name, row[0], row[1])] = {code: Value("count", int(next(counts) or 0)) for code in codes.values()}
    return groups


def level_on(day: date) -> Any:
    """A ledger entry's list level at the end of `day`: the latest change of its level history
    (ledger_level_change) made by then; before its first recorded change, the level that change
    started from (or set, for the first line), and with no history at all, its level today."""
    from app.ledgers.models import LedgerEntry, LevelChange

    end = datetime.combine(day + timedelta(days=1), time.min)
    by_then = (select(LevelChange.to_level).where(LevelChange.entry_id == LedgerEntry.id, LevelChange.changed_at < end)
               .order_by(LevelChange.changed_at.desc(), LevelChange.id.desc()).limit(1).scalar_subquery())
    first = (select(func.coalesce(LevelChange.from_level, LevelChange.to_level))
             .where(LevelChange.entry_id == LedgerEntry.id)
             .order_by(LevelChange.changed_at, LevelChange.id).limit(1).scalar_subquery())
    return func.coalesce(by_then, first, LedgerEntry.level)


def _order_township() -> Any:
    """An order's township: the addressed unit's, else the issuing supervisors' (a county
    department addressed by a township's 督查员)."""
    from app.org.models import OrgUnit
    from app.supervision.models import SupervisionOrder

    unit = select(OrgUnit.township_id).where(OrgUnit.id == SupervisionOrder.unit_id).scalar_subquery()
    return func.coalesce(unit, SupervisionOrder.issuer_township_id)


def order_conditions(filters: ReportFilters, scope: ColumnElement | None = None) -> list[ColumnElement]:
    """Scope, township and unit of supervision orders (the period is the caller's)."""
    from app.supervision.models import SupervisionOrder

    conditions = [scope_clause(SupervisionOrder, filters.resolved_scope()) if scope is None else scope]
    if filters.township_id:
        conditions.append(_order_township() == filters.township_id)
    if filters.unit_id:
        conditions.append(SupervisionOrder.unit_id == filters.unit_id)
    return conditions


def count_orders(filters: ReportFilters, compare: bool = False) -> Groups:
    """Supervision orders open / answered / escalated, by the period issued: one query."""
    from app.extensions import db
    from app.supervision.models import OrderStatus, SupervisionOrder

    periods = _case_periods(filters, compare)
    scope = scope_clause(SupervisionOrder, filters.resolved_scope())

    def build() -> Any:
        key, in_periods = _period_key(SupervisionOrder.issued_at, periods)
        township = _order_township()
        open_statuses = (OrderStatus.ISSUED.value, OrderStatus.ANSWERED.value)
        return (
            select(
                key, township, SupervisionOrder.unit_id,
                _sum(SupervisionOrder.status.in_(open_statuses)),
                _sum(SupervisionOrder.answered_at.is_not(None)),
                _sum(SupervisionOrder.status == OrderStatus.ESCALATED.value),
            )
            .where(in_periods, *order_conditions(filters, scope))
            .group_by(key, township, SupervisionOrder.unit_id)
        )

    statement = reused(("orders", *_shape(filters, periods), clause_key(scope)), build)
    return {
        (row[0], row[1], row[2]): {
            ORDERS_OPEN.code: Value("count", int(row[3])),
            ORDERS_ANSWERED.code: Value("count", int(row[4])),
            ORDERS_ESCALATED.code: Value("count", int(row[5])),
        }
        for row in db.session.execute(statement)
    }


def accountability_conditions(filters: ReportFilters, scope: ColumnElement | None = None) -> list[ColumnElement]:
    """Scope, township and unit of accountability records (the period is the caller's)."""
    from app.supervision.models import AccountabilityRecord

    conditions = [scope_clause(AccountabilityRecord, filters.resolved_scope()) if scope is None else scope]
    if filters.township_id:
        conditions.append(AccountabilityRecord.township_id == filters.township_id)
    if filters.unit_id:
        conditions.append(AccountabilityRecord.unit_id == filters.unit_id)
    return conditions


def count_accountability(filters: ReportFilters, compare: bool = False) -> Groups:
    """Accountability records in total and per kind, by the day decided: one query."""
    from app.extensions import db
    from app.supervision.models import AccountabilityRecord

    periods = _case_periods(filters, compare)
    scope = scope_clause(AccountabilityRecord, filters.resolved_scope())

    def build() -> Any:
        key, in_periods = _period_key(AccountabilityRecord.decided_on, periods, dates=True)
        return (
            select(key, AccountabilityRecord.township_id, AccountabilityRecord.unit_id, AccountabilityRecord.kind,
                   func.count())
            .where(in_periods, *accountability_conditions(filters, scope))
            .group_by(key, AccountabilityRecord.township_id, AccountabilityRecord.unit_id,
                      AccountabilityRecord.kind)
        )

    statement = reused(("accountability", *_shape(filters, periods), clause_key(scope)), build)
    groups: Groups = {}
    for period, township, unit, kind, count in db.session.execute(statement):
        values = groups.setdefault((period, township, unit), {
            f.code: Value("count", 0) for f in (ACCOUNTABILITY_COUNT, *ACCOUNTABILITY_KIND_FIGURES)})
        values[ACCOUNTABILITY_COUNT.code] += Value("count", int(count))
        code = f"accountability_{kind}"
        if code in values:
            values[code] += Value("count", int(count))
    return groups


FAMILIES: dict[str, Callable[..., Groups]] = {
    "cases": lambda filters, figures, compare, now: count_cases(filters, figures, compare, now),
    "mediation": lambda filters, figures, compare, now: count_mediation(filters, compare),  # noqa: ARG005
    "ledger": lambda filters, figures, compare, now: count_ledger(filters, compare),  # noqa: ARG005
    "orders": lambda filters, figures, compare, now: count_orders(filters, compare),  # noqa: ARG005
    "accountability": lambda filters, figures, compare, now: count_accountability(filters, compare),  # noqa: ARG005
}


# Values never change once made: one zero per kind serves every empty cell.
_ZEROS = {kind: Value(kind, 0, None if kind == "count" else 0) for kind in ("rate", "count", "change")}


def _zero(fig: FigureDef) -> Value:
    return _ZEROS[fig.kind]


@dataclass
class FigureTable:
    """Figures per row (a township, a unit, or the total) for the current and previous period."""

    figures: list[FigureDef]
    current: dict[Any, dict[str, Value]] = field(default_factory=dict)
    previous: dict[Any, dict[str, Value]] = field(default_factory=dict)

    def value(self, row: Any, code: str, period: str = "current") -> Value:
        table = self.current if period == "current" else self.previous
        value = table.get(row, {}).get(code)
        return _ZEROS[BY_CODE[code].kind] if value is None else value

    def rows(self) -> list[Any]:
        return sorted((k for k in self.current.keys() | self.previous.keys() if k != TOTAL),
                      key=lambda k: (k is None, k))


def rollup(groups: Groups, figures: list[FigureDef], by: str | None,
           previous_is_year_before: bool = False) -> FigureTable:
    """The groups added up per township (`by="township"`), per unit (`"unit"`) or in total (None)."""
    return rollups(groups, figures, (by,), previous_is_year_before)[0]


def rollups(groups: Groups, figures: Iterable[FigureDef], bys: Iterable[str | None],
            previous_is_year_before: bool = False) -> list[FigureTable]:
    """The groups added up each way in `bys`, in one pass over them.

    The current period's 同比 change: its count over the year-before count. The previous
    period shows no 同比 (its own year-before is not counted). When the previous period is the
    year before (a calendar year), the year-before groups fill the previous column too.
    """
    figures, bys = list(figures), list(bys)
    codes = [f.code for f in figures]
    width = len(figures)
    # Which figures a period adds to a table: all, only 同比 ("change") or all but 同比 ("plain").
    keep = {"change": [f.kind == "change" for f in figures] * 2,
            "plain": [f.kind != "change" for f in figures] * 2}
    where = {"current": ((0, None),),
             "year_before": ((0, "change"), (1, "plain")) if previous_is_year_before else ((0, "change"),),
             "previous": ((1, "plain"),)}
    # A report adds up thousands of values: each group's values as one list of ints (numerators,
    # then denominators, in figure order), the lists of a row summed column by column at the end
    # (map/zip run in C), made Values once per row and figure.
    rows: dict[tuple[int, int, Any], list[list[int]]] = {}
    for (period, township, unit), values in groups.items():
        targets = where.get(period, ())
        if not targets:
            continue
        found = [values.get(code) for code in codes]
        vector = [0 if v is None else v.numerator for v in found]
        vector += [0 if v is None else (v.denominator or 0) for v in found]
        for target, which in targets:
            vec = vector if which is None else [n if k else 0 for n, k in zip(vector, keep[which], strict=True)]
            for way, by in enumerate(bys):
                row = TOTAL if by is None else (township if by == "township" else unit)
                rows.setdefault((way, target, row), []).append(vec)
    tables = [FigureTable(list(figures)) for _ in bys]
    for (way, target, row), vectors in rows.items():
        sums = vectors[0] if len(vectors) == 1 else list(map(sum, zip(*vectors, strict=True)))
        table = tables[way]
        (table.current if target == 0 else table.previous)[row] = {
            f.code: Value(f.kind, n, None if f.kind == "count" else d)
            for f, n, d in zip(figures, sums[:width], sums[width:], strict=True)}
    return tables


def count_groups(filters: ReportFilters, figures: Iterable[FigureDef], compare: bool = False,
                 now: datetime | None = None) -> Groups:
    """The counts of `figures` grouped by (period, township, unit): one aggregate query per family."""
    figures = list(figures)
    groups: Groups = {}
    for family in dict.fromkeys(f.family for f in figures):
        members = [f for f in figures if f.family == family]
        for key, values in FAMILIES[family](filters, members, compare, now).items():
            groups.setdefault(key, {}).update(values)
    return groups


def figure_tables(filters: ReportFilters, figures: Iterable[FigureDef] = FIGURES,
                  by: Iterable[str | None] = (None,), compare: bool = False,
                  now: datetime | None = None) -> list[FigureTable]:
    """The figures rolled up several ways (per township, per unit, in total) from ONE count."""
    figures = list(figures)
    groups = count_groups(filters, figures, compare, now)
    previous_is_year_before = compare and _previous_is_year_before(filters)
    return rollups(groups, figures, by, previous_is_year_before=previous_is_year_before)


def figure_table(filters: ReportFilters, figures: Iterable[FigureDef] = FIGURES, by: str | None = None,
                 compare: bool = False, now: datetime | None = None) -> FigureTable:
    """The figures for `filters`, per township / unit / in total, with the previous period if asked."""
    return figure_tables(filters, figures, (by,), compare, now)[0]


def figure(fig: FigureDef, filters: ReportFilters, by: str | None = None,
           now: datetime | None = None) -> Value | dict[Any, Value]:
    """One figure: its total Value, or {township or unit id: Value} with `by`."""
    table = figure_table(filters, (fig,), by=by, now=now)
    if by is None:
        return table.value(TOTAL, fig.code)
    return {row: table.value(row, fig.code) for row in table.rows()}


# --- one function per figure: what the rest of the code calls --------------------------------------


def reply_rate(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """回复率: cases answered by their due date ÷ cases accepted (REPLY_RATE.definition)."""
    return figure(REPLY_RATE, filters, by, now)


def closure_rate(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """结案率: cases closed by their due date ÷ cases accepted (CLOSURE_RATE.definition)."""
    return figure(CLOSURE_RATE, filters, by, now)


def satisfaction_rate(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """满意率: satisfied or basically satisfied ÷ rated (SATISFACTION_RATE.definition)."""
    return figure(SATISFACTION_RATE, filters, by, now)


def participation_rate(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """参评率: rated ÷ answered (PARTICIPATION_RATE.definition)."""
    return figure(PARTICIPATION_RATE, filters, by, now)


def resolution_rate(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """化解率: mediations succeeded ÷ concluded (RESOLUTION_RATE.definition)."""
    return figure(RESOLUTION_RATE, filters, by, now)


def on_time_acceptance_rate(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """按期受理率: accepted within the deadline ÷ decided or overdue (ON_TIME_ACCEPTANCE.definition)."""
    return figure(ON_TIME_ACCEPTANCE, filters, by, now)


def on_time_completion_rate(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """按期办结率: closed by the due date ÷ come due or closed (ON_TIME_COMPLETION.definition)."""
    return figure(ON_TIME_COMPLETION, filters, by, now)


def first_time_rate(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """一次性办结率: closed with no redo/transfer/review ÷ closed (FIRST_TIME_RATE.definition)."""
    return figure(FIRST_TIME_RATE, filters, by, now)


def repeat_rate(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """重复信访率: repeat petitions ÷ received (REPEAT_RATE.definition)."""
    return figure(REPEAT_RATE, filters, by, now)


def skip_level_rate(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """越级率: skipped levels ÷ received (SKIP_LEVEL_RATE.definition)."""
    return figure(SKIP_LEVEL_RATE, filters, by, now)


def collective_count(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """集体访 count: cases of 5 or more people received (COLLECTIVE_COUNT.definition)."""
    return figure(COLLECTIVE_COUNT, filters, by, now)


def volume(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """信访量: cases received (VOLUME.definition)."""
    return figure(VOLUME, filters, by, now)


def volume_year_on_year(filters: ReportFilters, by: str | None = None, now: datetime | None = None) -> Any:
    """信访量同比: change against the same period a year earlier (VOLUME_YOY.definition)."""
    return figure(VOLUME_YOY, filters, by, now)


def ledger_counts(filters: ReportFilters, by: str | None = None) -> dict[str, Any]:
    """Ledger counts per level (LEDGER_LEVEL_1/2/3.definition): {code: Value or {row: Value}}."""
    table = figure_table(filters, LEDGER_FIGURES, by=by)
    if by is None:
        return {f.code: table.value(TOTAL, f.code) for f in LEDGER_FIGURES}
    return {f.code: {row: table.value(row, f.code) for row in table.rows()} for f in LEDGER_FIGURES}


def supervision_orders(filters: ReportFilters, by: str | None = None) -> dict[str, Any]:
    """Orders open / answered / escalated (ORDERS_*.definition): {code: Value or {row: Value}}."""
    return _counts(filters, ORDER_FIGURES, by)


def accountability_counts(filters: ReportFilters, by: str | None = None) -> dict[str, Any]:
    """Accountability records in total and per kind (ACCOUNTABILITY_*.definition)."""
    return _counts(filters, (ACCOUNTABILITY_COUNT, *ACCOUNTABILITY_KIND_FIGURES), by)


def _counts(filters: ReportFilters, figures: tuple[FigureDef, ...], by: str | None) -> dict[str, Any]:
    table = figure_table(filters, figures, by=by)
    if by is None:
        return {f.code: table.value(TOTAL, f.code) for f in figures}
    return {f.code: {row: table.value(row, f.code) for row in table.rows()} for f in figures}


# --- distributions for the dashboard's charts -------------------------------------------------------


def _case_conditions(filters: ReportFilters, period: Period) -> list[ColumnElement]:
    low, high = period.bounds
    return [Case.received_at >= low, Case.received_at < high, *case_conditions(filters)]


VOLUME_BY_MONTH_DEFINITION = _l(
    "Cases received per calendar month (by the time received), duplicates merged away and voided "
    "registrations not counted."
)


def volume_by_month(filters: ReportFilters, months: int = 12) -> list[tuple[date, int]]:
    """信访量 per month for the `months` months ending with the period's last month: from the
    monthly figures, or one query over the cases (a conditional count per month, so no date
    function differs between databases)."""
    from app.extensions import db
    from app.reports import rollup

    last = date(filters.period.end.year, filters.period.end.month, 1)
    starts = [_add_months(last, -i) for i in range(months - 1, -1, -1)]
    stored = rollup.volume_by_month(filters, starts[0], _add_months(last, 1))
    if stored is not None:
        return [(start, stored.get(start, 0)) for start in starts]
    span = Period(starts[0], _add_months(last, 1) - timedelta(days=1))
    columns = []
    for start in starts:
        low = datetime.combine(start, time.min)
        high = datetime.combine(_add_months(start, 1), time.min)
        columns.append(_sum(and_(Case.received_at >= low, Case.received_at < high)))
    row = db.session.execute(select(*columns).where(*_case_conditions(filters, span))).one()
    return [(start, int(count or 0)) for start, count in zip(starts, row, strict=True)]


def volume_by(filters: ReportFilters, column: Any) -> list[tuple[Any, int]]:
    """信访量 of the period per value of `column` (Case.category, Case.township_id,
    Case.satisfaction …), most first."""
    return volumes_by(filters, (column,))[column.key]


def volumes_by(filters: ReportFilters, columns: tuple[Any, ...]) -> dict[str, list[tuple[Any, int]]]:
    """`volume_by` for several columns (by key): from the monthly figures in one read when all
    are kept there, else one query over the cases per column."""
    from app.extensions import db
    from app.reports import rollup

    keys = tuple(column.key for column in columns)
    stored = rollup.volumes_by(filters, keys) if set(keys) <= set(rollup.DIMENSIONS) else None
    if stored is not None:
        return {key: sorted(stored[key].items(), key=lambda item: -item[1]) for key in keys}
    out = {}
    for column in columns:
        statement = (
            select(column, func.count()).where(*_case_conditions(filters, filters.period))
            .group_by(column).order_by(func.count().desc())
        )
        out[column.key] = [(value, int(count)) for value, count in db.session.execute(statement)]
    return out


SATISFACTION_DEFINITION = _l("Ratings at the latest follow-up of the cases received in the period.")


def satisfaction_breakdown(filters: ReportFilters, by_rating: list[tuple[Any, int]] | None = None) -> list[tuple[str, int]]:
    """How the petitioners rated (satisfied / basically / unsatisfied / did not rate); from
    `volume_by(filters, Case.satisfaction)` when given."""
    counts = dict(volume_by(filters, Case.satisfaction) if by_rating is None else by_rating)
    return [(value, counts.get(value, 0)) for value in Satisfaction.codes()]
