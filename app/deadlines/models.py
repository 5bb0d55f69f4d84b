"""The deadline rules and holiday overrides the administrator edits.

Defaults come from the 信访工作条例 (2022) and the seed articles (DOMAIN.md "Deadlines"). The
codes are fixed — the workflow knows which clock each one drives — so the administrator edits
lengths and day kinds, never adds or removes rules. Both tables are county-wide policy, not any
township's data, so they carry no scope.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)

from app.core.calendar import DayKind
from app.core.choices import Choices
from app.core.models import Stamped, Versioned


class RuleCode(Choices):
    ACCEPT = "accept", _l("Register and accept or assign")
    RECEIPT = "receipt", _l("Unit confirms receipt of an assigned case")
    SEND_BACK = "send_back", _l("Unit objects and sends a wrongly assigned case back")
    HANDLE = "handle", _l("Handle and reply (from acceptance)")
    FAST_TRACK = "fast_track", _l("Ordinary case, fast track")
    COMPLEX_PLAN = "complex_plan", _l("Complex case: handling plan")
    EXTENSION = "extension", _l("Longest extension of the reply deadline")
    REVIEW_REQUEST = "review_request", _l("Petitioner may ask for review or re-review")
    REVIEW_ANSWER = "review_answer", _l("Review or re-review answered")
    WARNING = "warning", _l("Warn this many days before a deadline")


@dataclass(frozen=True)
class RuleDefault:
    days: int
    kind: DayKind
    basis: str


# 信访工作条例 (2022) articles and the seed articles; the Chinese basis text is data the
# administrator may edit, shown beside each rule.
DEFAULT_RULES: dict[RuleCode, RuleDefault] = {
    RuleCode.ACCEPT: RuleDefault(15, DayKind.CALENDAR, "《信访工作条例》第二十二条"),
    RuleCode.RECEIPT: RuleDefault(15, DayKind.CALENDAR, "《信访工作条例》第二十三条"),
    RuleCode.SEND_BACK: RuleDefault(5, DayKind.WORKING, "《信访工作条例》第二十三条"),
    RuleCode.HANDLE: RuleDefault(60, DayKind.CALENDAR, "《信访工作条例》第三十四条"),
    RuleCode.FAST_TRACK: RuleDefault(10, DayKind.CALENDAR, "县委“五位一体”信访工作制度：一般信访件限时10日办结"),
    RuleCode.COMPLEX_PLAN: RuleDefault(3, DayKind.WORKING, "复杂信访事项3个工作日内拿出化解方案"),
    RuleCode.EXTENSION: RuleDefault(30, DayKind.CALENDAR, "《信访工作条例》第三十四条：延长期限不得超过30日"),
    RuleCode.REVIEW_REQUEST: RuleDefault(30, DayKind.CALENDAR, "《信访工作条例》第三十五、三十六条"),
    RuleCode.REVIEW_ANSWER: RuleDefault(30, DayKind.CALENDAR, "《信访工作条例》第三十五、三十六条"),
    RuleCode.WARNING: RuleDefault(3, DayKind.CALENDAR, "本单位规定：到期前3日内为临期"),
}

# Statutory ceilings the administrator cannot exceed (Art. 34: an extension of at most 30 days).
MAX_DAYS: dict[RuleCode, int] = {RuleCode.EXTENSION: 30, RuleCode.WARNING: 30}


class DeadlineRule(Stamped, Versioned, Model):
    __tablename__ = "deadline_rule"
    __table_args__ = (UniqueConstraint("code", name="uq_deadline_rule_code"),)

    id = Column(Integer, primary_key=True)
    code = Column(String(24), nullable=False, info={"choices": RuleCode})
    days = Column(Integer, nullable=False)
    day_kind = Column(String(16), nullable=False, default=DayKind.CALENDAR.value, info={"choices": DayKind})
    basis = Column(String(200), nullable=True)

    def __repr__(self) -> str:
        return RuleCode.label_of(self.code)


class HolidayOverride(Stamped, Versioned, Model):
    """One day whose status differs from the library's (or that the library does not know)."""

    __tablename__ = "holiday_override"
    __table_args__ = (UniqueConstraint("day", name="uq_holiday_override_day"),)

    id = Column(Integer, primary_key=True)
    day = Column(Date, nullable=False)
    is_workday = Column(Boolean, nullable=False, default=False)
    name = Column(String(50), nullable=False)

    def __repr__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.name}"


class HolidayYear(Model):
    """A year the holiday library does not know whose holidays and adjusted working days the
    administrator has entered (HolidayOverride) and confirmed complete: its deadlines are then
    no longer 待核."""

    __tablename__ = "holiday_year"

    year = Column(Integer, primary_key=True, autoincrement=False)
    confirmed_at = Column(DateTime, nullable=False)
    confirmed_by_id = Column(Integer, ForeignKey("ab_user.id", name="fk_holiday_year_confirmed_by"), nullable=True)
