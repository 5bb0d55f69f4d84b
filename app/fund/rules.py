"""Rules of the hard-case fund (信访积案化解专项资金, seed 000): valid amounts, one open draw per
case, approval by a county leader, disbursements within the approval and the fund's balance.

Balances are the fund's, not the viewer's: they are summed over every application of the fund
whoever reads them (a township clerk applying must not overdraw what other townships committed),
so the sums here are deliberately not scoped. What a user is *shown* is scoped by the views.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext
from sqlalchemy import func, select

from app.core.errors import DomainError
from app.core.validators import future_error
from app.fund.models import (
    ApplicationStatus,
    Fund,
    FundApplication,
    FundDisbursement,
    money,
)
from app.security.roles import RoleName

MAX_AMOUNT = Decimal("999999999999.99")  # what Numeric(14, 2) holds


def parse_amount(text: str | None) -> Decimal | None:
    """The amount typed in a form ("1,200.50" → Decimal), None when empty; DomainError if not a number."""
    cleaned = (text or "").strip().replace(",", "").replace("，", "")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise DomainError(gettext("Enter an amount in yuan, e.g. 12000.50")) from None
    if not value.is_finite():
        raise DomainError(gettext("Enter an amount in yuan, e.g. 12000.50"))
    return value


def amount_error(value: Decimal | None) -> str | None:
    """Why an amount is not acceptable (positive, at most 2 decimals, fits the column), or None."""
    if value is None:
        return gettext("Enter an amount in yuan, e.g. 12000.50")
    if value <= 0:
        return gettext("The amount must be more than zero")
    if value != value.quantize(Decimal("0.01")):
        return gettext("An amount has at most two decimals (fen)")
    if value > MAX_AMOUNT:
        return gettext("This amount is too large")
    return None


@dataclass(frozen=True)
class FundPosition:
    """Where a fund stands: total, paid out, approved but not yet paid (committed), balances."""

    total: Decimal
    disbursed: Decimal
    committed: Decimal

    @property
    def balance(self) -> Decimal:
        """Total − disbursed: the money still in the fund."""
        return self.total - self.disbursed

    @property
    def available(self) -> Decimal:
        """Balance − committed: what may still be approved."""
        return self.balance - self.committed


def fund_position(session: Any, fund: Fund) -> FundPosition:
    """The fund as stored (changes not yet flushed, e.g. the record being checked, are not in it)."""
    with session.no_autoflush:
        return _position(session, fund)


def _position(session: Any, fund: Fund) -> FundPosition:
    approved = session.execute(
        select(func.coalesce(func.sum(FundApplication.amount), 0)).where(
            FundApplication.fund_id == fund.id, FundApplication.status == ApplicationStatus.APPROVED.value
        )
    ).scalar_one()
    disbursed = session.execute(
        select(func.coalesce(func.sum(FundDisbursement.amount), 0))
        .join(FundApplication, FundDisbursement.application_id == FundApplication.id)
        .where(FundApplication.fund_id == fund.id)
    ).scalar_one()
    # SQLite sums NUMERIC as floating point: two-decimal amounts far below 2**53 fen come back
    # within a fraction of a fen, which quantizing to the fen makes exact again.
    disbursed = money(Decimal(str(disbursed)))
    return FundPosition(
        total=money(fund.total), disbursed=disbursed, committed=money(Decimal(str(approved))) - disbursed
    )


def fund_for(session: Any, county_id: int | None, year: int) -> Fund | None:
    query = select(Fund).where(Fund.year == year)
    if county_id is not None:
        query = query.where(Fund.county_id == county_id)
    return session.execute(query.order_by(Fund.id)).scalars().first()


def open_application(session: Any, case_id: int, excluding: int | None = None) -> FundApplication | None:
    """The case's application still drawing on the fund: awaiting approval, or approved and not
    fully paid out. A case cannot draw twice without a new approval."""
    with session.no_autoflush:
        rows = session.execute(select(FundApplication).where(
            FundApplication.case_id == case_id,
            FundApplication.status.in_((ApplicationStatus.PENDING.value, ApplicationStatus.APPROVED.value)),
            FundApplication.id != (excluding or 0),
        )).scalars().all()
        return next(
            (r for r in rows if r.status == ApplicationStatus.PENDING.value or r.undisbursed > 0), None
        )


def application_problems(session: Any, application: FundApplication, is_new: bool) -> list[DomainError]:
    # The record being checked is not flushed by the look-ups (it may be refused).
    with session.no_autoflush:
        return _application_problems(session, application, is_new)


def _application_problems(session: Any, application: FundApplication, is_new: bool) -> list[DomainError]:
    problems: list[DomainError] = []
    error = amount_error(application.amount)
    if error:
        problems.append(DomainError(error, field="amount"))
    error = future_error(application.applied_on)
    if error:
        problems.append(DomainError(error, field="applied_on"))
    if not is_new and application.status != ApplicationStatus.PENDING.value:
        problems.append(DomainError(gettext("A decided application can no longer be changed")))
    case = application.case
    if case is not None:
        earlier = open_application(session, case.id, excluding=application.id)
        if earlier is not None:
            problems.append(DomainError(gettext(
                "This case already has an application drawing on the fund (%(amount)s yuan, %(status)s): "
                "a new one needs that one paid out or refused first",
                amount=money(earlier.amount), status=ApplicationStatus.label_of(earlier.status),
            ), field="case_number"))
    fund = application.fund
    if fund is None:
        problems.append(DomainError(gettext("No fund has been set up for this year"), field="applied_on"))
    elif not error:
        available = fund_position(session, fund).available
        if application.amount > available:
            problems.append(DomainError(gettext(
                "More than the fund can still approve this year (%(available)s yuan)", available=available
            ), field="amount"))
    return problems


def may_decide(actor: Any, scope: Any) -> bool:
    """Approval is a county leader's (or the administrator's): the fund is the county's."""
    names = frozenset(role.name for role in getattr(actor, "roles", []) or [])
    if RoleName.ADMIN in names:
        return True
    return RoleName.LEADER in names and bool(getattr(scope, "everything", False))


def decide(
    session: Any, application: FundApplication, approve: bool, opinion: str | None, actor: Any, scope: Any,
    at: datetime,
) -> None:
    """A leader approves or refuses an application, with an opinion (required to refuse)."""
    if not may_decide(actor, scope):
        raise DomainError(gettext("Only a county leader approves applications to the fund"))
    if application.status != ApplicationStatus.PENDING.value:
        raise DomainError(gettext("This application has already been decided"))
    opinion = (opinion or "").strip()
    if not approve and not opinion:
        raise DomainError(gettext("Give the reason for refusing"), field="opinion")
    if approve:
        available = fund_position(session, application.fund).available
        if money(application.amount) > available:
            raise DomainError(gettext(
                "More than the fund can still approve this year (%(available)s yuan)", available=available
            ))
    application.status = (ApplicationStatus.APPROVED if approve else ApplicationStatus.REFUSED).value
    application.opinion = opinion or None
    application.decided_by_id = actor.id
    application.decided_at = at


def disbursement_problems(session: Any, disbursement: FundDisbursement) -> list[DomainError]:
    with session.no_autoflush:
        return _disbursement_problems(session, disbursement)


def _disbursement_problems(session: Any, disbursement: FundDisbursement) -> list[DomainError]:
    problems: list[DomainError] = []
    error = amount_error(disbursement.amount)
    if error:
        problems.append(DomainError(error, field="amount"))
    error = future_error(disbursement.paid_on)
    if error:
        problems.append(DomainError(error, field="paid_on"))
    application = disbursement.application
    if application is None:
        problems.append(DomainError(gettext("Choose the approved application paid"), field="application"))
        return problems
    if application.status != ApplicationStatus.APPROVED.value:
        problems.append(DomainError(gettext("Only an approved application is paid out"), field="application"))
        return problems
    if disbursement.paid_on is not None and application.applied_on is not None \
            and disbursement.paid_on < application.applied_on:
        problems.append(DomainError(gettext("This date is before the application date"), field="paid_on"))
    if error or amount_error(disbursement.amount):
        return problems
    # Disbursements are recorded, not edited (a mistake is deleted by the administrator).
    already = money(sum((d.amount for d in application.disbursements if d is not disbursement), Decimal(0)))
    left = money(application.amount) - already
    if disbursement.amount > left:
        problems.append(DomainError(gettext(
            "More than is left of the approved amount (%(left)s yuan)", left=left
        ), field="amount"))
    else:
        balance = fund_position(session, application.fund).balance
        if disbursement.amount > balance:
            problems.append(DomainError(gettext(
                "More than the fund's balance (%(balance)s yuan)", balance=balance
            ), field="amount"))
    return problems
