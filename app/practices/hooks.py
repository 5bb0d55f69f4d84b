"""The session hooks of the practices: levels filled at every flush, new cases' alerts at commit.

Hooks rather than calls in each writer: a case is closed by several workflow steps and an entry
resolved by several ledger rules, and a case is registered by the form, the API, the portal and
the duty log alike — one listener here covers them all and keeps those modules untouched.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

_NEW = "xf_practices_new_cases"


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, flush_context, instances) -> None:  # noqa: ARG001
    from app.cases.models import Case
    from app.practices.levels import settle_levels

    settle_levels(session)
    new = [obj for obj in session.new if isinstance(obj, Case)]
    if new:
        session.info.setdefault(_NEW, []).extend(new)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    cases = session.info.pop(_NEW, None)
    if not cases:
        return
    from app.practices.alerts import new_cases_registered

    session.flush()
    new_cases_registered(session, [c for c in cases if c in session])


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_NEW, None)
