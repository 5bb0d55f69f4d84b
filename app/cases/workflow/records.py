"""Reading a case's step records: current assignment, reviews, co-units, recusals, latest reply."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from app.cases.models import Case
from app.cases.workflow_models import (
    Assignment,
    CaseEvent,
    CaseReview,
    JointReview,
    JointReviewUnit,
    ProgressReport,
    Recusal,
)
from app.org.models import OrgUnit


def current_assignment(case: Case, session: Session | None = None) -> Assignment | None:
    """The assignment the case is under now (not sent back), latest first."""
    session = session or object_session(case)
    if session is None or case.id is None:
        return None
    return session.execute(
        select(Assignment)
        .where(Assignment.case_id == case.id, Assignment.returned_at.is_(None))
        .order_by(Assignment.assigned_at.desc(), Assignment.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def open_review(case: Case, session: Session | None = None) -> CaseReview | None:
    session = session or object_session(case)
    if session is None or case.id is None:
        return None
    return session.execute(
        select(CaseReview)
        .where(CaseReview.case_id == case.id, CaseReview.decided_at.is_(None))
        .order_by(CaseReview.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def reviews_of(case: Case, session: Session | None = None) -> list[CaseReview]:
    session = session or object_session(case)
    if session is None or case.id is None:
        return []
    return list(
        session.execute(
            select(CaseReview).where(CaseReview.case_id == case.id).order_by(CaseReview.id)
        ).scalars()
    )


def is_co_unit(case: Case, unit_id: int | None, session: Session | None = None) -> bool:
    session = session or object_session(case)
    if unit_id is None or session is None or case.id is None:
        return False
    return (
        session.execute(
            select(JointReviewUnit.id)
            .where(JointReviewUnit.case_id == case.id, JointReviewUnit.unit_id == unit_id)
            .limit(1)
        ).first()
        is not None
    )


def has_recused(case: Case, actor: Any, session: Session | None = None) -> bool:
    session = session or object_session(case)
    if session is None or case.id is None or getattr(actor, "id", None) is None:
        return False
    return (
        session.execute(
            select(Recusal.id).where(Recusal.case_id == case.id, Recusal.user_id == actor.id).limit(1)
        ).first()
        is not None
    )


def plan_submitted(case: Case, assignment: Assignment, session: Session | None = None) -> bool:
    """Has the unit given its handling plan since it confirmed receipt — at a joint review
    (会审, its plan) or in a progress report?"""
    session = session or object_session(case)
    since = assignment.received_at or assignment.assigned_at
    if session is None or case.id is None:
        return False
    for table, moment in ((JointReview, JointReview.held_at), (ProgressReport, ProgressReport.reported_at)):
        if session.execute(
            select(table.id).where(table.case_id == case.id, moment >= since).limit(1)
        ).first() is not None:
            return True
    return False


def latest_reply_at(case: Case, session: Session | None = None) -> datetime | None:
    """When the petitioner got the written reply they hold now: after 不满意 and a second
    reply, the second. The 30 days to ask for 复查 run from it (Art. 35)."""
    session = session or object_session(case)
    if session is None or case.id is None:
        return case.replied_at
    latest = session.execute(
        select(func.max(CaseEvent.occurred_at)).where(
            CaseEvent.case_id == case.id, CaseEvent.step == "sign_reply"
        )
    ).scalar()
    return latest or case.replied_at


def replying_unit(case: Case) -> OrgUnit | None:
    """The body the petitioner's written reply came from: the unit of the leader who signed it
    (the 答复意见书's issuer), else the unit that handled the case, else its township."""
    signer = case.reply_signed_by
    unit = getattr(signer, "org_unit", None) if signer is not None else None
    return unit or case.responsible_unit or case.township


def reviewer_name(review: CaseReview) -> str:
    """Who decides the review, in words (the timeline, the case page)."""
    if review.reviewer_above_county:
        return gettext("the authority above the county (its decision is recorded by county leaders)")
    return review.reviewer_unit.name if review.reviewer_unit is not None else ""
