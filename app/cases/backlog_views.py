"""The 积案 / 上级交办 form on the case page (app/cases/backlog.py holds the rule).

Marking is the supervisors' act (督查室 brings 积案 and referred cases under 四联四包): the view
belongs to the "overdue" permission group and the step to its `can_issue` (督查员; 系统管理员).
A refused form answers 422 with the case page again, each message next to its field.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, g, redirect, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError
from wtforms import BooleanField, DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import Optional

from app.cases import backlog
from app.cases.models import Case
from app.core.errors import DomainError, StaleRecordError, is_conflict
from app.core.quick_search import QuickSearch
from app.core.record_page import show_problems
from app.core.scoping import scoped_select
from app.extensions import db
from app.security.access import may


class MarksForm(FlaskForm):
    is_backlog = BooleanField(_l("Backlog case (积案)"))
    is_referred = BooleanField(_l("Referred from above (上级交办)"))
    referred_by = StringField(_l("Referring body (交办机关)"), validators=[Optional()])
    referral_number = StringField(_l("Reference number (交办文号)"), validators=[Optional()])
    referral_due = DateField(_l("Referring body's deadline (交办期限)"), validators=[Optional()])
    note = TextAreaField(_l("Why (for the history)"), validators=[Optional()])
    version = HiddenField()


def marks_form(case: Case, formdata: Any = None) -> MarksForm:
    if formdata is not None:
        return MarksForm(formdata=formdata)
    marks = backlog.current_marks(case)
    return MarksForm(formdata=None, is_backlog=marks.is_backlog, is_referred=marks.is_referred,
                     referred_by=marks.referred_by, referral_number=marks.referral_number,
                     referral_due=marks.referral_due, version=case.version)


def marks_panel(case: Case, form: MarksForm | None = None) -> dict[str, Any]:
    """What the case page shows of the marks: the referral's own deadline flag, and the form for
    whoever may mark."""
    urgency = backlog.referral_urgency(case)
    css = {"near": "warn", "overdue": "overdue"}.get(urgency.value if urgency else "", "")
    can_mark = may("can_issue", "CaseMarksView")
    return {
        "referral_css": css,
        "referral_badge": str(urgency.label) if css else "",
        "form": (form or marks_form(case)) if can_mark else None,
        "open": form is not None,
    }


class CaseMarksView(BaseView):
    """积案 / 上级交办: the marking step posted from the case page."""

    permission_group = "overdue"
    route_base = "/cases/marks"
    default_view = "mark"
    method_permission_name = {"mark": "issue"}
    previous_method_permission_name = method_permission_name

    @expose("/<int:pk>", methods=["POST"])
    @has_access
    def mark(self, pk: int):
        case = db.session.execute(
            scoped_select(Case).where(Case.id == pk).with_for_update(of=Case)
            .execution_options(populate_existing=True)
        ).scalars().first()
        if case is None:
            abort(404)
        form = MarksForm()
        if form.validate():
            marks = backlog.Marks(
                is_backlog=bool(form.is_backlog.data), is_referred=bool(form.is_referred.data),
                referred_by=form.referred_by.data or "", referral_number=form.referral_number.data or "",
                referral_due=form.referral_due.data, note=form.note.data or "",
            )
            try:
                backlog.set_marks(db.session, case, marks, g.user, expected_version=form.version.data)
                db.session.commit()
            except (DomainError, SQLAlchemyError) as exc:
                db.session.rollback()
                if not isinstance(exc, DomainError):
                    if not is_conflict(exc):
                        raise
                    exc = StaleRecordError()
                show_problems(form, exc)
            else:
                flash(gettext("Marks saved: %(marks)s", marks=backlog.describe(marks)), "success")
                return redirect(url_for("CaseView.show", pk=case.id))
        return self._case_page(pk, form), 422

    def _case_page(self, pk: int, form: MarksForm):
        from app.cases.case_page import page_context

        case = db.session.execute(scoped_select(Case).where(Case.id == pk)).scalars().first()
        context = page_context(case, g.user)
        context["marks"] = marks_panel(case, form)
        return self.render_template("xf/cases/case.html", title=f"{case.number} {case.title}", **context)


def register_views(appbuilder) -> None:
    appbuilder.add_view_no_menu(CaseMarksView, "CaseMarksView")


# --- the case list and its export: declarations app/cases/views.py uses ------------------------

MARK_LABELS = {
    "is_backlog": _l("Backlog case (积案)"),
    "is_referred": _l("Referred from above (上级交办)"),
    "referred_by": _l("Referring body (交办机关)"),
    "referral_number": _l("Reference number (交办文号)"),
    "referral_due": _l("Referring body's deadline (交办期限)"),
}
MARK_LIST_COLUMNS = ["is_backlog", "referral_due"]
MARK_EXPORT_COLUMNS = ["is_referred", "referred_by", "referral_number"]  # besides the list's


def _backlog_cell(flagged: bool) -> Markup:
    if not flagged:
        return Markup("")
    return Markup('<span class="label label-danger xf-flag-backlog">{}</span>').format(gettext("Backlog"))


def _referral_cell(day: date | None) -> Markup:
    return Markup("") if day is None else Markup("{}").format(day.isoformat())


MARK_FORMATTERS = {"is_backlog": _backlog_cell, "referral_due": _referral_cell}


def _marks_clause(value: str):
    from sqlalchemy import and_

    from app.cases.flags import DEADLINE_STATUSES
    from app.core import clock

    if value == "backlog":
        return Case.is_backlog.is_(True)
    if value == "referred":
        return Case.is_referred.is_(True)
    if value == "referral_overdue":
        return and_(Case.is_referred.is_(True), Case.status.in_(DEADLINE_STATUSES),
                    Case.referral_due < clock.today())
    return None


def _marks_choices() -> list[tuple[str, str]]:
    return [("backlog", gettext("Backlog case (积案)")), ("referred", gettext("Referred from above (上级交办)")),
            ("referral_overdue", gettext("Referral past its deadline"))]


MARK_QUICK_SEARCH = (
    QuickSearch("marks", _l("Backlog / referral"), _marks_clause, kind="select", choices=_marks_choices),
)
