"""Records of seed 003's working practices around a case.

- `CaseAgent` (信访代理): someone acting for the petitioner — a relative, a lawyer, a village cadre
  (代办员) — named on the case page and on the notices sent to the petitioner.
- `SweepMiss` (初信初访倒查): a first petition whose matter the township's sweep should have put in
  its dispute ledger and did not (rule in lookback.py); the township verifies it and adds the entry.
- `ConsultationMeeting` (民情征询会) and `ExpertOpinion` (专家研判, seed 003: 聘请专家或律师团队研判评析):
  the meetings held and the expert or legal opinions taken on a case.
- `ContingencyPlan` (预案): what is done about a collective visit (集体访) and who answers for it;
  the visit itself raises an immediate 重要情况速报 to the county office (alerts.py).

Every record hangs off its case and is seen exactly where the case is (`ScopeSpec(parent=…)`):
a township never sees another's, and a 检举控告's records never reach the unit it reports on.
"""

from __future__ import annotations

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import relationship

from app.core.choices import Choices
from app.core.models import Stamped, Versioned
from app.core.scoping import ScopeSpec


class AgentRelation(Choices):
    RELATIVE = "relative", _l("Close relative")
    LAWYER = "lawyer", _l("Lawyer")
    LEGAL_AID = "legal_aid", _l("Legal aid worker")
    CADRE = "cadre", _l("Village cadre acting as agent (代办员)")
    OTHER = "other", _l("Other")


class CaseAgent(Stamped, Versioned, Model):
    """信访代理: an agent acting for the petitioner(s) of a case."""

    __tablename__ = "case_agent"
    __scope__ = ScopeSpec(parent=("case_id", "Case"))
    __table_args__ = (Index("ix_case_agent_case", "case_id"),)

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("petition_case.id", ondelete="CASCADE"), nullable=False)
    name = Column(String(50), nullable=False)
    relation = Column(String(16), nullable=False, info={"choices": AgentRelation})
    # Personal data, masked like a petitioner's phone for roles that do not handle cases.
    phone = Column(String(24), nullable=True, info={"personal": "phone"})
    note = Column(String(200), nullable=True)

    case = relationship("Case")

    def __repr__(self) -> str:
        return self.name or ""


class MissStatus(Choices):
    OPEN = "open", _l("To be verified by the township")
    ENTERED = "entered", _l("Added to the ledger")
    EXPLAINED = "explained", _l("Verified: not a sweep omission")


class SweepMiss(Stamped, Versioned, Model):
    """初信初访倒查: a first petition the township's dispute ledger did not hold."""

    __tablename__ = "sweep_miss"
    __scope__ = ScopeSpec(parent=("case_id", "Case"))
    __table_args__ = (
        Index("uq_sweep_miss_case", "case_id", unique=True),
        Index("ix_sweep_miss_township_flagged", "township_id", "flagged_at"),
    )

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("petition_case.id", ondelete="CASCADE"), nullable=False)
    # The township whose sweep missed it (the case's place when it was flagged).
    township_id = Column(Integer, ForeignKey("org_unit.id"), nullable=False)
    flagged_at = Column(DateTime, nullable=False)
    status = Column(String(16), nullable=False, default=MissStatus.OPEN.value, info={"choices": MissStatus})
    ledger_entry_id = Column(Integer, ForeignKey("ledger_entry.id", ondelete="SET NULL"), nullable=True)
    note = Column(Text, nullable=True)

    case = relationship("Case")
    township = relationship("OrgUnit", foreign_keys=[township_id], lazy="joined")
    ledger_entry = relationship("LedgerEntry")

    def __repr__(self) -> str:
        return self.case.number if self.case is not None else ""


class ConsultationMeeting(Stamped, Versioned, Model):
    """民情征询会: a meeting held with the people concerned to hear their opinions on a matter."""

    __tablename__ = "consultation_meeting"
    __scope__ = ScopeSpec(parent=("case_id", "Case"))
    __table_args__ = (Index("ix_consultation_meeting_case", "case_id", "held_on"),)

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("petition_case.id", ondelete="CASCADE"), nullable=False)
    held_on = Column(Date, nullable=False)
    place = Column(String(200), nullable=False)
    participants = Column(Text, nullable=False)
    opinions = Column(Text, nullable=False)
    follow_up = Column(Text, nullable=True)

    case = relationship("Case")

    def __repr__(self) -> str:
        return f"{self.held_on or ''} {self.place or ''}".strip()


class ExpertKind(Choices):
    LAWYER = "lawyer", _l("Lawyer")
    EXPERT = "expert", _l("Subject expert")
    PANEL = "panel", _l("Expert panel")


class ExpertOpinion(Stamped, Versioned, Model):
    """专家研判: an expert's or lawyer's opinion on a difficult case."""

    __tablename__ = "expert_opinion"
    __scope__ = ScopeSpec(parent=("case_id", "Case"))
    __table_args__ = (Index("ix_expert_opinion_case", "case_id", "given_on"),)

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("petition_case.id", ondelete="CASCADE"), nullable=False)
    expert = Column(String(100), nullable=False)
    expert_kind = Column(String(16), nullable=False, info={"choices": ExpertKind})
    given_on = Column(Date, nullable=False)
    opinion = Column(Text, nullable=False)

    case = relationship("Case")

    def __repr__(self) -> str:
        return self.expert or ""


class ContingencyPlan(Stamped, Versioned, Model):
    """预案: the measures for a collective visit and the person who answers for them."""

    __tablename__ = "contingency_plan"
    __scope__ = ScopeSpec(parent=("case_id", "Case"))
    __table_args__ = (Index("ix_contingency_plan_case", "case_id"),)

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("petition_case.id", ondelete="CASCADE"), nullable=False)
    drawn_up_on = Column(Date, nullable=False)
    measures = Column(Text, nullable=False)
    responsible_person = Column(String(50), nullable=False)

    case = relationship("Case")

    def __repr__(self) -> str:
        return self.responsible_person or ""


from app.practices import hooks as _hooks  # noqa: E402, F401 — the listeners, with the models
