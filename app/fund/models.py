"""信访积案化解专项资金: the county's yearly fund for hard cases, applications, disbursements.

Seed 000 (青白江区): 50万 a year set aside to resolve 无头案、钉子案、骨头案. A township applies
for money for one case; a leader approves or refuses; the petition office pays out against the
approved amount. Amounts are exact: Numeric(14, 2) read as Decimal, never floats. The rules
(balance, one open draw per case, who approves) live in rules.py.
"""

from __future__ import annotations

from decimal import Decimal

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from app.core.choices import Choices
from app.core.models import Stamped, Versioned
from app.core.scoping import ScopeSpec

CENT = Decimal("0.01")


def money(value: Decimal | int | None) -> Decimal:
    """An amount as Decimal with two places (None → 0.00)."""
    return Decimal(value or 0).quantize(CENT)


class HardCaseKind(Choices):
    """The kinds of long-standing case the fund is for (seed 000)."""

    HEADLESS = "headless", _l("Headless case (no one answerable)")
    NAIL = "nail", _l("Nail case (petitioner will not settle)")
    BONE = "bone", _l("Bone case (hard to resolve)")


class ApplicationStatus(Choices):
    PENDING = "pending", _l("Awaiting approval")
    APPROVED = "approved", _l("Approved")
    REFUSED = "refused", _l("Refused")


class Fund(Stamped, Versioned, Model):
    """One county's fund for one year."""

    __tablename__ = "hardcase_fund"
    __scope__ = ScopeSpec(org_unit="county_id")
    __table_args__ = (UniqueConstraint("county_id", "year", name="uq_hardcase_fund_year"),)

    id = Column(Integer, primary_key=True)
    county_id = Column(Integer, ForeignKey("org_unit.id"), nullable=False)
    year = Column(Integer, nullable=False)
    total = Column(Numeric(14, 2), nullable=False)
    note = Column(Text, nullable=True)

    county = relationship("OrgUnit", lazy="joined")
    applications = relationship("FundApplication", back_populates="fund")

    def __repr__(self) -> str:
        return f"{self.year}" if self.year else ""


class FundApplication(Stamped, Versioned, Model):
    """A township's application for money for one case, and the leader's decision on it."""

    __tablename__ = "hardcase_fund_application"
    # Seen by whoever may open the case (its township, its units, not the accused: Art. 30).
    __scope__ = ScopeSpec(parent=("case_id", "Case"))
    __table_args__ = (
        Index("ix_hardcase_fund_application_case", "case_id", "status"),
        Index("ix_hardcase_fund_application_fund", "fund_id", "status"),
    )

    id = Column(Integer, primary_key=True)
    fund_id = Column(Integer, ForeignKey("hardcase_fund.id"), nullable=False)
    case_id = Column(Integer, ForeignKey("petition_case.id"), nullable=False)
    kind = Column(String(16), nullable=False, info={"choices": HardCaseKind})
    amount = Column(Numeric(14, 2), nullable=False)
    reason = Column(Text, nullable=False)
    applied_on = Column(Date, nullable=False)
    status = Column(
        String(16), nullable=False, default=ApplicationStatus.PENDING.value, info={"choices": ApplicationStatus}
    )
    decided_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    decided_at = Column(DateTime, nullable=True)
    opinion = Column(Text, nullable=True)

    fund = relationship("Fund", back_populates="applications", lazy="joined")
    case = relationship("Case", lazy="joined")
    decided_by = relationship("AppUser", foreign_keys=[decided_by_id])
    disbursements = relationship(
        "FundDisbursement", back_populates="application", order_by="FundDisbursement.paid_on"
    )

    def __repr__(self) -> str:
        number = self.case.number if self.case is not None else ""
        return f"{number} · {money(self.amount)}"

    @property
    def disbursed(self) -> Decimal:
        return money(sum((d.amount for d in self.disbursements), Decimal(0)))

    @property
    def undisbursed(self) -> Decimal:
        """Approved money not yet paid out (0 unless approved)."""
        if self.status != ApplicationStatus.APPROVED.value:
            return money(0)
        return money(self.amount) - self.disbursed


class FundDisbursement(Stamped, Versioned, Model):
    """Money paid out against an approved application."""

    __tablename__ = "hardcase_fund_disbursement"
    __scope__ = ScopeSpec(parent=("application_id", "FundApplication"))
    __table_args__ = (Index("ix_hardcase_fund_disbursement_application", "application_id"),)

    id = Column(Integer, primary_key=True)
    application_id = Column(Integer, ForeignKey("hardcase_fund_application.id"), nullable=False)
    amount = Column(Numeric(14, 2), nullable=False)
    paid_on = Column(Date, nullable=False)
    recipient = Column(String(100), nullable=False)
    purpose = Column(String(300), nullable=False)

    application = relationship("FundApplication", back_populates="disbursements", lazy="joined")

    def __repr__(self) -> str:
        return f"{self.recipient} · {money(self.amount)}"
