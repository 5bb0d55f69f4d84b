"""The case page: the case with its history, the workflow steps and the printable notices
(mixed into CaseView)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext
from sqlalchemy.exc import SQLAlchemyError

from app.cases import workflow
from app.cases.case_page import may_see_personal_data, notices_for, page_context
from app.cases.models import Case
from app.cases.notices import notice_context
from app.core.errors import DomainError, StaleRecordError, is_conflict
from app.core.scoping import get_scoped, scoped_select
from app.extensions import db


class CasePageMixin:
    """The case page and its steps."""

    # A registered case is never deleted (the database refuses it: its history would go with
    # it); a registration made by mistake is voided on its page (workflow `void`). FAB's delete
    # is not routed (no can_delete, so no delete button) and there is no bulk delete; the old
    # address tells the user how to void instead of answering with a bare 403.
    @expose("/delete/<pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("show")
    def refuse_delete(self, pk):
        case = self.get_scoped_item(pk)
        flash(workflow.deletion_refusal(), "danger")
        return redirect(url_for(".show", pk=case.id))

    # --- the case page -----------------------------------------------------------------------

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        item = self.get_scoped_item(pk)
        self.update_redirect()
        return self._render_case(item)

    def _render_case(self, item: Case, status: int = 200, **form_state):
        context = page_context(item, g.user, **form_state)
        return self.render_template(
            "xf/cases/case.html", title=f"{item.number} {item.title}", **context
        ), status

    @expose("/step/<pk>/<string:step>", methods=["POST"])
    @has_access
    @permission_name("step")
    def step(self, pk, step: str):
        """Apply one workflow step from the case page; refused steps change nothing."""
        case = self._lock_case(pk)
        step_def = workflow.STEPS.get(step)
        if step_def is None:
            abort(404)
        raw = {
            inp.name: request.form.getlist(inp.name) if inp.kind == "units" else request.form.get(inp.name)
            for inp in step_def.inputs
        }
        try:
            workflow.apply_step(
                case, step, g.user,
                expected_version=request.form.get("version"),
                token=request.form.get("token") or None,
                **raw,
            )
            db.session.commit()
        except workflow.AlreadyApplied as exc:
            db.session.rollback()
            flash(exc.message, "info")
            return redirect(url_for(".show", pk=case.id))
        except (DomainError, SQLAlchemyError) as exc:
            db.session.rollback()
            if not isinstance(exc, DomainError) and not is_conflict(exc):
                raise  # an outage (503) or a fault (500): not "changed by someone else"
            if not isinstance(exc, DomainError):
                exc = StaleRecordError(
                    gettext(
                        "The case was changed by someone else after you opened it; nothing was "
                        "applied. Reload the page to see its current state."
                    )
                )
            fresh = self.get_scoped_item(pk)
            errors = {exc.field: exc.message} if exc.field else {}
            return self._render_case(
                fresh, 409 if exc.code == "conflict" else 422,
                failed=step, posted=_posted(step_def), errors=errors,
                message="" if exc.field else exc.message,
            )
        flash(gettext("Done: %(step)s", step=step_def.label), "success")
        if get_scoped(Case, case.id) is None:
            # The step moved the case out of this user's area (e.g. a unit sent it back).
            return redirect(url_for("HomeView.index"))
        return redirect(url_for(".show", pk=case.id))

    def _lock_case(self, pk) -> Case:
        """Load the case for a step, locking its row (PostgreSQL) so concurrent steps queue up."""
        try:
            pk_value = int(pk)
        except (TypeError, ValueError):
            abort(404)
        case = db.session.execute(
            scoped_select(Case).where(Case.id == pk_value).with_for_update(of=Case)
            .execution_options(populate_existing=True)
        ).scalars().first()
        if case is None:
            abort(404)
        return case

    @expose("/notice/<pk>/<string:kind>", methods=["GET"])
    @has_access
    @permission_name("show")
    def notice(self, pk, kind: str):
        """A printable notice (A4, the browser's print), filled from the case."""
        case = self.get_scoped_item(pk)
        if kind not in dict(notices_for(case)):
            abort(404)
        return render_template("xf/cases/notice.html", **notice_context(case, kind))

    @staticmethod
    def may_see_personal_data(case: Case) -> bool:
        return may_see_personal_data(case)


def _posted(step_def: workflow.Step) -> dict:
    values: dict = {}
    for inp in step_def.inputs:
        if inp.kind == "units":
            values[inp.name] = [int(v) for v in request.form.getlist(inp.name) if v.isdigit()]
        elif inp.kind == "unit":
            value = request.form.get(inp.name, "")
            values[inp.name] = int(value) if value.isdigit() else None
        else:
            values[inp.name] = request.form.get(inp.name, "")
    return values
