"""Shared by the whole workflow: shorthands, step vocabularies, the public actor, the history row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from app.cases.models import Case, CaseStatus
from app.cases.workflow_models import CaseEvent
from app.core.choices import Choices
from app.deadlines.models import RuleCode
from app.security.roles import RoleName

S = CaseStatus
CLERK, HANDLER, LEADER = RoleName.CLERK, RoleName.HANDLER, RoleName.LEADER
ADMIN = RoleName.ADMIN


class Decision(Choices):
    APPROVE = "approve", _l("Approve")
    REJECT = "reject", _l("Reject")


class HandlingRule(Choices):
    """The deadline rules a clerk may choose when assigning (the reply deadline)."""

    HANDLE = RuleCode.HANDLE.value, _l("60 days from acceptance (Art. 34)")
    FAST_TRACK = RuleCode.FAST_TRACK.value, _l("Fast track: 10 days")


HANDLING_STATES = {S.ASSIGNED, S.HANDLING, S.IN_REVIEW}
CLOCK_STATES = {S.ASSIGNED, S.HANDLING, S.IN_REVIEW, S.APPROVED, S.REVIEWING}


# --- the public as an actor ----------------------------------------------------------------------


@dataclass(frozen=True)
class PublicActor:
    """Someone without an account acting through the public portal (app/portal).

    Registering an online petition: whoever submits it (`case_id` None). Later steps: the
    petitioner of `case_id`, proven by the case's query code and phone — they may take the
    steps marked `public` on that case only. The history records `label` ("信访人（网上）"),
    never a personal name; the actor has no user id, no unit, no role and no scope.
    """

    label: str
    case_id: int | None = None
    id = None
    org_unit = None
    org_unit_id = None
    roles = ()
    is_authenticated = False
    is_public = True

    @property
    def last_name(self) -> str:
        return self.label

    @property
    def first_name(self) -> str:
        return ""


def is_public(actor: Any) -> bool:
    return bool(getattr(actor, "is_public", False))


# --- helpers ---------------------------------------------------------------------------------


def actor_name(actor: Any) -> str:
    from app.security.models import person_name

    return person_name(actor)


def _roles(actor: Any) -> frozenset[str]:
    return frozenset(role.name for role in getattr(actor, "roles", ()) or ())


def _fmt(value: datetime | date | None) -> str:
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M" if isinstance(value, datetime) else "%Y-%m-%d")


def _day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def _event(case: Case, code: str, from_status: str | None, to_status: str, actor: Any,
           at: datetime, recorded: datetime, text: str | None, details: dict[str, Any] | None,
           token: str | None = None) -> CaseEvent:
    unit = getattr(actor, "org_unit", None)
    return CaseEvent(
        case_id=case.id,
        step=code,
        from_status=from_status,
        to_status=to_status,
        actor_id=getattr(actor, "id", None),
        actor_name=actor_name(actor),
        actor_unit=unit.name if unit is not None else "",
        occurred_at=at,
        recorded_at=recorded,
        text=text,
        details=details or None,
        token=token,
    )
