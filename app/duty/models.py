"""24小时值班 (seeds 001, 004): the duty roster of each township and of the county, and the duty log.

A shift is one person on duty for one unit (the county or a township) from a start to an end; the
roster is published to every signed-in user of the unit and of the townships below it (views.py
RosterView). The log records the calls and events taken on duty; an entry may lead to a petition
case registered from it (`case_id`, set when the registration form opened from the entry is saved).
Hours of the coming days no shift covers are gaps (rules.py).
"""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import relationship

from app.core.models import Stamped, Versioned
from app.core.scoping import ScopeSpec


class DutyShift(Stamped, Versioned, Model):
    """One turn of duty: a unit, a person (a user or a name), a phone, from `starts_at` to `ends_at`."""

    __tablename__ = "duty_shift"
    __scope__ = ScopeSpec(org_unit="org_unit_id")
    __table_args__ = (
        Index("ix_duty_shift_unit_start", "org_unit_id", "starts_at"),
        Index("ix_duty_shift_end", "ends_at"),
    )

    id = Column(Integer, primary_key=True)
    org_unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=False)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True)
    person_name = Column(String(50), nullable=True)
    # The duty phone is published to the unit's staff: an office line, not personal data.
    phone = Column(String(24), nullable=False)
    starts_at = Column(DateTime, nullable=False)
    ends_at = Column(DateTime, nullable=False)
    note = Column(String(200), nullable=True)

    org_unit = relationship("OrgUnit", lazy="joined")
    user = relationship("AppUser", foreign_keys=[user_id], lazy="joined")

    @property
    def person(self) -> str:
        if self.person_name:
            return self.person_name
        if self.user is not None:
            from app.security.models import person_name

            return person_name(self.user) or self.user.username
        return ""

    def __repr__(self) -> str:
        when = self.starts_at.strftime("%Y-%m-%d %H:%M") if self.starts_at else ""
        return f"{self.person} {when}".strip()


class DutyLogEntry(Stamped, Versioned, Model):
    """值班记录: a call or event taken on duty, and what was done; maybe a case registered from it."""

    __tablename__ = "duty_log_entry"
    # Kept by the unit on duty; an entry that led to a case is seen only by who may open the case
    # (a 检举控告 never reaches the unit it reports on).
    __scope__ = ScopeSpec(org_unit="org_unit_id", requires=(("case_id", "Case"),))
    __table_args__ = (
        Index("ix_duty_log_entry_unit_time", "org_unit_id", "received_at"),
        Index("ix_duty_log_entry_case", "case_id"),
        Index("ix_duty_log_entry_shift", "shift_id"),
    )

    id = Column(Integer, primary_key=True)
    org_unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=False)
    shift_id = Column(Integer, ForeignKey("duty_shift.id", ondelete="SET NULL"), nullable=True)
    received_at = Column(DateTime, nullable=False)
    caller = Column(String(50), nullable=True)
    phone = Column(String(24), nullable=True, info={"personal": "phone"})
    summary = Column(Text, nullable=False)
    action_taken = Column(Text, nullable=True)
    case_id = Column(Integer, ForeignKey("petition_case.id", ondelete="SET NULL"), nullable=True)

    org_unit = relationship("OrgUnit", lazy="joined")
    shift = relationship("DutyShift")
    case = relationship("Case")

    def __repr__(self) -> str:
        return (self.summary or "")[:30]
