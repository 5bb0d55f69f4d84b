"""Steps of review: 复查 and 复核, asked by the petitioner, decided a level above (Art. 35–36)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from app.cases.models import Case
from app.cases.workflow.base import CLERK, LEADER, S, _day
from app.cases.workflow.deadlines import _not_paused, set_reply_term, set_review_term
from app.cases.workflow.engine import Input, StepContext, _when, step
from app.cases.workflow.records import (
    latest_reply_at,
    open_review,
    replying_unit,
    reviewer_name,
    reviews_of,
)
from app.cases.workflow_models import CaseReview, ClosureKind, ReviewKind, ReviewOutcome
from app.core.errors import DomainError
from app.deadlines.models import RuleCode
from app.org.models import OrgKind, OrgUnit, government_of, level_above


def _reopen(case: Case) -> None:
    """A 复查/复核 request, or a decision revoking the handling, reopens a closed case: it is
    not closed (nor counted closed) until it is closed again."""
    case.closed_at = None
    case.closure = None


def _reviewing_level(ctx: StepContext, kind: ReviewKind) -> OrgUnit | None:
    """The level that decides (Art. 35–36), or None when it is above the county."""
    answered = replying_unit(ctx.case)
    first = level_above(answered) if answered is not None else None
    if kind == ReviewKind.RECHECK:
        return first
    recheck = next(
        (r for r in reviews_of(ctx.case, ctx.session) if r.kind == ReviewKind.RECHECK.value), None
    )
    if recheck is not None and recheck.reviewer_above_county:
        return None
    below = recheck.reviewer_unit if recheck is not None and recheck.reviewer_unit is not None else first
    return level_above(below) if below is not None else None


def _actor_level(actor: Any) -> OrgUnit | None:
    """The body a leader decides for: their township (from its offices and villages too), the
    county's government for those attached to the county itself — and a county department for
    its own leaders, who answer for the department, never for the government above it."""
    unit = getattr(actor, "org_unit", None)
    if unit is None:
        return None
    return government_of(unit) if unit.township_id is not None else unit


def review_refusal(review: CaseReview, actor: Any) -> str | None:
    """Why `actor` may not decide `review`: a 复查 is decided by the level above the body that
    answered, a 复核 by the level above the 复查's (Art. 35–36) — never where the answer was made."""
    if review.reviewer_unit_id is None and not review.reviewer_above_county:
        return None  # requested before levels were kept
    level = _actor_level(actor)
    if level is not None and review.reviewer_above_county and level.kind == OrgKind.COUNTY.value:
        return None
    if level is not None and level.id == review.reviewer_unit_id:
        return None
    return gettext(
        "%(review)s is decided by %(body)s, the level above the one that answered (Art. 35–36).",
        review=ReviewKind.label_of(review.kind), body=reviewer_name(review),
    )


def _decide_review_guard(case: Case, actor: Any, now: datetime) -> str | None:
    problem = _not_paused(case, actor, now)
    if problem:
        return problem
    review = open_review(case)
    return review_refusal(review, actor) if review is not None else None


def _reviews_waiting_for(actor: Any) -> ColumnElement:
    """SQL: the case's open review waits at `actor`'s level (a review from before levels were
    kept waits for any leader of the area)."""
    level = _actor_level(actor)
    at_level = [and_(CaseReview.reviewer_unit_id.is_(None), CaseReview.reviewer_above_county.is_(False))]
    if level is not None:
        at_level.append(CaseReview.reviewer_unit_id == level.id)
        if level.kind == OrgKind.COUNTY.value:
            at_level.append(CaseReview.reviewer_above_county.is_(True))
    return select(CaseReview.id).where(
        CaseReview.case_id == Case.id, CaseReview.decided_at.is_(None), or_(*at_level)
    ).exists()


def _recheck_guard(case: Case, actor: Any, now: datetime) -> str | None:  # noqa: ARG001
    if case.replied_at is None:
        return gettext("A review can be requested only after a reply.")
    if case.review_count >= 1:
        return gettext("A review (复查) has already been requested for this case.")
    return None


def _reexam_guard(case: Case, actor: Any, now: datetime) -> str | None:  # noqa: ARG001
    if case.review_count >= 2:
        return gettext("The re-review (复核) is final; no further review is possible.")
    if case.review_count < 1:
        return gettext("A re-review (复核) follows a decided review (复查).")
    return None


def _open_review_request(ctx: StepContext, kind: ReviewKind, answered_at: datetime) -> None:
    limit = ctx.policy.due(RuleCode.REVIEW_REQUEST, answered_at)
    if ctx.at > limit:
        raise DomainError(
            gettext(
                "The petitioner must ask within %(n)d days of the answer (until %(date)s).",
                n=ctx.policy.rule(RuleCode.REVIEW_REQUEST).days,
                date=_day(limit),
            ),
            field="occurred_at",
        )
    reviewer = _reviewing_level(ctx, kind)
    review = CaseReview(
        case_id=ctx.case.id, kind=kind.value, requested_at=ctx.at, requested_by_id=ctx.actor.id,
        reason=ctx.inputs["reason"], reviewer_unit_id=reviewer.id if reviewer is not None else None,
        reviewer_above_county=reviewer is None,
    )
    set_review_term(review, ctx.policy.term(RuleCode.REVIEW_ANSWER, ctx.at), ctx.policy)
    ctx.add(review)
    ctx.session.flush([review])
    ctx.case.review_count = 1 if kind == ReviewKind.RECHECK else 2
    _reopen(ctx.case)
    ctx.text = ctx.inputs["reason"]
    ctx.details.update({"review": kind.value, "deadline": _day(review.due_at),
                        "reviewer": reviewer_name(review)})


@step(
    label=_l("Request review (复查)"),
    roles={CLERK},
    from_states={S.REPLIED, S.CLOSED},
    to_state=S.REVIEWING,
    queue=False,
    guard=_recheck_guard,
    inputs=(
        Input("reason", _l("What the petitioner asks to be reviewed"), "textarea"),
        _when(),
    ),
    style="default",
    description=_l("Within 30 days of the answer; the body above answers within 30 days (Art. 35)."),
)
def _request_recheck(ctx: StepContext) -> None:
    _open_review_request(ctx, ReviewKind.RECHECK, latest_reply_at(ctx.case, ctx.session))


@step(
    label=_l("Request re-review (复核)"),
    roles={CLERK},
    from_states={S.REPLIED, S.CLOSED},
    to_state=S.REVIEWING,
    queue=False,
    guard=_reexam_guard,
    inputs=(
        Input("reason", _l("What the petitioner asks to be re-reviewed"), "textarea"),
        _when(),
    ),
    style="default",
    description=_l("Within 30 days of the review decision; the re-review is final (Art. 36)."),
)
def _request_reexam(ctx: StepContext) -> None:
    recheck = next(
        (r for r in reviews_of(ctx.case, ctx.session) if r.kind == ReviewKind.RECHECK.value), None
    )
    if recheck is None or recheck.decided_at is None:
        raise DomainError(gettext("A re-review (复核) follows a decided review (复查)."))
    _open_review_request(ctx, ReviewKind.REEXAM, recheck.decided_at)


@step(
    label=_l("Decide the review"),
    roles={LEADER},
    from_states={S.REVIEWING},
    to_state=None,
    guard=_decide_review_guard,
    queue_for=_reviews_waiting_for,
    description=_l(
        "By the level above the body that answered (Art. 35–36); a decision made above the "
        "county is recorded here by the county's leaders."
    ),
    inputs=(
        Input("outcome", _l("Review outcome"), "choice", choices=ReviewOutcome),
        Input("decision", _l("Review decision"), "textarea"),
        _when(),
    ),
)
def _decide_review(ctx: StepContext) -> None:
    case = ctx.case
    review = open_review(case, ctx.session)
    if review is None:
        raise DomainError(gettext("No review is waiting for a decision."))
    problem = review_refusal(review, ctx.actor)
    if problem:
        raise DomainError(problem, code="refused")
    review.decided_at = ctx.at
    review.decided_by_id = ctx.actor.id
    review.outcome = ctx.inputs["outcome"]
    review.decision = ctx.inputs["decision"]
    ctx.details.update({"review": review.kind, "outcome": review.outcome})
    ctx.text = ctx.inputs["decision"]
    if review.outcome == ReviewOutcome.REVOKED.value:
        # The original handling is set aside: the unit handles the matter again.
        ctx.to_state = S.HANDLING
        case.redo_count = (case.redo_count or 0) + 1
        set_reply_term(case, ctx.policy.term(RuleCode.HANDLE, ctx.at), ctx.policy)
        case.due_kind = ctx.policy.rule(RuleCode.HANDLE).kind.value
        _reopen(case)
        ctx.details["deadline"] = _day(case.due_at)
    elif review.kind == ReviewKind.REEXAM.value:
        ctx.to_state = S.CLOSED  # 复核意见为最终意见 (Art. 36)
        case.closed_at = ctx.at
        case.closure = ClosureKind.FINAL_REVIEW.value
    else:
        ctx.to_state = S.REPLIED
