"""当场办结 in one form: the clerk registers a simple matter, the answer given at the window and
the petitioner's rating; the case is registered (`workflow.register`), its 查询码 issued, and
answered (`answer_at_window`: closed at once where the subject's rule allows, else awaiting a
leader's one-click approval) in one transaction. Nothing is saved when anything is wrong."""

from __future__ import annotations

from flask import g, request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.cases import workflow
from app.cases.models import Case, Category, Channel, Petitioner, Satisfaction, Subject
from app.cases.rules import case_problems
from app.core.clock import now
from app.core.errors import DomainError
from app.core.scoping import current_scope
from app.core.validators import (
    id_number_error,
    normalize_id_number,
    normalize_phone,
    phone_error,
)
from app.extensions import db
from app.org.choices import org_choices
from app.portal.issuing import announce_registration

WINDOW_CHANNELS = (Channel.VISIT.value, Channel.PHONE.value)
_TEXT_LIMITS = {"title": 200, "name": 50, "content": 20000, "reply_text": 20000}


class OnTheSpotView(BaseView):
    """当场办结: register, answer and close a simple matter in one form."""

    permission_group = "on_the_spot"
    route_base = "/cases/on-the-spot"
    default_view = "index"
    method_permission_name = {"index": "add"}
    previous_method_permission_name = method_permission_name

    @expose("/", methods=["GET", "POST"])
    @has_access
    def index(self):
        values = {k: (v or "").strip() for k, v in request.form.items()} if request.method == "POST" else {}
        if request.method == "GET":
            townships = org_choices("township")
            values = {"channel": Channel.VISIT.value,
                      "township": str(current_scope().default_township_id or (townships[0][0] if townships else ""))}
            return self._form(values, {})
        errors = _field_errors(values)
        if not errors:
            try:
                case, code = _register_and_answer(values)
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                errors = {exc.field or "_form": exc.message}
            else:
                from app.cases.registration_view import code_once_redirect

                return code_once_redirect(case, code, new_case=True)
        return self._form(values, errors, 422)

    def _form(self, values: dict, errors: dict, status: int = 200):
        subjects = db.session.execute(
            select(Subject).where(Subject.active.is_(True)).order_by(Subject.sort_order, Subject.id)
        ).scalars().all()
        return self.render_template(
            "xf/cases/on_the_spot.html", title=gettext("Answer and close at the window (当场办结)"),
            values=values, errors=errors, townships=org_choices("township"), subjects=subjects,
            channels=[(c, label) for c, label in Channel.choices() if c in WINDOW_CHANNELS],
            categories=Category.choices(), ratings=Satisfaction.choices(),
        ), status


def _field_errors(values: dict) -> dict[str, str]:
    errors: dict[str, str] = {}
    required = {"township": _l("Township"), "channel": _l("Channel"), "category": _l("Category"),
                "subject": _l("Subject"), "title": _l("Title"), "content": _l("Content"),
                "name": _l("Petitioner's name"), "reply_text": _l("Reply given at the window (答复意见)"),
                "satisfaction": _l("Petitioner's rating at the window")}
    for key, label in required.items():
        if not values.get(key):
            errors[key] = gettext("Please fill in “%(label)s”.", label=label)
    for key, limit in _TEXT_LIMITS.items():
        if len(values.get(key, "")) > limit:
            errors[key] = gettext("At most %(max)d characters (now %(n)d)", max=limit, n=len(values[key]))
    if values.get("channel") and values["channel"] not in WINDOW_CHANNELS:
        errors["channel"] = gettext("“%(label)s” is not valid.", label=_l("Channel"))
    if values.get("category") and values["category"] not in Category.codes():
        errors["category"] = gettext("“%(label)s” is not valid.", label=_l("Category"))
    if values.get("satisfaction") and values["satisfaction"] not in Satisfaction.codes():
        errors["satisfaction"] = gettext("“%(label)s” is not valid.", label=_l("Petitioner's rating at the window"))
    if values.get("phone") and (problem := phone_error(values["phone"])):
        errors["phone"] = problem
    if values.get("id_number") and (problem := id_number_error(values["id_number"])):
        errors["id_number"] = problem
    for key in ("township", "subject"):
        if values.get(key) and not values[key].isdigit():
            errors[key] = gettext("“%(label)s” is not valid.", label=required[key])
    return errors


def _register_and_answer(values: dict) -> tuple[Case, str]:
    township_id = int(values["township"])
    subject = db.session.get(Subject, int(values["subject"]))
    if subject is None or not subject.active:
        raise DomainError(gettext("“%(label)s” is not valid.", label=_l("Subject")), field="subject")
    problems = case_problems(scope=current_scope(), township_id=township_id, channel=values["channel"],
                             people_count=1, named=1)
    if problems:
        raise problems[0]
    moment = now()
    case = Case(channel=values["channel"], received_at=moment, township_id=township_id,
                category=values["category"], subject=subject, title=values["title"],
                content=values["content"], people_count=1)
    case.petitioners.append(Petitioner(
        name=values["name"], phone=normalize_phone(values.get("phone")) or None,
        id_number=normalize_id_number(values.get("id_number")) or None,
    ))
    workflow.register(case, g.user, now=moment)
    db.session.add(case)
    db.session.flush()
    code = announce_registration(db.session, case, now=moment)
    workflow.apply_step(case, "answer_at_window", g.user, now=moment,
                        reply_text=values["reply_text"], satisfaction=values["satisfaction"])
    return case, code


def register_views(appbuilder) -> None:
    from app.core.menu import add_menu_view

    add_menu_view(appbuilder, OnTheSpotView, "Answer at the window", _l("Answer at the window (当场办结)"),
                  "cases", "fa-bolt")
