"""Pages of the policy knowledge base: 政策法规 and 政策问答 (searched by keyword and subject),
答复模板, and the insertion of a template into a case's reply (filled from the case).

County-wide reference data: no scope filter on the records themselves (everyone in the county
reads the same laws); a 问答's source case is shown only to those who may open it, and a
template is filled only from a case the user may open.
"""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from wtforms import StringField
from wtforms.validators import DataRequired

from app.cases.case_list import _subject_choices
from app.cases.models import Case
from app.cases.references import linked_case_cell
from app.core.errors import DomainError, raise_problems
from app.core.paging import ListInterface
from app.core.quick_search import QuickSearch
from app.core.record_page import ShowsEveryProblem
from app.core.scoping import current_scope, get_scoped
from app.core.search import keyword_clause, keyword_count_criterion
from app.core.validators import MaxLength
from app.core.views import ScopedModelView
from app.extensions import db
from app.knowledge.models import PolicyAnswer, PolicyDocument, PolicyStatus, ReplyTemplate
from app.knowledge.placeholders import FILLERS, fill, unknown_placeholders
from app.mediation.rules import find_case
from app.security.access import may

KNOWLEDGE_GROUP = "knowledge"


def _subject_search(model: Any) -> QuickSearch:
    return QuickSearch("subject", _l("Subject"), lambda v: model.subject_id == int(v) if v.isdigit() else None,
                       kind="select", choices=_subject_choices)


def _keyword_search(model: Any, columns: tuple[str, str], placeholder: Any) -> QuickSearch:
    return QuickSearch(
        "keyword", _l("Keyword"), lambda v: keyword_clause(model, v, columns), placeholder=placeholder, width=4,
        count_cap=200, count_build=lambda v: keyword_count_criterion(model, v, columns),
    )


class PolicyDocumentView(ShowsEveryProblem, ScopedModelView):
    """政策法规: the laws and policy documents a reply rests on."""

    datamodel = ListInterface(PolicyDocument)  # county-wide reference data: everyone reads the same texts
    permission_group = KNOWLEDGE_GROUP
    route_base = "/knowledge/policies"
    list_title = _l("Policies and regulations")
    show_title = _l("Policy or regulation")
    add_title = _l("Add a policy or regulation")
    edit_title = _l("Edit policy or regulation")
    label_columns = {"title": _l("Title"), "doc_number": _l("Document number (文号)"),
                     "issuer": _l("Issued by"), "issued_on": _l("Issued on"), "subject": _l("Subject"),
                     "body": _l("Text"), "status": _l("Validity")}
    list_columns = ["title", "doc_number", "issuer", "issued_on", "subject", "status"]
    show_columns = ["title", "doc_number", "issuer", "issued_on", "subject", "status", "body"]
    add_columns = edit_columns = ["title", "doc_number", "issuer", "issued_on", "subject", "status", "body"]
    export_columns = ["title", "doc_number", "issuer", "issued_on", "subject", "status"]
    order_columns = ["title", "issued_on"]
    base_order = ("issued_on", "desc")
    search_columns = ["title", "doc_number", "issuer", "issued_on"]
    validators_columns = {"title": [DataRequired(), MaxLength(200)], "doc_number": [MaxLength(100)],
                          "issuer": [MaxLength(100)], "body": [MaxLength(200000)]}
    description_columns = {"doc_number": _l("e.g. 国务院令第724号"),
                           "subject": _l("The subject of petitions it answers; empty for general rules")}
    quick_search = (
        _keyword_search(PolicyDocument, ("title", "body"), _l("Words in title or text")),
        _subject_search(PolicyDocument),
        QuickSearch("status", _l("Validity"), lambda v: PolicyDocument.status == v if v in PolicyStatus.codes()
                    else None, kind="select", choices=PolicyStatus.choices),
    )

    def validate_item(self, item: PolicyDocument, is_new: bool) -> None:  # noqa: ARG002
        item.title = (item.title or "").strip()
        item.body = (item.body or "").strip()
        if not item.title:
            raise DomainError(gettext("Enter the title"), field="title")


class PolicyAnswerView(ShowsEveryProblem, ScopedModelView):
    """政策问答: questions petitioners ask and the answers the office gives."""

    datamodel = ListInterface(PolicyAnswer)  # county-wide reference data: everyone reads the same texts
    permission_group = KNOWLEDGE_GROUP
    route_base = "/knowledge/answers"
    list_title = _l("Answered questions")
    show_title = _l("Answered question")
    add_title = _l("Add an answered question")
    edit_title = _l("Edit answered question")
    label_columns = {"question": _l("Question"), "answer": _l("Answer"), "subject": _l("Subject"),
                     "source_case": _l("Source case"), "case_number": _l("Source case")}
    list_columns = ["question", "subject"]
    show_columns = ["question", "answer", "subject", "source_case"]
    add_columns = edit_columns = ["question", "answer", "subject", "case_number"]
    export_columns = ["question", "answer", "subject"]
    order_columns = ["question"]
    base_order = ("id", "desc")
    search_columns = ["question"]
    formatters_columns = {"source_case": linked_case_cell}
    validators_columns = {"question": [DataRequired(), MaxLength(500)], "answer": [MaxLength(20000)]}
    add_form_extra_fields = {
        "case_number": StringField(_l("Source case"), validators=[MaxLength(24)],
                                   description=_l("Optional: the case this answer was given in, e.g. XF2026-000123")),
    }
    edit_form_extra_fields = add_form_extra_fields
    quick_search = (
        _keyword_search(PolicyAnswer, ("question", "answer"), _l("Words in question or answer")),
        _subject_search(PolicyAnswer),
    )

    def prefill_form(self, form, pk) -> None:
        item = self.get_scoped_item(pk)
        if item.source_case is not None and get_scoped(Case, item.source_case_id) is not None:
            form.case_number.data = item.source_case.number

    def validate_item(self, item: PolicyAnswer, is_new: bool) -> None:
        problems = []
        item.question = (item.question or "").strip()
        item.answer = (item.answer or "").strip()
        if not item.question:
            problems.append(DomainError(gettext("Enter the question"), field="question"))
        if not item.answer:
            problems.append(DomainError(gettext("Enter the answer"), field="answer"))
        number = (getattr(item, "case_number", None) or "").strip().upper()
        if number:
            item.source_case = find_case(db.session, number, current_scope())
            if item.source_case is None:
                problems.append(DomainError(
                    gettext("No petition case numbered %(number)s in your area", number=number),
                    field="case_number"))
        elif is_new or get_scoped(Case, item.source_case_id) is not None:
            # Emptied by someone who could see it; a case outside the editor's area stays linked.
            item.source_case = None
        raise_problems(problems)


PLACEHOLDER_NAMES = "、".join("{" + name + "}" for name in FILLERS)


def _placeholder_help() -> str:
    return gettext("Placeholders filled from the case: %(names)s", names=PLACEHOLDER_NAMES)


class ReplyTemplateView(ShowsEveryProblem, ScopedModelView):
    """答复模板: reply texts a handler inserts into the reply, filled from the case."""

    datamodel = ListInterface(ReplyTemplate)  # county-wide reference data: everyone reads the same texts
    permission_group = KNOWLEDGE_GROUP
    route_base = "/knowledge/reply-templates"
    list_title = _l("Reply templates")
    show_title = _l("Reply template")
    add_title = _l("Add a reply template")
    edit_title = _l("Edit reply template")
    label_columns = {"name": _l("Name"), "subject": _l("Subject"), "body": _l("Template text"),
                     "active": _l("In use")}
    list_columns = ["name", "subject", "active"]
    show_columns = add_columns = edit_columns = ["name", "subject", "active", "body"]
    export_columns = ["name", "subject", "active", "body"]
    order_columns = ["name"]
    base_order = ("name", "asc")
    search_columns = ["name"]
    validators_columns = {"name": [DataRequired(), MaxLength(100)], "body": [MaxLength(20000)]}
    description_columns = {
        "subject": _l("Offered first on the cases of this subject; empty for every case"),
        "body": _l("Placeholders filled from the case: %(names)s", names=PLACEHOLDER_NAMES),
    }
    quick_search = (_subject_search(ReplyTemplate),)

    def validate_item(self, item: ReplyTemplate, is_new: bool) -> None:  # noqa: ARG002
        problems = []
        item.name = (item.name or "").strip()
        if not item.name:
            problems.append(DomainError(gettext("Enter the name"), field="name"))
        elif db.session.execute(select(ReplyTemplate.id).where(
                ReplyTemplate.name == item.name, ReplyTemplate.id != (item.id or 0))).first():
            problems.append(DomainError(gettext("A template with this name exists already"), field="name"))
        if not (item.body or "").strip():
            problems.append(DomainError(gettext("Enter the template text"), field="body"))
        else:
            unknown = unknown_placeholders(item.body)
            if unknown:
                problems.append(DomainError(gettext(
                    "Unknown placeholders: %(names)s. %(help)s",
                    names="、".join("{" + n + "}" for n in unknown), help=_placeholder_help()), field="body"))
        raise_problems(problems)


class ReplyTemplateFillView(BaseView):
    """The text of a template filled from one case (JSON for the reply form's "insert" button)."""

    permission_group = KNOWLEDGE_GROUP
    route_base = "/knowledge/fill"
    method_permission_name = {"fill_template": "list"}
    previous_method_permission_name = method_permission_name

    @expose("/<int:template_id>/<int:case_id>")
    @has_access
    def fill_template(self, template_id: int, case_id: int):
        case = get_scoped(Case, case_id)
        template = db.session.get(ReplyTemplate, template_id)
        if case is None or template is None or not template.active:
            abort(404)
        filled = fill(template.body, case)
        message = ""
        if filled.unfilled:
            parts = []
            if filled.missing:
                parts.append(gettext("the case has no value yet for %(names)s",
                                     names="、".join("{" + n + "}" for n in filled.missing)))
            if filled.unknown:
                parts.append(gettext("unknown placeholders %(names)s",
                                     names="、".join("{" + n + "}" for n in filled.unknown)))
            message = gettext("Not filled, complete by hand: %(what)s", what="；".join(parts))
        return jsonify({"text": filled.text, "missing": filled.missing, "unknown": filled.unknown,
                        "message": message})


def reply_aids(case: Case) -> dict[str, Any] | None:
    """What the reply form offers beside the text: the templates (the case's subject's first) and
    the policies in force for its subject (相关政策). None when the user reads no knowledge base."""
    if not may("can_list", "ReplyTemplateFillView"):
        return None
    subject_id = case.subject_id
    templates = db.session.execute(
        select(ReplyTemplate.id, ReplyTemplate.name, ReplyTemplate.subject_id)
        .where(ReplyTemplate.active.is_(True),
               or_(ReplyTemplate.subject_id.is_(None), ReplyTemplate.subject_id == subject_id))
        .order_by(ReplyTemplate.subject_id.is_(None), ReplyTemplate.name)
    ).all()
    policies = []
    if subject_id is not None and may("can_show", "PolicyDocumentView"):
        policies = db.session.execute(
            select(PolicyDocument.id, PolicyDocument.title, PolicyDocument.doc_number)
            .where(PolicyDocument.subject_id == subject_id, PolicyDocument.status == PolicyStatus.IN_FORCE.value)
            .order_by(PolicyDocument.issued_on.desc()).limit(8)
        ).all()
    return {
        "templates": [(t.id, t.name) for t in templates],
        "fill_url": url_for("ReplyTemplateFillView.fill_template", template_id=0, case_id=case.id),
        "policies": [(url_for("PolicyDocumentView.show", pk=p.id), p.title, p.doc_number or "") for p in policies],
        "more": url_for("PolicyDocumentView.list", q_subject=subject_id) if subject_id is not None else None,
    }


def register_views(appbuilder) -> None:
    from flask import current_app

    from app.core.menu import add_menu_view

    add_menu_view(appbuilder, PolicyDocumentView, "Policies and regulations", _l("Policies and regulations"),
                  "knowledge", "fa-balance-scale")
    add_menu_view(appbuilder, PolicyAnswerView, "Answered questions", _l("Answered questions"), "knowledge",
                  "fa-question-circle")
    add_menu_view(appbuilder, ReplyTemplateView, "Reply templates", _l("Reply templates"), "knowledge",
                  "fa-file-signature")
    appbuilder.add_view_no_menu(ReplyTemplateFillView)
    current_app.jinja_env.globals["reply_aids"] = reply_aids
