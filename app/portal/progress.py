"""Looking a petition up with its query code, what the public may read of it, and the rating.

`public_view` is the only way case data reaches a public page: a short, explicit list of
fields — status in plain words, dates, the reply as signed, the reason for not accepting and
an approved extension's reason and new date (both of which the petitioner is told in writing
anyway, Art. 34) and their own rating. Never the internal handling
(findings, drafts, instructions, notes), never who handled it (only who signed the answer and
their post, 署名答复), never the petitioner's personal
data, never anything of another case.

The rating is the case's follow-up (回访) through the workflow's own step with a `PublicActor`
— the same FollowUp row, `satisfaction` and `followed_up_at` a clerk's phone call would
write, so 参评率 and 满意率 count it like any other, and 不满意 sends the case back to the
unit exactly as the workflow says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import object_session
from sqlalchemy.orm.exc import StaleDataError

from app.cases import workflow
from app.cases.models import Case, CaseStatus, Satisfaction
from app.cases.notices import ExtensionNotice, approved_extension
from app.cases.workflow_models import CaseEvent, FollowUpMethod
from app.core.errors import DomainError
from app.extensions import db
from app.portal import codes
from app.portal.models import QueryCode
from app.portal.submission import COMMENT_MAX, mailbox_name, public_actor

S = CaseStatus

# The stages the public sees, in order (a progress bar), and which statuses belong to each.
STAGES = (
    ("submitted", _l("Letter sent")),
    ("accepted", _l("Accepted")),
    ("handling", _l("Being handled")),
    ("replied", _l("Answer given")),
    ("closed", _l("Case finished")),
)
_STAGE_OF = {
    S.REGISTERED: 0,
    S.ACCEPTED: 1, S.PROPOSED: 1, S.INSTRUCTED: 1, S.RETURNED: 1,
    S.ASSIGNED: 2, S.HANDLING: 2, S.IN_REVIEW: 2, S.APPROVED: 2,
    S.REPLIED: 3, S.REVIEWING: 3,
    S.CLOSED: 4,
}
# What each status means to the petitioner, in plain words.
_PLAIN = {
    S.REGISTERED: (_l("Letter received"), _l("Your letter has been received and is waiting to be accepted.")),
    S.ACCEPTED: (_l("Accepted"), _l("Your letter has been accepted and is being passed to the unit responsible.")),
    S.PROPOSED: (_l("Accepted"), _l("Your letter has been accepted and is being passed to the unit responsible.")),
    S.INSTRUCTED: (_l("Accepted"), _l("Your letter has been accepted and is being passed to the unit responsible.")),
    S.RETURNED: (_l("Accepted"), _l("Your letter has been accepted and is being passed to the unit responsible.")),
    S.ASSIGNED: (_l("Being handled"), _l("The unit responsible is looking into your matter.")),
    S.HANDLING: (_l("Being handled"), _l("The unit responsible is looking into your matter.")),
    S.IN_REVIEW: (_l("Being handled"), _l("The unit responsible is looking into your matter.")),
    S.APPROVED: (_l("Being handled"), _l("The answer is being prepared.")),
    S.REPLIED: (_l("Answer given"), _l("Your matter has been answered. Please read the answer and rate it.")),
    S.REVIEWING: (_l("Answer under review"), _l("The answer is being reviewed at your request.")),
    S.CLOSED: (_l("Case finished"), _l("Your matter has been answered and the case is closed.")),
    S.NOT_ACCEPTED: (_l("Not accepted"), _l("Your letter could not be accepted; the reason is below.")),
    S.MERGED: (
        _l("Handled together"),
        _l("Your letter is handled together with another letter about the same matter; you will be answered."),
    ),
    S.VOIDED: (
        _l("Registration voided"),
        _l("This registration was voided as made by mistake. If your matter still needs an answer, "
           "please contact the petition office."),
    ),
}
RATINGS = (Satisfaction.SATISFIED, Satisfaction.BASICALLY, Satisfaction.UNSATISFIED)


def find_case(code: str, phone_digits: str) -> QueryCode | None:
    """The query code's record if the code and the phone's last four digits match, else None.

    A wrong pair and an unknown code take the same path: one index probe, one constant-time
    comparison, the same None.
    """
    code = codes.normalize_code(code)
    tail = "".join(ch for ch in phone_digits or "" if ch.isdigit())[-4:]
    row = db.session.execute(
        select(QueryCode).where(QueryCode.code_hash == codes.code_hash(code))
    ).scalar_one_or_none()
    matched = codes.pair_matches(row.pair_hash if row is not None else None, code, tail)
    return row if matched and len(tail) == 4 else None


def ticket_of(row: QueryCode) -> str:
    """What the browser session keeps after a successful look-up (a hash, not the code)."""
    return row.code_hash


def case_for_ticket(ticket: str | None) -> Case | None:
    if not ticket or len(ticket) != 64:
        return None
    return db.session.execute(
        select(Case).join(QueryCode, QueryCode.case_id == Case.id).where(QueryCode.code_hash == ticket)
    ).scalar_one_or_none()


def _current_answer_rated(case: Case) -> bool:
    """Has the answer the petitioner now holds been rated (online or by a clerk's call)?

    By the order of the history, not by the clock: a new answer after an unsatisfied rating
    (a redo) may be rated again, even within the same second.
    """
    answer_steps = ("sign_reply", "decide_review")
    last_answer, last_rating = db.session.execute(
        select(
            func.max(CaseEvent.id).filter(CaseEvent.step.in_(answer_steps)),
            func.max(CaseEvent.id).filter(CaseEvent.step == "follow_up"),
        ).where(CaseEvent.case_id == case.id)
    ).one()
    return last_rating is not None and (last_answer is None or last_rating > last_answer)


def rating_refusal(case: Case) -> str | None:
    """Why the petitioner may not rate now, or None."""
    if case.status == S.REPLIED.value:
        if _current_answer_rated(case):
            return gettext("This answer has already been rated. Thank you.")
        return None
    if case.replied_at is None or case.status in (S.NOT_ACCEPTED.value, S.MERGED.value):
        return gettext("You can rate the answer once you have received it.")
    if case.status == S.CLOSED.value or case.followed_up_at is not None:
        return gettext("This answer has already been rated. Thank you.")
    return gettext("You can rate the answer once you have received it.")


def rate(case: Case, satisfaction: str, comment: str | None, now: datetime | None = None) -> None:
    """Record the petitioner's rating as the case's follow-up (in the caller's transaction).

    `now` is for the demo seed (a rating given some days ago)."""
    problem = rating_refusal(case)
    if problem:
        raise DomainError(problem, code="refused")
    if satisfaction not in {r.value for r in RATINGS}:
        raise DomainError(gettext("Choose one of the ratings."), field="satisfaction")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise DomainError(
            gettext("At most %(max)d characters (now %(n)d)", max=COMMENT_MAX, n=len(comment)),
            field="comment",
        )
    if satisfaction == Satisfaction.UNSATISFIED.value and not comment:
        raise DomainError(
            gettext("Please tell us what you are not satisfied with, so that the matter can be handled again."),
            field="comment",
        )
    try:
        workflow.apply_step(
            case, "follow_up", public_actor(case.id),
            satisfaction=satisfaction, method=FollowUpMethod.ONLINE.value, note=comment or None,
            now=now,
        )
    except StaleDataError:
        raise DomainError(gettext("This answer has already been rated. Thank you."), code="refused") from None
    except DomainError as exc:
        # The workflow's own refusals (e.g. the status moved on meanwhile) in the public's words.
        if exc.field == "note":
            raise DomainError(exc.message, field="comment") from None
        if exc.field is None:
            raise DomainError(rating_refusal(case) or exc.message, code="refused") from None
        raise


@dataclass
class PublicCase:
    """Everything a public page may show of a case — and nothing else."""

    number: str
    title: str
    mailbox: str
    received_at: datetime
    accepted_at: datetime | None
    replied_at: datetime | None
    closed_at: datetime | None
    status: str
    explanation: str
    stage: int | None  # index into STAGES; None for a case that left the usual path
    reply: str | None
    refusal_reason: str | None
    rating: str | None
    rated_at: datetime | None
    may_rate: bool
    rating_note: str | None
    extension: ExtensionNotice | None = None  # the 延期办理告知书's facts
    # Who the matter waits for, in the case page's words without staff names (workflow.awaited).
    awaited: list[str] = field(default_factory=list)
    # 署名答复: who signed the answer and their post (the one staff name the public reads).
    signer: str = ""

    @property
    def stages(self) -> list[tuple[str, str, str]]:
        """(code, label, state) with state done / current / todo, for the progress bar."""
        out = []
        for index, (code, label) in enumerate(STAGES):
            if self.stage is None:
                state = "todo"
            elif index < self.stage:
                state = "done"
            elif index == self.stage:
                state = "current"
            else:
                state = "todo"
            out.append((code, str(label), state))
        return out


def public_view(case: Case) -> PublicCase:
    status = S(case.status)
    label, explanation = _PLAIN[status]
    refusal = rating_refusal(case)
    answered = case.replied_at is not None and status not in (S.NOT_ACCEPTED, S.MERGED)
    # The rating of the answer shown; a new answer after a redo waits for its own.
    rated = case.satisfaction if case.followed_up_at is not None and refusal is not None else None
    return PublicCase(
        number=case.number,
        title=case.title,
        mailbox=mailbox_name(case.mailbox, case.mailbox_unit) if case.mailbox else "",
        received_at=case.received_at,
        accepted_at=case.accepted_at,
        replied_at=case.replied_at if answered else None,
        closed_at=case.closed_at if status == S.CLOSED else None,
        status=str(label),
        explanation=str(explanation),
        stage=_STAGE_OF.get(status),
        reply=case.reply_text if answered else None,
        refusal_reason=case.refusal_reason if status == S.NOT_ACCEPTED else None,
        rating=Satisfaction.label_of(rated) if rated else None,
        rated_at=case.followed_up_at if rated else None,
        may_rate=refusal is None,
        rating_note=None if refusal is None or not answered else refusal,
        extension=approved_extension(case) if status not in (S.NOT_ACCEPTED, S.MERGED) else None,
        awaited=[a.words(public=True) for a in workflow.awaited(case)],
        signer=workflow.public_signer(case, object_session(case)) if answered else "",
    )
