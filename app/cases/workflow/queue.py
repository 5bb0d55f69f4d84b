"""The work queue as SQL (待办) and who a case awaits now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session, object_session
from sqlalchemy.sql.elements import ColumnElement

from app.cases.models import COUNTY_MAILBOXES, Case, CaseStatus
from app.cases.workflow.base import CLERK, HANDLER, LEADER, S, _roles, actor_name
from app.cases.workflow.deadlines import DeadlineKind, pending_deadlines
from app.cases.workflow.engine import STEPS, Step
from app.cases.workflow.records import open_review, reviewer_name
from app.cases.workflow_models import Recusal
from app.core.clock import now as wall_clock
from app.core.scoping import Scope, exclusion_clause, scope_branches
from app.org.models import OrgKind, OrgUnit, county_of
from app.org.scoping import scope_for_user


def _place_only(scope: Scope) -> Scope:
    return Scope(everything=scope.everything, township_ids=scope.township_ids,
                 village_ids=scope.village_ids, lineage=scope.lineage,
                 screens_accusations=scope.screens_accusations, screening_root=scope.screening_root)


def scope_and(scope: Scope, condition: ColumnElement) -> ColumnElement:
    """`scope_clause(Case, scope) AND condition`, with the condition repeated inside each branch
    of the scope (place / unit / co-unit, `scope_branches`). Each branch can then use its (place
    or unit, status, next_due_at) index: a township's 400,000 cases are not read to find its 50
    most urgent."""
    return or_(*[and_(branch, condition) for branch in scope_branches(Case, scope)])


def _township_intake() -> ColumnElement:
    """Cases a township's (or village's) clerk takes in: all but letters to county mailboxes."""
    return or_(Case.mailbox.is_(None), Case.mailbox.not_in(sorted(COUNTY_MAILBOXES)))


def queue_clause(actor: Any) -> ColumnElement:
    """SQL condition: the cases waiting for `actor` to act (their 待办), from the step table."""
    roles = _roles(actor)
    scope = scope_for_user(actor)
    parts: list[ColumnElement] = []
    for role in sorted(roles & {CLERK, HANDLER, LEADER}):
        for condition in _waiting_conditions(role, actor):
            if role == HANDLER:
                unit_id = getattr(actor, "org_unit_id", None)
                parts.append(and_(Case.responsible_unit_id == unit_id, condition) if unit_id else false())
            elif role == CLERK:
                if not scope.everything:
                    condition = and_(condition, _township_intake())
                parts.append(scope_and(_place_only(scope), condition))
            else:
                parts.append(scope_and(scope, condition))
    if not parts:
        return false()
    recused = select(Recusal.case_id).where(Recusal.user_id == actor.id)
    # 条例 Art. 30: a 检举控告 never waits in the queue of the unit it reports on.
    return and_(or_(*parts), Case.id.not_in(recused), exclusion_clause(Case, scope))


def _waiting_conditions(role: str, actor: Any) -> list[ColumnElement]:
    """What a case waiting for `role` (as `actor`) looks like, as conditions that each start
    with a status list (so that an index on status can serve each)."""
    states: set[str] = set()
    waiting: list[ColumnElement] = []
    for s in STEPS.values():
        if role not in s.roles or not s.queue:
            continue
        if s.queue_for is not None:
            waiting.append(and_(Case.status.in_(sorted(x.value for x in s.waits_in)), s.queue_for(actor)))
        elif s.queue_clause is not None:
            waiting.append(and_(Case.status.in_(sorted(x.value for x in s.from_states)), s.queue_clause()))
        else:
            states.update(x.value for x in s.waits_in)
    waiting.insert(0, Case.status.in_(sorted(states)))
    return waiting


def queue_statuses(actor: Any) -> list[str]:
    """Every status a case in `actor`'s queue (`queue_clause`) can have."""
    statuses: set[str] = set()
    for role in _roles(actor) & {CLERK, HANDLER, LEADER}:
        for s in STEPS.values():
            if role in s.roles and s.queue:
                statuses.update(x.value for x in (s.from_states if s.queue_clause is not None else s.waits_in))
    return sorted(statuses)


def queue_states(role: str) -> frozenset[str]:
    """Statuses in which a case waits for `role` (for documentation and the status cards)."""
    return frozenset(
        x.value
        for s in STEPS.values()
        if role in s.roles and s.queue and s.queue_clause is None
        for x in s.waits_in
    )


# The steps a named leader's delegate takes for them (署名答复: signing the reply, approving an
# answer given at the window) — those guarded by `signing_refusal`.
SIGNING_STEPS = frozenset({"sign_reply", "approve_at_window"})


# --- who acts next --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Awaited:
    """Who a case waits for and for what: the case page's top line and the portal's progress.

    Read from the same step table as the work queue (`queue_clause`): the steps marked for the
    queue whose status the case is in, per role — the handling unit's 承办人, the place's
    petition office, its leaders (the responsible leader by name) or the level deciding a review.
    """

    unit: OrgUnit | None
    person: str  # a named member of staff ("" when none is named)
    steps: tuple[Step, ...]
    due: datetime | None
    who_text: str = ""  # a holder with no unit of its own (above the county)
    role: str = ""  # whose role acts (CLERK, HANDLER, LEADER)
    user: Any = None  # the named member of staff
    # 署名答复 delegated: the person signing on the named leader's behalf (`person` is the leader).
    delegate: str = ""

    def words(self, public: bool = False) -> str:
        """"等待 县人社局 签收，期限 12月8日" — for the public (`public`), never a staff name."""
        who = self.who_text or (self.unit.name if self.unit is not None else "")
        if self.person and not public:
            who = self.person
        if self.delegate:
            # "王芳（受 周德明 委托）"; the public reads that someone signs on the leaders' behalf.
            who = (gettext("%(delegate)s (on behalf of %(leader)s)", delegate=self.delegate, leader=who)
                   if not public else gettext("the person delegated by %(who)s", who=who))
        what = gettext(" or ").join(str(s.label) for s in self.steps)
        text = gettext("Awaiting %(what)s by %(who)s", who=who, what=what)
        if self.due is not None:
            text += gettext(", due %(date)s", date=gettext(
                "%(month)d/%(day)d", month=self.due.month, day=self.due.day))
        return text


def _petition_office(case: Case, session: Session) -> OrgUnit | None:
    """Whose petition office takes the case in: the township's, or for a letter to a county
    mailbox the county 信访局 (`relation_error`: a township clerk does not act on those)."""
    if not case.county_intake:
        return case.township
    return session.execute(
        select(OrgUnit).where(OrgUnit.kind == OrgKind.BUREAU.value, OrgUnit.active.is_(True))
        .order_by(OrgUnit.id).limit(1)
    ).scalar_one_or_none()


def _leaders_level(case: Case, session: Session) -> OrgUnit | None:
    if not case.county_intake:
        return case.township
    office = _petition_office(case, session)
    return county_of(office) if office is not None else None


def awaited(case: Case, session: Session | None = None, now: datetime | None = None) -> list[Awaited]:
    """What `case` waits for now, from whom (nothing once closed, merged or not accepted)."""
    session = session or object_session(case)
    if session is None or not case.status:
        return []
    now = now or wall_clock()
    status = CaseStatus(case.status)
    by_role: dict[str, list[Step]] = {}
    for s in STEPS.values():
        if not s.queue or status not in (s.from_states if s.queue_clause is not None else s.waits_in):
            continue
        # The step's own condition (an extension awaiting a decision, a follow-up before
        # closing); one that depends on who asks (the review's level) is read below.
        if s.queue_for is None and s.guard is not None and s.guard(case, None, now):
            continue
        for role in sorted(s.roles & {CLERK, HANDLER, LEADER}):
            by_role.setdefault(role, []).append(s)
    deadlines = [d for d in pending_deadlines(case, session) if not d.stopped]
    receipt = next((d.due for d in deadlines if d.kind == DeadlineKind.RECEIPT), None)
    clock = next((d.due for d in deadlines if d.kind not in (DeadlineKind.RECEIPT, DeadlineKind.PLAN)), None)
    found: list[Awaited] = []
    for role in (HANDLER, CLERK, LEADER):
        steps = by_role.get(role)
        if not steps:
            continue
        due = receipt if any(s.code == "receive" for s in steps) and receipt else clock
        if role == HANDLER:
            unit = session.get(OrgUnit, case.responsible_unit_id) if case.responsible_unit_id else None
            # The 首办责任人 by name (the unit as a whole when nobody is named).
            holder = case.handler if case.handler_id else None
            found.append(Awaited(unit, _named(holder, unit), tuple(steps), due, role=role, user=holder))
        elif role == CLERK:
            found.append(Awaited(_petition_office(case, session), "", tuple(steps), due, role=role))
        else:
            review = open_review(case, session) if status == S.REVIEWING else None
            reviewing = [s for s in steps if s.queue_for is not None]
            others = tuple(s for s in steps if s.queue_for is None)
            if review is not None and reviewing:
                found.append(Awaited(review.reviewer_unit, "", tuple(reviewing), due, role=role,
                                     who_text=reviewer_name(review) if review.reviewer_unit is None else ""))
            if others:
                leader = (session.get(type(case).responsible_leader.property.mapper.class_,
                                      case.responsible_leader_id) if case.responsible_leader_id else None)
                level = _leaders_level(case, session)
                name = actor_name(leader) if leader is not None else ""
                who_text = gettext("the leaders of %(place)s", place=_place_name(level))
                delegate = case.reply_delegate if case.leader_named and case.reply_delegate_id else None
                signing = tuple(s for s in others if s.code in SIGNING_STEPS) if delegate is not None else ()
                if signing:
                    # The named leader delegated signing: the banner names who signs (on whose behalf).
                    found.append(Awaited(level, name, signing, due, who_text=who_text, role=role, user=leader,
                                         delegate=actor_name(delegate)))
                    others = tuple(s for s in others if s not in signing)
                if others:
                    found.append(Awaited(level, name, others, due, who_text=who_text, role=role, user=leader))
    return found


def _place_name(unit: OrgUnit | None) -> str:
    return unit.name if unit is not None else ""


def _named(user: Any, unit: OrgUnit | None) -> str:
    """"陈志强（城关镇）": a named member of staff with their unit."""
    if user is None:
        return ""
    return f"{actor_name(user)}（{unit.name}）" if unit is not None else actor_name(user)
