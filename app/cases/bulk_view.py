"""Assigning several cases to a unit at once, from the case list (mixed into CaseView)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import action, expose
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from app.cases import workflow
from app.cases.models import Case
from app.core.errors import DomainError, StaleRecordError, is_conflict
from app.extensions import db
from app.org.choices import org_choices
from app.security.access import may


class BulkAssignMixin:
    """The list action 批量交办 and its form."""

    @action(
        "bulk_assign",
        _l("Assign to a unit"),
        None,
        "fa-share-square",
        single=False,
    )
    def bulk_assign(self, items: list[Case]):
        """Choose the unit and deadline for the selected cases (next page), then assign them."""
        return self._render_bulk(items)

    def _render_bulk(self, items: list[Case], status: int = 200, error: str = "", form=None):
        return self.render_template(
            "xf/cases/bulk_assign.html",
            title=gettext("Assign cases to a unit"),
            items=items,
            units=org_choices("responsible"),
            rules=workflow.HandlingRule.choices(),
            form=form or {},
            error=error,
        ), status

    @expose("/bulk_assign", methods=["POST"])
    def bulk_assign_post(self):
        """Assign every selected case in one transaction: all of them, or none."""
        if not may("bulk_assign", self):
            abort(403)
        ids = request.form.getlist("rowid")
        if not ids:
            flash(gettext("Select at least one record first."), "warning")
            return redirect(url_for(".list"))
        items = [self._lock_case(pk) for pk in ids]
        versions = {str(k): v for k, v in zip(ids, request.form.getlist("version"), strict=False)}
        fields = {name: request.form.get(name) for name in ("unit", "rule", "deadline", "note")}
        current = ""
        try:
            for case in items:
                current = case.number
                workflow.apply_step(
                    case, "assign", g.user, expected_version=versions.get(str(case.id)), **fields
                )
            db.session.commit()
        except (DomainError, SQLAlchemyError) as exc:
            db.session.rollback()
            if not isinstance(exc, DomainError) and not is_conflict(exc):
                raise  # an outage (503) or a fault (500): not "changed by someone else"
            message = exc.message if isinstance(exc, DomainError) else StaleRecordError().message
            failed = current
            fresh = [self.get_scoped_item(pk) for pk in ids]
            return self._render_bulk(
                fresh, 422,
                error=gettext("Nothing was assigned. %(number)s: %(message)s", number=failed, message=message),
                form=fields,
            )
        unit = items[0].responsible_unit.name if items and items[0].responsible_unit else ""
        flash(gettext("%(n)d cases assigned to %(unit)s.", n=len(items), unit=unit), "success")
        return redirect(url_for(".list"))


class PrintNoticesMixin:
    """The list action 批量打印告知书: the notices of the selected cases, one A4 sheet each
    (app/casefile/)."""

    # Printing what one may read: the case page's permission, not one more to grant.
    method_permission_name = {"print_notices": "show"}

    @action("print_notices", _l("Print notices"), None, "fa-print", single=False)
    def print_notices(self, items: list[Case]):
        from app.casefile.views import print_notices_of

        return print_notices_of(items)
