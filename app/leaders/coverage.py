"""四联四包 coverage (seed 004; issue 21 "each county leader holds at least one case").

Seed 004 brings the cases not finished on time (超期) and the 信访积案 under 四联四包: each is held
by a county-level leader (包案), and every county-level leader holds at least one. These rules
say which open cases no county leader holds, how many cases each county leader holds, and keep
the supervisors' proposals (`HoldingProposal`) that a leader take one.

Everything is read through the viewer's scope: a township's users see their township's cases
(and no county leader: a leader record is seen by its own org's users), a 检举控告 never reaches
the unit it accuses (Case's ScopeSpec).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.cases import flags
from app.cases.models import FINISHED_STATUSES, Case
from app.core.errors import DomainError
from app.core.scoping import Scope, scope_clause
from app.leaders.models import (
    Holding,
    HoldingProposal,
    HoldingStatus,
    Leader,
    LeaderRank,
    ProposalStatus,
)

MAX_LISTED = 200
MAX_NOTE = 1000


def county_held_case_ids() -> Any:
    """Cases an active county-level leader holds now (as a subquery)."""
    return (
        select(Holding.case_id)
        .join(Leader, Leader.id == Holding.leader_id)
        .where(Holding.status == HoldingStatus.HOLDING.value, Holding.case_id.is_not(None),
               Leader.rank == LeaderRank.COUNTY.value)
    )


def unheld_clause(now: datetime) -> Any:
    """Open cases overdue (超期) or marked 积案 that no county-level leader holds."""
    return and_(
        Case.status.in_(flags.DEADLINE_STATUSES),
        or_(flags.overdue_clause(now, statuses=None), Case.is_backlog.is_(True)),
        Case.id.not_in(county_held_case_ids()),
    )


def unheld_cases(session: Session, now: datetime, scope: Scope | None = None) -> tuple[list[Case], int]:
    """The first MAX_LISTED of them in the viewer's scope (soonest deadline first) and how many in all."""
    where = and_(unheld_clause(now), scope_clause(Case, scope))
    total = session.execute(select(func.count()).select_from(Case).where(where)).scalar_one()
    cases = session.execute(
        select(Case).where(where).order_by(Case.next_due_at.is_(None), Case.next_due_at, Case.id).limit(MAX_LISTED)
    ).scalars().all()
    return list(cases), int(total)


@dataclass(frozen=True)
class LeaderHoldings:
    leader: Leader
    cases: int  # cases held now (visible to the viewer)

    @property
    def holds_none(self) -> bool:
        return self.cases == 0


def county_leader_holdings(session: Session, scope: Scope | None = None) -> list[LeaderHoldings]:
    """Each active county-level leader the viewer sees, with the cases they hold now."""
    leaders = session.execute(
        select(Leader).where(Leader.rank == LeaderRank.COUNTY.value, Leader.active.is_(True),
                             scope_clause(Leader, scope))
        .order_by(Leader.sort_order, Leader.id)
    ).scalars().all()
    if not leaders:
        return []
    counts = dict(session.execute(
        select(Holding.leader_id, func.count())
        .where(Holding.leader_id.in_([leader.id for leader in leaders]), Holding.case_id.is_not(None),
               Holding.status == HoldingStatus.HOLDING.value, scope_clause(Holding, scope))
        .group_by(Holding.leader_id)
    ).all())
    return [LeaderHoldings(leader, int(counts.get(leader.id, 0))) for leader in leaders]


def pending_proposals(session: Session, scope: Scope | None = None) -> list[HoldingProposal]:
    return list(session.execute(
        select(HoldingProposal)
        .where(HoldingProposal.status == ProposalStatus.PROPOSED.value, scope_clause(HoldingProposal, scope))
        .options(selectinload(HoldingProposal.case))
        .order_by(HoldingProposal.created_at.desc(), HoldingProposal.id.desc())
        .limit(MAX_LISTED)
    ).scalars())


def proposal_problems(session: Session, case: Case | None, leader: Leader | None, note: str) -> list[DomainError]:
    """A proposal names an open case of the proposer's area and a county-level leader in office
    who does not hold it yet and has not been proposed it already."""
    problems: list[DomainError] = []
    if leader is None:
        problems.append(DomainError(gettext("Choose the leader"), field="leader"))
    elif leader.rank != LeaderRank.COUNTY.value or not leader.active:
        problems.append(DomainError(gettext("Propose a county-level leader in office"), field="leader"))
    if case is not None and case.status in FINISHED_STATUSES:
        problems.append(DomainError(
            gettext("Case %(number)s is finished (%(status)s): there is nothing left to hold.",
                    number=case.number, status=case.status_label), field="case_number"))
    if len(note) > MAX_NOTE:
        problems.append(DomainError(gettext("At most %(max)d characters (now %(n)d)", max=MAX_NOTE, n=len(note)),
                                    field="note"))
    if problems or case is None or leader is None:
        return problems
    holds = session.execute(select(Holding.id).where(
        Holding.case_id == case.id, Holding.leader_id == leader.id, Holding.status == HoldingStatus.HOLDING.value
    )).first()
    if holds is not None:
        problems.append(DomainError(gettext("%(name)s already holds %(number)s", name=leader.name,
                                            number=case.number), field="case_number"))
    proposed = session.execute(select(HoldingProposal.id).where(
        HoldingProposal.case_id == case.id, HoldingProposal.leader_id == leader.id,
        HoldingProposal.status == ProposalStatus.PROPOSED.value,
    )).first()
    if proposed is not None:
        problems.append(DomainError(gettext("%(number)s is already proposed to %(name)s", name=leader.name,
                                            number=case.number), field="case_number"))
    return problems


def propose(session: Session, case: Case, leader: Leader, note: str) -> HoldingProposal:
    proposal = HoldingProposal(case=case, leader=leader, note=note or None, status=ProposalStatus.PROPOSED.value)
    session.add(proposal)
    session.flush()
    _tell_leader(session, proposal)
    return proposal


def _tell_leader(session: Session, proposal: HoldingProposal) -> None:
    """HOLDING_PROPOSED to whoever takes the proposal: the proposed leader's own account, or —
    for a leader without one — the users of the leader's office who record holdings
    (`can_add` on holdings). Only those who may open the case are told (notify checks)."""
    from app.notifications import notify
    from app.notifications.models import NotificationKind
    from app.security.roles import roles_granted

    leader, case = proposal.leader, proposal.case
    title = gettext("Proposed that you hold %(number)s (包案)", number=case.number)
    if leader.user is not None:
        notify(session, NotificationKind.HOLDING_PROPOSED, record=proposal, users=[leader.user], title=title,
               url="/leaders/coverage/#proposals")
    else:
        notify(session, NotificationKind.HOLDING_PROPOSED, record=proposal, units=[leader.org_unit_id],
               roles=roles_granted("holdings", "can_add"),
               title=gettext("Proposed that %(name)s hold %(number)s (包案)", name=leader.name, number=case.number),
               url="/leaders/coverage/#proposals")


def take_proposals(session: Session, holding: Holding) -> None:
    """A holding taken: the proposals that this leader hold this case are taken with it."""
    if holding.case is None or holding.case.id is None or holding.leader is None:
        return
    with session.no_autoflush:
        proposals = session.execute(select(HoldingProposal).where(
            HoldingProposal.case_id == holding.case.id, HoldingProposal.leader_id == holding.leader.id,
            HoldingProposal.status == ProposalStatus.PROPOSED.value,
        )).scalars().all()
    for proposal in proposals:
        proposal.status = ProposalStatus.TAKEN.value
        proposal.holding = holding
