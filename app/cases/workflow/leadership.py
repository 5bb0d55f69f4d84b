"""点名交办 and 署名答复: a leader's 批示 may name the responsible leader (and a later 批示 change
them, with history); from then on only that leader, or the person they delegate signing to,
signs the reply (seed 004: 署名回复). Cases whose leader nobody named keep the old rule: any
leader of the place signs."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases.models import Case
from app.cases.workflow.base import LEADER, actor_name


def place_leaders(session: Session, case: Case) -> list[Any]:
    """The active leaders who may act on the case (its place's or its unit's, or the county's)."""
    from app.cases.workflow.engine import STEPS, relation_error
    from app.security.models import AppUser

    users = session.execute(
        select(AppUser).where(AppUser.active.is_(True)).order_by(AppUser.last_name, AppUser.first_name, AppUser.id)
    ).scalars().all()
    sign = STEPS["sign_reply"]
    return [u for u in users if LEADER in {r.name for r in u.roles} and relation_error(sign, case, u) is None]


def leader_problem(case: Case, user: Any) -> str | None:
    from app.cases.workflow.engine import STEPS, relation_error

    if not getattr(user, "active", False) or LEADER not in {r.name for r in getattr(user, "roles", ())}:
        return gettext("Choose a leader.")
    if relation_error(STEPS["sign_reply"], case, user) is not None:
        return gettext("This leader does not lead the case's place or unit.")
    return None


def signing_refusal(case: Case, actor: Any) -> str | None:
    """Why `actor` may not sign the reply of a case whose leader was named, or None."""
    if actor is None or not case.leader_named or case.responsible_leader_id is None:
        return None
    if getattr(actor, "id", None) in (case.responsible_leader_id, case.reply_delegate_id):
        return None
    return gettext("The reply is signed by the responsible leader %(name)s (or the person they delegate to).",
                   name=actor_name(case.responsible_leader))


def public_signer(case: Case, session: Session) -> str:
    """"周德明（县委副书记）": who signed the reply and their post, for the public."""
    from app.leaders.models import Leader

    signer = case.reply_signed_by
    if signer is None:
        return ""
    post = session.execute(
        select(Leader.post).where(Leader.user_id == signer.id, Leader.active.is_(True)).limit(1)
    ).scalar_one_or_none()
    if not post:
        post = signer.org_unit.name if signer.org_unit is not None else ""
    return f"{actor_name(signer)}（{post}）" if post else actor_name(signer)
