"""Workflow histories for the demo cases, written by the rules module itself.

Each demo case gets a target status (by its age, as a real county's cases would be) and is
driven there step by step through `app.cases.workflow.apply_step`, by the people who would
take each step (the township's clerk and leader, the unit's handler, now and then the county
leader), at plausible times between its registration and now. So the demo history obeys every
rule the product enforces — and some cases are late, some near their deadline, some were
redone, transferred, extended or paused, as in life.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases import workflow
from app.cases.models import Case, Category, Petitioner, Satisfaction
from app.cases.models import CaseStatus as S
from app.cases.workflow_models import (
    IMMUTABLE,
    Assignment,
    CaseReview,
    Extension,
    JointReview,
    JointReviewUnit,
    Pause,
)
from app.deadlines.models import RuleCode
from app.deadlines.policy import DeadlinePolicy
from app.org.models import OrgKind, OrgUnit
from app.security.models import AppUser
from app.security.roles import RoleName
from seed import data


@dataclass
class Cast:
    """Who acts for each place and unit."""

    clerks: dict[int, AppUser] = field(default_factory=dict)  # township id → clerk
    leaders: dict[int, AppUser] = field(default_factory=dict)  # township id → leader
    handlers: dict[int, AppUser] = field(default_factory=dict)  # unit id → handler
    county_leader: AppUser | None = None

    @classmethod
    def load(cls, session: Session) -> Cast:
        cast = cls()
        users = session.execute(select(AppUser).order_by(AppUser.id)).unique().scalars().all()
        for user in users:
            roles = user.role_names
            unit = user.org_unit
            if unit is None:
                continue
            if RoleName.CLERK in roles and unit.kind == OrgKind.TOWNSHIP.value:
                cast.clerks.setdefault(unit.id, user)
            if RoleName.LEADER in roles:
                if unit.kind == OrgKind.TOWNSHIP.value:
                    cast.leaders.setdefault(unit.id, user)
                elif unit.kind == OrgKind.COUNTY.value:
                    cast.county_leader = cast.county_leader or user
            if RoleName.HANDLER in roles:
                cast.handlers.setdefault(unit.id, user)
        return cast


@dataclass
class Plan:
    """One step to take: who (a role), what, and how long after the previous step (days)."""

    code: str
    role: str
    delay: float
    inputs: dict[str, Any] = field(default_factory=dict)


def _pick(rng: random.Random, texts: list[str], **fmt: str) -> str:
    return rng.choice(texts).format(**fmt)


class Director:
    """Plans and plays the history of one case."""

    def __init__(self, session: Session, cast: Cast, rng: random.Random, policy: DeadlinePolicy,
                 now: datetime, units: dict[int, OrgUnit]) -> None:
        self.session = session
        self.cast = cast
        self.rng = rng
        self.policy = policy
        self.now = now
        self.units = units

    # --- planning --------------------------------------------------------------------------

    def plan(self, case: Case, target: S, unit: OrgUnit) -> list[Plan]:
        rng = self.rng
        words = {"unit": unit.name, "place": case.township.name, "title": case.title}
        steps: list[Plan] = []
        add = steps.append
        if target == S.REGISTERED:
            return steps
        if target == S.NOT_ACCEPTED:
            add(Plan("refuse", "clerk", rng.uniform(0.3, 5), {"reason": _pick(rng, data.REFUSALS)}))
            return steps
        add(Plan("accept", "clerk", rng.uniform(0.2, 3)))
        if target == S.ACCEPTED:
            return steps
        add(Plan("propose", "clerk", rng.uniform(0.05, 1),
                 {"proposal": _pick(rng, data.PROPOSALS, **words), "unit": unit}))
        if target == S.PROPOSED:
            return steps
        add(Plan("instruct", "leader", rng.uniform(0.2, 2), {"text": _pick(rng, data.INSTRUCTIONS, **words)}))
        if target == S.INSTRUCTED:
            return steps
        rule = RuleCode.FAST_TRACK if rng.random() < 0.25 else RuleCode.HANDLE
        add(Plan("assign", "clerk", rng.uniform(0.05, 1),
                 {"unit": unit, "rule": rule.value, "note": _pick(rng, data.ASSIGN_NOTES)}))
        if target == S.ASSIGNED:
            return steps
        if target == S.RETURNED or (rng.random() < 0.04 and case.category != Category.ACCUSATION.value):
            add(Plan("send_back", "handler", rng.uniform(0.5, 3), {"reason": _pick(rng, data.SEND_BACK_REASONS)}))
            if target == S.RETURNED:
                return steps
            other = self._other_unit(case, unit)
            add(Plan("assign", "clerk", rng.uniform(0.5, 2),
                     {"unit": other, "rule": rule.value, "note": _pick(rng, data.ASSIGN_NOTES)}))
            unit = other
            words["unit"] = unit.name
        add(Plan("receive", "handler", rng.uniform(0.3, 3), {"complex": rng.random() < 0.1}))
        for _ in range(rng.choice((0, 1, 1, 2))):
            add(Plan("report_progress", "handler", rng.uniform(2, 8), {"text": _pick(rng, data.PROGRESS)}))
        if rng.random() < 0.4:
            add(Plan("instruct", "leader", rng.uniform(1, 6),
                     {"text": _pick(rng, data.FOLLOW_UP_INSTRUCTIONS, **words)}))
        if rng.random() < 0.05 and case.category != Category.ACCUSATION.value:
            lead = unit
            co = self._other_unit(case, unit)
            add(Plan("joint_review", "handler", rng.uniform(1, 4),
                     {"lead_unit": lead, "co_units": [co],
                      "plan": _pick(rng, data.JOINT_REVIEW_PLANS, lead=lead.name)}))
        if rng.random() < 0.06:
            kind, reason = rng.choice(data.PAUSE_REASONS)
            add(Plan("pause", "handler", rng.uniform(2, 10), {"reason_kind": kind, "reason": reason}))
            if not (target == S.HANDLING and rng.random() < 0.3):
                add(Plan("resume", "handler", rng.uniform(3, 15)))
        if rng.random() < 0.07 and not any(p.code == "pause" for p in steps[-1:]):
            add(Plan("request_extension", "handler", rng.uniform(5, 30),
                     {"days": rng.choice((15, 20, 30)), "reason": _pick(rng, data.EXTENSION_REASONS)}))
            if not (target == S.HANDLING and rng.random() < 0.4):
                add(Plan("decide_extension", "leader", rng.uniform(0.5, 3),
                         {"decision": "approve", "note": "同意延期，请向信访人说明理由。"}))
        if target == S.HANDLING:
            return steps
        if target in (S.CLOSED,) and rng.random() < 0.03 and steps[-1].code != "pause":
            add(Plan("settle", "handler", rng.uniform(5, 30), {"agreement": _pick(rng, data.SETTLEMENTS)}))
            return steps
        self._findings_to_reply(steps, words, redo=rng.random() < 0.08)
        if target == S.IN_REVIEW:
            steps[-2:] = []  # stop before approve and sign
            return steps
        if target == S.APPROVED:
            steps[-1:] = []
            return steps
        if target == S.REPLIED:
            # Answered and not closed yet: where the follow-up is done, the petitioner is often
            # not satisfied — the rules send such a case back to the unit (不满意 → 办理中).
            if rng.random() < 0.3:
                add(Plan("follow_up", "clerk", rng.uniform(2, 7), self._rating(open_case=True)))
            return steps
        if target == S.REVIEWING:
            add(Plan("follow_up", "clerk", rng.uniform(2, 7), self._rating(unhappy=True)))
            add(Plan("request_recheck", "clerk", rng.uniform(1, 20), {"reason": _pick(rng, data.REVIEW_REASONS)}))
            return steps
        # Closed: follow-up (now and then an unhappy one first, back to the unit), then close.
        if rng.random() < 0.05:
            add(Plan("follow_up", "clerk", rng.uniform(2, 7),
                     {"satisfaction": Satisfaction.UNSATISFIED.value, "method": "phone",
                      "note": _pick(rng, data.UNSATISFIED_NOTES)}))
            self._findings_to_reply(steps, words, redo=False, first_delay=(4, 9))
        rating = self._rating(last=True)
        add(Plan("follow_up", "clerk", rng.uniform(2, 10), rating))
        # Not satisfied at the last follow-up: the rules send the case back to its unit, where it
        # is still being handled (不满意 → 办理中); it is not closed. The later steps are drawn
        # all the same, so the rest of the demo does not shift.
        reopened = rating["satisfaction"] == Satisfaction.UNSATISFIED.value
        closing = [Plan("close", "clerk", rng.uniform(0.5, 5))]
        if rng.random() < 0.03:
            closing.append(Plan("request_recheck", "clerk", rng.uniform(1, 10),
                                {"reason": _pick(rng, data.REVIEW_REASONS)}))
            closing.append(Plan("decide_review", "reviewer", rng.uniform(10, 28),
                                {"outcome": "upheld", "decision": _pick(rng, data.REVIEW_DECISIONS)}))
            closing.append(Plan("close", "clerk", rng.uniform(0.5, 3)))
        if not reopened:
            steps.extend(closing)
        return steps

    def _findings_to_reply(self, steps: list[Plan], words: dict[str, str], redo: bool,
                           first_delay: tuple[float, float] | None = None) -> None:
        rng = self.rng
        # Most units answer well within 60 days; some are late (按期办结率 is not 100%).
        late = rng.random() < 0.12
        low, high = first_delay or ((50, 75) if late else (4, 40))
        reply = _pick(rng, data.REPLIES, **words)
        steps.append(Plan("submit_findings", "handler", rng.uniform(low, high),
                          {"findings": _pick(rng, data.FINDINGS), "reply_draft": reply}))
        if redo:
            steps.append(Plan("return_for_redo", "leader", rng.uniform(1, 3), {"reason": _pick(rng, data.REDO_REASONS)}))
            steps.append(Plan("submit_findings", "handler", rng.uniform(3, 8),
                              {"findings": _pick(rng, data.FINDINGS), "reply_draft": reply}))
        steps.append(Plan("approve", "leader", rng.uniform(0.5, 3)))
        steps.append(Plan("sign_reply", "leader", rng.uniform(0.2, 2), {"reply_text": reply}))

    def _rating(self, unhappy: bool = False, open_case: bool = False, last: bool = False) -> dict[str, Any]:
        """A follow-up's rating. 不满意 reopens the case (the rules send it back to its unit): the
        last follow-up of a case meant to close may be one (the case then stays with its unit),
        an answered case still open more often. The draws are the same in number whatever the
        weights: the rest of the demo stays as it was."""
        rng = self.rng
        if unhappy:
            rating = Satisfaction.BASICALLY.value
        else:
            rating = rng.choices(
                [Satisfaction.SATISFIED.value, Satisfaction.BASICALLY.value, Satisfaction.NOT_RATED.value,
                 Satisfaction.UNSATISFIED.value],
                # Of the petitioners who rate: about 80 % 满意, 12 % 基本满意, 8 % 不满意.
                weights=[30, 15, 5, 50] if open_case else [73, 11, 8, 8] if last else [78, 14, 8, 0],
            )[0]
        method = rng.choice(("phone", "phone", "visit", "sms"))
        if rating == Satisfaction.NOT_RATED.value:
            return {"satisfaction": rating, "method": method, "note": None}
        drawn = rng.randrange(len(data.FOLLOW_UP_NOTES))  # one draw, as for the satisfied notes
        notes = data.UNSATISFIED_NOTES if rating == Satisfaction.UNSATISFIED.value else data.FOLLOW_UP_NOTES
        return {"satisfaction": rating, "method": method, "note": notes[drawn % len(notes)]}

    def _other_unit(self, case: Case, unit: OrgUnit) -> OrgUnit:
        """A second unit for a transfer or a co-unit: the township if a department had it."""
        if unit.kind != OrgKind.TOWNSHIP.value:
            return self.units[case.township_id]
        subject_unit = data.SUBJECT_UNIT.get(case.subject.name if case.subject else "", "县住房和城乡建设局")
        return next(u for u in self.units.values() if u.name == subject_unit)

    # --- playing -----------------------------------------------------------------------------

    def play(self, case: Case, steps: list[Plan]) -> None:
        if not steps:
            return
        start = case.last_step_at
        available = (self.now - start).total_seconds() / 86400 - 0.05
        total = sum(p.delay for p in steps)
        scale = min(1.0, available / total) if total > 0 else 1.0
        moment = start
        for p in steps:
            moment = moment + timedelta(days=p.delay * scale)
            moment = moment.replace(microsecond=0)
            if moment > self.now:
                moment = self.now
            if p.code in _WITHIN_THE_PERIOD and case.due_at is not None and moment > case.due_at:
                # Too late for an extension (Art. 34): the unit simply stays overdue.
                continue
            actor = self._actor(case, p.role)
            workflow.apply_step(case, p.code, actor, now=moment, policy=self.policy, **p.inputs)

    def _actor(self, case: Case, role: str) -> AppUser:
        if role == "clerk":
            return self.cast.clerks[case.township_id]
        if role == "reviewer":
            # The level above the township that answered (Art. 35): the county. A reply the
            # county signed is reviewed above it, and the county's leaders record that decision.
            return self.cast.county_leader
        if role == "leader":
            if self.cast.county_leader is not None and self.rng.random() < 0.25:
                return self.cast.county_leader
            return self.cast.leaders[case.township_id]
        return self.cast.handlers[case.responsible_unit_id]


# Steps the rules allow only before the reply deadline has run out.
_WITHIN_THE_PERIOD = ("request_extension", "decide_extension")


def write_histories(session: Session, cases: list[tuple[Case, S, OrgUnit]], rng: random.Random,
                    policy: DeadlinePolicy, now: datetime,
                    on_case: Callable[[Case], None] | None = None) -> None:
    """Drive each (case, target status, unit) through the workflow."""
    units = {u.id: u for u in session.execute(select(OrgUnit)).scalars()}
    director = Director(session, Cast.load(session), rng, policy, now, units)
    for case, target, unit in cases:
        director.play(case, director.plan(case, target, unit))
        if on_case:
            on_case(case)
        # A flush walks every object in the session: keep it small by letting go of the cases
        # already written (they stay in the transaction, just not in memory).
        session.flush()
        for obj in list(session.identity_map.values()):
            mine = obj is case or getattr(obj, "case_id", None) == case.id
            if mine and isinstance(obj, _CASE_OBJECTS) and obj in session:
                session.expunge(obj)


_CASE_OBJECTS = (Case, Petitioner, *IMMUTABLE, Assignment, CaseReview, Extension, JointReview,
                 JointReviewUnit, Pause)
