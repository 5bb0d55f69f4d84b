"""Admin pages of the portal: choosing answered mailbox letters for the public page (信件选登).

A custom page (not a generated ModelView: a letter is approved from its case, with a preview of
exactly what the public will read). Every look-up goes through the scope: the case with
`get_scoped(Case, …)`, the list with `scope_clause(PublishedLetter)`; outside it, a 404.
Group "portal_publish": clerks and the administrator.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.cases.models import Case
from app.core.errors import DomainError, DomainErrors
from app.core.scoping import get_scoped, scope_clause
from app.extensions import db
from app.portal import publishing
from app.portal.models import PublishedLetter


class PublishedLetterView(BaseView):
    permission_group = "portal_publish"
    route_base = "/published-letters"
    default_view = "list"
    base_permissions = ["can_list", "can_publish"]

    @expose("/list/")
    @has_access
    def list(self):
        letters = db.session.execute(
            select(PublishedLetter, Case.number)
            .join(Case, Case.id == PublishedLetter.case_id)
            .where(scope_clause(PublishedLetter))
            .order_by(PublishedLetter.published_at.desc(), PublishedLetter.id.desc())
            .limit(200)
        ).all()
        return self.render_template(
            "xf/portal/published_list.html", title=gettext("Published letters"), letters=letters
        )

    def _case(self, case_id: int) -> Case:
        case = get_scoped(Case, case_id)
        if case is None:
            abort(404)
        return case

    def _render(self, case: Case, text: publishing.LetterText, errors: dict[str, str] | None = None,
                status: int = 200):
        return self.render_template(
            "xf/portal/publish.html",
            title=gettext("Publish on the public page: %(number)s", number=case.number),
            case=case,
            text=text,
            errors=errors or {},
            refusal=publishing.refusal(case),
            letter=publishing.published_letter(case),
        ), status

    @expose("/case/<int:case_id>", methods=["GET"])
    @has_access
    @permission_name("publish")
    def case(self, case_id: int):
        case = self._case(case_id)
        return self._render(case, publishing.draft(case))

    @expose("/case/<int:case_id>", methods=["POST"])
    @has_access
    @permission_name("publish")
    def publish(self, case_id: int):
        case = self._case(case_id)
        text = publishing.LetterText(
            title=request.form.get("title", ""),
            content=request.form.get("content", ""),
            reply=request.form.get("reply", ""),
        )
        try:
            publishing.publish(case, text)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            problems = exc.problems if isinstance(exc, DomainErrors) else [exc]
            errors = {p.field or "_form": p.message for p in problems}
            return self._render(self._case(case_id), text, errors, 422)
        flash(gettext("Published: the letter is now on the public page."), "success")
        return redirect(url_for(".case", case_id=case_id))

    @expose("/case/<int:case_id>/withdraw", methods=["POST"])
    @has_access
    @permission_name("publish")
    def withdraw(self, case_id: int):
        case = self._case(case_id)
        if publishing.withdraw(case):
            db.session.commit()
            flash(gettext("Withdrawn: the letter is no longer on the public page."), "success")
        return redirect(url_for(".case", case_id=case_id))


def register_views(appbuilder) -> None:
    from app.core.menu import add_menu_view

    add_menu_view(
        appbuilder, PublishedLetterView, "Published letters", _l("Published letters"), "cases", "fa-bullhorn"
    )
