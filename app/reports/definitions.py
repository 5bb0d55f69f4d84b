"""The figures' definitions: what each counts above and below the line, as the user reads it.

Every figure managers read (DOMAIN.md "The figures managers read") is one `FigureDef` here: its
label, its definition (shown as the tooltip and the footnote) and, for the case family, the SQL
conditions a case meets to count above / below the line. The counting (app/reports/counting.py)
and the monthly tables' triggers (app/reports/rollup/) are generated from these; nothing
defines a figure a second time.

Which cases count: those *received* (`received_at`) in the period, inside the user's scope and
the report's filters (township 属地, responsible unit 属事, category). Duplicate registrations
merged into another case are left out everywhere (the matter is counted once, on the kept case),
and so are registrations voided as made by mistake (作废) — both by `Case.counted`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_
from sqlalchemy.sql.elements import ColumnElement

from app.cases.models import Case, CaseStatus, Satisfaction

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
    # (app/reports/rollup/) store the settled part and count the pending part at report time.
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


# --- the dashboard's charts ---------------------------------------------------------------------

VOLUME_BY_MONTH_DEFINITION = _l(
    "Cases received per calendar month (by the time received), duplicates merged away and voided "
    "registrations not counted."
)


SATISFACTION_DEFINITION = _l("Ratings at the latest follow-up of the cases received in the period.")

