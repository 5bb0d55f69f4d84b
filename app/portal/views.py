"""The public pages (no login): write to a mailbox, look a petition up, rate the answer, read
selected letters and the reception schedule.

A plain Flask blueprint with its own look (templates/portal, static/portal): the public never
sees the admin panel's chrome. Every POST carries a CSRF token; submitting and looking up are
rate-limited per client address (`init_portal`); every value is escaped by the templates.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from app.cases.models import Case, Category, Mailbox
from app.core.database import reads_only
from app.core.errors import DomainError, DomainErrors, database_out, is_outage, outage_response
from app.extensions import db
from app.portal import progress, submission
from app.portal.forms import LeaveForm, LookupForm, PetitionForm, RatingForm, SmsStopForm
from app.portal.models import PublishedLetter
from app.portal.schedule import petition_office, upcoming_receptions

log = logging.getLogger(__name__)

bp = Blueprint("portal", __name__, url_prefix="/portal")

TICKET = "portal_ticket"
FORM_TOKENS = "portal_form_tokens"
USED_TOKENS = "portal_used_tokens"
LETTERS_PER_PAGE = 10


def _no_store(response: Any) -> Any:
    """Pages with a petitioner's own data: not kept by the browser or any proxy."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _errors(exc: DomainError) -> dict[str, str]:
    problems = exc.problems if isinstance(exc, DomainErrors) else [exc]
    found: dict[str, str] = {}
    for problem in problems:
        found.setdefault(problem.field or "_form", problem.message)
    return found


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


@bp.context_processor
def _site() -> dict[str, Any]:
    county = None if database_out() else submission.county_unit()
    if county is None:
        return {"site_name": gettext("Online petitions")}
    return {"site_name": gettext("%(county)s online petitions", county=county.name)}


# --- home --------------------------------------------------------------------------------------


@bp.get("/")
def index():
    letters = db.session.execute(
        select(PublishedLetter).order_by(PublishedLetter.published_at.desc(), PublishedLetter.id.desc()).limit(5)
    ).scalars().all()
    return render_template("portal/index.html", mailboxes=Mailbox, letters=letters)


# --- writing to a mailbox ------------------------------------------------------------------------


def _new_form_token() -> str:
    """One token per form shown: a form is accepted once (a double tap registers one case)."""
    token = secrets.token_urlsafe(16)
    session[FORM_TOKENS] = [*session.get(FORM_TOKENS, [])[-4:], token]
    return token


def _write_page(form: PetitionForm, errors: dict[str, str] | None = None, status: int = 200):
    form.form_token.data = _new_form_token()
    townships, villages = submission.townships(), submission.villages()
    page = render_template(
        "portal/write.html",
        form=form,
        errors=errors or {},
        mailboxes=Mailbox,
        categories=Category,
        departments=submission.departments(),
        townships=townships,
        village_groups=[(t, [v for v in villages if v.township_id == t.id]) for t in townships],
        subjects=submission.subjects(),
        reportable_units=submission.reportable_units(),
        reported_unknown=submission.REPORTED_UNKNOWN,
        limits=submission,
        file_limit_mb=current_app.config.get("PORTAL_MAX_FILE_MB", 3),
    )
    return _no_store((page, status))


def _petition_input(form: PetitionForm) -> submission.PetitionInput:
    def text(field) -> str:
        return (field.data or "").strip()

    return submission.PetitionInput(
        mailbox=text(form.mailbox),
        department_id=_int(form.department.data),
        township_id=_int(form.township.data),
        village_id=_int(form.village.data),
        category=text(form.category),
        subject_id=_int(form.subject.data),
        title=text(form.title),
        content=text(form.content),
        name=text(form.name),
        phone=text(form.phone),
        id_number=text(form.id_number) or None,
        reported_unit=text(form.reported_unit) or None,
    )


@bp.route("/write", methods=["GET", "POST"])
def write():
    form = PetitionForm()
    if request.method == "GET":
        if request.args.get("mailbox") in Mailbox.codes():
            form.mailbox.data = request.args["mailbox"]
        return _write_page(form)
    # The CSRF token is checked by CSRFProtect before we get here.
    token = form.form_token.data or ""
    used = session.get(USED_TOKENS, {})
    if token in used:
        # The same form again (a double tap, a reload): it was registered the first time.
        return _no_store(render_template("portal/already_sent.html", number=used[token]))
    if token not in session.get(FORM_TOKENS, []):
        return _write_page(form, {"_form": gettext("The form has expired. Please check your entries and send it again.")}, 400)
    if (form.homepage.data or "").strip():
        # Only a robot fills in the invisible field: refuse without saying why.
        log.info("Portal submission refused: honeypot field filled")
        return _write_page(form, {"_form": gettext("The letter could not be sent. Please reload the page and try again.")}, 400)
    errors: dict[str, str] = {}
    if not form.consent.data:
        errors["consent"] = gettext("Please read the notice on personal data and tick the box.")
    uploads = [
        submission.Upload(f.stream, f.filename)
        for f in request.files.getlist(form.attachments.name)
        if f is not None and f.filename
    ]
    data = _petition_input(form)
    try:
        submission.check(data)
    except DomainError as exc:
        errors = {**_errors(exc), **errors}
    if errors:
        if uploads:
            errors.setdefault("attachments", gettext("Please choose the attachments again."))
        return _write_page(form, errors, 422)
    receipt = None
    try:
        receipt = submission.submit_petition(data, uploads)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return _write_page(form, _errors(exc), 422)
    except SQLAlchemyError as exc:
        db.session.rollback()
        if receipt is not None:
            receipt.discard_files()
        if is_outage(exc):
            raise  # the one outage answer (app/core/errors.py): 503, in Chinese, logged
        log.exception("Registering an online petition failed")
        return _write_page(form, {"_form": gettext("The letter could not be saved. Please try again.")}, 500)
    session[FORM_TOKENS] = [t for t in session.get(FORM_TOKENS, []) if t != token]
    session[USED_TOKENS] = dict(list(used.items())[-4:]) | {token: receipt.case.number}
    # Shown once, in this response only: the code is not stored anywhere in clear.
    return _no_store(render_template(
        "portal/receipt.html",
        number=receipt.case.number,
        code=receipt.formatted_code,
        received_at=receipt.case.received_at,
        mailbox=submission.mailbox_name(receipt.case.mailbox, receipt.case.mailbox_unit),
        files=len(receipt.stored),
    ))


# --- looking up and rating -----------------------------------------------------------------------


def _code_and_tail(form) -> tuple[str, str, dict[str, str]]:
    """The query code and the phone's last 4 digits a petitioner typed, with what is wrong."""
    code = (form.code.data or "").strip()
    tail = (form.phone_tail.data or "").strip()
    errors: dict[str, str] = {}
    if not code:
        errors["code"] = gettext("Enter the query code from your receipt.")
    if not (len(tail) == 4 and tail.isdigit()):
        errors["phone_tail"] = gettext("Enter the last 4 digits of the phone number you gave.")
    return code, tail, errors


@bp.route("/query", methods=["GET", "POST"])
@reads_only
def query():
    form = LookupForm()
    rating = request.args.get("next") == "rate"  # came from the 答复 SMS's rating step
    if request.method == "GET":
        return _no_store(render_template("portal/query.html", form=form, errors={}, rating=rating))
    code, tail, errors = _code_and_tail(form)
    if errors:
        return _no_store((render_template("portal/query.html", form=form, errors=errors, rating=rating), 422))
    row = progress.find_case(code, tail)
    if row is None:
        # The same answer for an unknown code and a wrong phone: nothing to enumerate.
        errors["_form"] = gettext(
            "No petition matches this query code and phone number. Check both and try again."
        )
        return _no_store((render_template("portal/query.html", form=form, errors=errors, rating=rating), 200))
    session[TICKET] = progress.ticket_of(row)
    return redirect(url_for(".progress_page", _anchor="rate" if rating else None))


@bp.get("/rate")
def rate_step():
    """The rating step the 答复 SMS links to: the answer and its rating form once the
    petitioner has looked the letter up (with the code and the phone's last digits)."""
    if session.get(TICKET):
        return redirect(url_for(".progress_page", _anchor="rate"))
    return redirect(url_for(".query", next="rate"))


def _ticket_case(lock: bool = False) -> Case | None:
    ticket = session.get(TICKET)
    if not ticket:
        return None
    case = progress.case_for_ticket(ticket)
    if case is not None and lock:
        case = db.session.execute(
            select(Case).where(Case.id == case.id).with_for_update(of=Case)
            .execution_options(populate_existing=True)
        ).scalar_one()
    return case


def _progress(case: Case, form: RatingForm | None = None, errors: dict[str, str] | None = None,
              status: int = 200):
    return _no_store((render_template(
        "portal/progress.html",
        case=progress.public_view(case),
        form=form or RatingForm(),
        leave_form=LeaveForm(),
        ratings=progress.RATINGS,
        errors=errors or {},
        comment_max=submission.COMMENT_MAX,
    ), status))


@bp.get("/progress")
def progress_page():
    case = _ticket_case()
    if case is None:
        return redirect(url_for(".query"))
    return _progress(case)


@bp.post("/progress/rate")
def rate():
    case = _ticket_case(lock=True)
    if case is None:
        return redirect(url_for(".query"))
    form = RatingForm()
    try:
        progress.rate(case, (form.satisfaction.data or "").strip(), form.comment.data)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        fresh = _ticket_case()
        if fresh is None:
            return redirect(url_for(".query"))
        return _progress(fresh, form, _errors(exc), 409 if exc.code == "refused" else 422)
    flash(gettext("Thank you for your rating."), "success")
    return redirect(url_for(".progress_page"))


@bp.post("/progress/leave")
def leave():
    session.pop(TICKET, None)
    flash(gettext("The petition is no longer shown in this browser."), "info")
    return redirect(url_for(".index"))


@bp.route("/sms-stop", methods=["GET", "POST"])
def sms_stop():
    """The petitioner stops the text messages about their petition (query code + phone digits)."""
    form = SmsStopForm()
    if request.method == "GET":
        return _no_store(render_template("portal/sms_stop.html", form=form, errors={}))
    code, tail, errors = _code_and_tail(form)
    if not form.confirm.data:
        errors["confirm"] = gettext("Tick the box to confirm that you want no more text messages about this petition.")
    if errors:
        return _no_store((render_template("portal/sms_stop.html", form=form, errors=errors), 422))
    row = progress.find_case(code, tail)
    if row is None:
        # The same answer as the look-up's: nothing to enumerate.
        errors["_form"] = gettext(
            "No petition matches this query code and phone number. Check both and try again."
        )
        return _no_store((render_template("portal/sms_stop.html", form=form, errors=errors), 200))
    case = db.session.execute(
        select(Case).where(Case.id == row.case_id).with_for_update(of=Case)
    ).scalar_one()
    if not case.sms_opt_out:
        case.sms_opt_out = True
        db.session.commit()
    return _no_store(render_template("portal/sms_stopped.html", number=case.number))


# --- published letters and the reception schedule -----------------------------------------------


@bp.get("/letters")
def letters():
    page = max(1, _int(request.args.get("page")) or 1)
    total = db.session.execute(select(func.count()).select_from(PublishedLetter)).scalar() or 0
    pages = max(1, (total + LETTERS_PER_PAGE - 1) // LETTERS_PER_PAGE)
    if page > pages:
        abort(404)
    rows = db.session.execute(
        select(PublishedLetter)
        .order_by(PublishedLetter.published_at.desc(), PublishedLetter.id.desc())
        .offset((page - 1) * LETTERS_PER_PAGE)
        .limit(LETTERS_PER_PAGE)
    ).scalars().all()
    return render_template("portal/letters.html", letters=rows, page=page, pages=pages, total=total)


@bp.get("/letters/<int:letter_id>")
def letter(letter_id: int):
    item = db.session.get(PublishedLetter, letter_id)
    if item is None:
        abort(404)
    return render_template("portal/letter.html", letter=item)


@bp.get("/receptions")
def receptions():
    weekdays = [gettext("Monday"), gettext("Tuesday"), gettext("Wednesday"), gettext("Thursday"),
                gettext("Friday"), gettext("Saturday"), gettext("Sunday")]
    return render_template("portal/receptions.html", receptions=upcoming_receptions(),
                           office=petition_office(), weekdays=weekdays)


# --- errors: the portal's own look, never the admin panel's ----------------------------------------


def _error_page(status: int, message: str | None = None):
    titles = {
        400: gettext("Bad request"),
        404: gettext("Not found"),
        405: gettext("Method not allowed"),
        413: gettext("File too large"),
        429: gettext("Too many requests"),
        500: gettext("Internal error"),
    }
    texts = {
        400: gettext("The request could not be understood."),
        404: gettext("The page you asked for does not exist."),
        405: gettext("This operation is not allowed here."),
        413: gettext("The attachments are too large: each file may be at most %(mb)s MB.",
                     mb=current_app.config.get("PORTAL_MAX_FILE_MB", 3)),
        429: gettext("Too many attempts in a short time. Please wait a while and try again."),
        500: gettext("Something went wrong on our side. Please try again later."),
    }
    status = status if status in titles else 500
    page = render_template("portal/error.html", status=status, title=titles[status],
                           text=message or texts[status])
    return _no_store((page, status))


@bp.errorhandler(CSRFError)
def _csrf_error(exc: CSRFError):  # noqa: ARG001
    return _error_page(
        400, gettext("The page has expired (it was open too long). Go back, reload the page and send it again.")
    )


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    if exc.code is None or exc.code < 400:
        return exc
    return _error_page(exc.code)


@bp.errorhandler(Exception)
def _unexpected_error(exc: Exception):
    if is_outage(exc):
        # The portal's own page would ask the database again (the county's name): the app's
        # one outage answer instead.
        return outage_response()
    if current_app.config.get("PROPAGATE_EXCEPTIONS"):
        raise exc  # tests and debugging see the real error, as on the admin pages
    log.exception("Unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    return _error_page(500)
