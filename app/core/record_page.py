"""A record's page with forms for its steps (ledger entry, 督办单, 联席会议, 包案): how a step is run
and how a refusal is answered — one definition for every such page.

A refused step answers 422 with the page again: each message next to its field (a flash when the
form has no such field), what the user typed kept in the form, and nothing saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, url_for
from sqlalchemy.orm.exc import StaleDataError

from app.core.errors import DomainError, StaleRecordError
from app.extensions import db


def show_problem(form: Any, problem: DomainError) -> None:
    """The message next to its field; a flash when the form has no such field."""
    target = getattr(form, problem.field, None) if problem.field else None
    if target is not None:
        target.errors = [*list(target.errors or []), problem.message]
    else:
        flash(problem.message, "danger")


def show_problems(form: Any, exc: DomainError) -> None:
    """Each problem of a DomainErrors next to its own field (not only the first)."""
    for problem in getattr(exc, "problems", None) or [exc]:
        show_problem(form, problem)


class ShowsEveryProblem:
    """For a ScopedModelView: its add and edit forms show every problem, not only the first."""

    @staticmethod
    def _show_error(form: Any, exc: DomainError) -> None:
        show_problems(form, exc)


class StepForms:
    """For a ScopedModelView whose show page carries step forms. The view defines
    `_show_page(item, status=200, **forms)`, which renders the page with the forms given
    (a fresh one for each form not given)."""

    def run_step(self, pk: Any, form: Any, apply: Callable[[Any, Any], Any], success: str, *,
                 panel: str | None = None, **page: Any) -> Any:
        """Validate `form`, `apply(item, form)`, commit and go to the record's page — or, refused,
        answer 422 with the page again. `panel` names the form on the page (it is shown open
        with what was typed); other keyword arguments go to `_show_page` as they are.
        `apply` may return another record of the same kind to go to (an escalated order)."""
        item = self.get_scoped_item(pk)  # type: ignore[attr-defined]
        if form.validate():
            try:
                result = apply(item, form)
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                show_problems(form, exc)
            except StaleDataError:
                db.session.rollback()
                show_problem(form, StaleRecordError())
            else:
                flash(success, "success")
                target = result if isinstance(result, type(item)) else item
                return redirect(url_for(f"{self.endpoint}.show", pk=target.id))  # type: ignore[attr-defined]
        if panel is not None:
            page = {panel: form, "open_panel": panel, **page}
        return self._show_page(self.get_scoped_item(pk), 422, **page)  # type: ignore[attr-defined]
