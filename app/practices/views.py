"""Pages of seed 003's practices: the case's agents, consultation meetings, expert opinions and
contingency plans (generated CRUD, each linked to a case by its number); the townships' list of
first petitions missed in the sweep (初信初访倒查); the figures by level and of missed petitions.

Permissions: the records of a case (agents, meetings, opinions, plans) have their own group
("practices": the built-in roles hold on it what they hold on cases — clerks write, the others
read); the look-back list is the ledgers' ("ledgers"), the figures are reports ("reports").
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, inspect, select
from wtforms import StringField

from app.cases.models import Case
from app.cases.references import linked_case_cell
from app.core import clock
from app.core.errors import DomainError, raise_problems
from app.core.pages import ReadPage
from app.core.paging import ScopedInterface
from app.core.privacy import free_text_in_full, has_personal_data_role, mask_phone
from app.core.quick_search import QuickSearch
from app.core.record_page import ShowsEveryProblem
from app.core.scoping import current_actor, current_scope, get_scoped, scope_clause
from app.core.validators import MaxLength, NotInFuture, normalize_phone, phone_error
from app.core.views import ScopedModelView
from app.extensions import db
from app.mediation.rules import find_case
from app.org.models import OrgKind, OrgUnit, ResolutionLevel
from app.practices import levels
from app.practices.models import (
    AgentRelation,
    CaseAgent,
    ConsultationMeeting,
    ContingencyPlan,
    ExpertOpinion,
    MissStatus,
    SweepMiss,
)


def shown_phone(phone: str | None) -> str:
    return (phone or "") if free_text_in_full() else mask_phone(phone)


CASE_LABELS = {"case": _l("Petition case"), "case_number": _l("Case number"), "case.township": _l("Township")}


class CaseRecordView(ShowsEveryProblem, ScopedModelView):
    """A record of one case, chosen by its number (prefilled from `?case=<id>` on the case page)."""

    permission_group = "practices"
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete", "can_export"]
    formatters_columns = {"case": linked_case_cell}
    add_form_extra_fields = {
        "case_number": StringField(_l("Case number"), validators=[MaxLength(24)],
                                   description=_l("The petition case, e.g. XF2026-000123")),
    }
    edit_form_extra_fields = add_form_extra_fields

    def prefill_add_form(self, form) -> None:
        case = get_scoped(Case, request.args.get("case"))
        if case is not None:
            form.case_number.data = case.number

    def prefill_form(self, form, pk) -> None:  # noqa: ARG002
        item = self.get_scoped_item(pk)
        if item.case is not None:
            form.case_number.data = item.case.number

    def record_problems(self, item: Any) -> list[DomainError]:
        return []

    def validate_item(self, item: Any, is_new: bool) -> None:  # noqa: ARG002
        number = (getattr(item, "case_number", None) or "").strip().upper()
        item.case = find_case(db.session, number, current_scope()) if number else None
        problems = []
        if item.case is None:
            problems.append(DomainError(
                gettext("No petition case numbered %(number)s in your area", number=number) if number
                else gettext("Enter the case number"), field="case_number",
            ))
        raise_problems(problems + self.record_problems(item))


class CaseAgentView(CaseRecordView):
    """信访代理: who acts for the petitioner, their relation and contact."""

    datamodel = ScopedInterface(CaseAgent)
    route_base = "/practices/agents"
    list_title = _l("Agents (信访代理)")
    show_title = _l("Agent")
    add_title = _l("Add an agent")
    edit_title = _l("Edit agent")
    label_columns = {**CASE_LABELS, "name": _l("Agent's name"), "relation": _l("Relation to the petitioner"),
                     "phone": _l("Agent's phone"), "note": _l("Note")}
    list_columns = ["case", "name", "relation", "phone"]
    show_columns = ["case", "name", "relation", "phone", "note", "created_by", "created_at"]
    add_columns = edit_columns = ["case_number", "name", "relation", "phone", "note"]
    export_columns = ["case", "name", "relation", "phone", "note"]
    search_columns = ["name", "relation"]
    formatters_columns = {"case": linked_case_cell, "phone": shown_phone}
    validators_columns = {"name": [MaxLength(50)], "phone": [MaxLength(24)], "note": [MaxLength(200)]}
    quick_search = (QuickSearch("name", _l("Agent's name"), lambda v: CaseAgent.name == v.strip()),)

    def prefill_form(self, form, pk) -> None:
        super().prefill_form(form, pk)
        if not has_personal_data_role(current_actor()):
            form.phone.data = mask_phone(form.phone.data)

    def pre_update(self, item: CaseAgent) -> None:
        # A mask sent back unchanged keeps the stored number (as on the duty log).
        history = inspect(item).attrs.phone.history
        if history.deleted and history.added and history.added[0] == mask_phone(history.deleted[0]):
            item.phone = history.deleted[0]

    def record_problems(self, item: CaseAgent) -> list[DomainError]:
        item.name = (item.name or "").strip()
        problems = []
        if not item.name:
            problems.append(DomainError(gettext("Enter the agent's name"), field="name"))
        stored = inspect(item).attrs.phone.history.deleted
        if item.phone and not (stored and item.phone == mask_phone(stored[0])):
            item.phone = normalize_phone(item.phone) or None
            error = phone_error(item.phone)
            if item.phone and error:
                problems.append(DomainError(error, field="phone"))
        return problems


class ConsultationMeetingView(CaseRecordView):
    """民情征询会: meetings held to hear the people concerned."""

    datamodel = ScopedInterface(ConsultationMeeting)
    route_base = "/practices/consultations"
    list_title = _l("Consultation meetings (民情征询会)")
    show_title = _l("Consultation meeting")
    add_title = _l("Record a consultation meeting")
    edit_title = _l("Edit consultation meeting")
    label_columns = {**CASE_LABELS, "held_on": _l("Held on"), "place": _l("Place"),
                     "participants": _l("Participants"), "opinions": _l("Opinions collected"),
                     "follow_up": _l("Follow-up")}
    list_columns = ["held_on", "case", "place", "participants"]
    show_columns = ["case", "held_on", "place", "participants", "opinions", "follow_up", "created_by"]
    add_columns = edit_columns = ["case_number", "held_on", "place", "participants", "opinions", "follow_up"]
    export_columns = ["held_on", "case", "place", "participants", "opinions", "follow_up"]
    order_columns = ["held_on"]
    base_order = ("held_on", "desc")
    search_columns = ["held_on", "place"]
    validators_columns = {"held_on": [NotInFuture()], "place": [MaxLength(200)],
                          "participants": [MaxLength(2000)], "opinions": [MaxLength(5000)],
                          "follow_up": [MaxLength(5000)]}

    def prefill_add_form(self, form) -> None:
        super().prefill_add_form(form)
        form.held_on.data = clock.today()


class ExpertOpinionView(CaseRecordView):
    """专家研判: an expert's or lawyer's opinion on a difficult case."""

    datamodel = ScopedInterface(ExpertOpinion)
    route_base = "/practices/expert-opinions"
    list_title = _l("Expert opinions (专家研判)")
    show_title = _l("Expert opinion")
    add_title = _l("Record an expert opinion")
    edit_title = _l("Edit expert opinion")
    label_columns = {**CASE_LABELS, "expert": _l("Expert or law firm"), "expert_kind": _l("Kind of expert"),
                     "given_on": _l("Given on"), "opinion": _l("Opinion")}
    list_columns = ["given_on", "case", "expert", "expert_kind"]
    show_columns = ["case", "expert", "expert_kind", "given_on", "opinion", "created_by"]
    add_columns = edit_columns = ["case_number", "expert", "expert_kind", "given_on", "opinion"]
    export_columns = ["given_on", "case", "expert", "expert_kind", "opinion"]
    order_columns = ["given_on"]
    base_order = ("given_on", "desc")
    search_columns = ["given_on", "expert"]
    validators_columns = {"given_on": [NotInFuture()], "expert": [MaxLength(100)], "opinion": [MaxLength(10000)]}

    def prefill_add_form(self, form) -> None:
        super().prefill_add_form(form)
        form.given_on.data = clock.today()


class ContingencyPlanView(CaseRecordView):
    """预案: measures for a collective visit and who answers for them."""

    datamodel = ScopedInterface(ContingencyPlan)
    route_base = "/practices/contingency-plans"
    list_title = _l("Contingency plans (预案)")
    show_title = _l("Contingency plan")
    add_title = _l("Draw up a contingency plan")
    edit_title = _l("Edit contingency plan")
    label_columns = {**CASE_LABELS, "drawn_up_on": _l("Drawn up on"), "measures": _l("Measures"),
                     "responsible_person": _l("Responsible person")}
    list_columns = ["drawn_up_on", "case", "responsible_person"]
    show_columns = ["case", "drawn_up_on", "measures", "responsible_person", "created_by"]
    add_columns = edit_columns = ["case_number", "drawn_up_on", "measures", "responsible_person"]
    export_columns = ["drawn_up_on", "case", "measures", "responsible_person"]
    order_columns = ["drawn_up_on"]
    base_order = ("drawn_up_on", "desc")
    search_columns = ["drawn_up_on", "responsible_person"]
    validators_columns = {"drawn_up_on": [NotInFuture()], "measures": [MaxLength(5000)],
                          "responsible_person": [MaxLength(50)]}

    def prefill_add_form(self, form) -> None:
        super().prefill_add_form(form)
        form.drawn_up_on.data = clock.today()


class SweepMissView(ShowsEveryProblem, ScopedModelView):
    """初信初访倒查: first petitions the township's dispute ledger did not hold; the township verifies."""

    datamodel = ScopedInterface(SweepMiss)
    permission_group = "ledgers"
    route_base = "/practices/sweep-misses"
    base_permissions = ["can_list", "can_show", "can_edit", "can_export"]
    list_title = _l("First petitions missed in the sweep (倒查)")
    show_title = _l("First petition missed in the sweep")
    edit_title = _l("Verify a missed first petition")
    label_columns = {**CASE_LABELS, "township": _l("Township"), "flagged_at": _l("Flagged at"),
                     "status": _l("Verification"), "ledger_entry": _l("Ledger entry added"), "note": _l("Note")}
    list_columns = ["flagged_at", "township", "case", "status", "ledger_entry"]
    show_columns = ["case", "township", "flagged_at", "status", "ledger_entry", "note", "updated_by"]
    edit_columns = ["status", "ledger_entry", "note"]
    export_columns = ["flagged_at", "township", "case", "status", "note"]
    order_columns = ["flagged_at"]
    base_order = ("flagged_at", "desc")
    search_columns = ["township", "status", "flagged_at"]
    formatters_columns = {"case": linked_case_cell}
    validators_columns = {"note": [MaxLength(2000)]}
    org_choice_columns = {"township": "township"}
    edit_form_query_rel_fields = {"ledger_entry": [["id", None, None]]}
    description_columns = {
        "ledger_entry": _l("The ledger entry the township added for this matter"),
    }
    quick_search = (
        QuickSearch("status", _l("Verification"), lambda v: SweepMiss.status == v, kind="select",
                    choices=MissStatus.choices),
    )

    def __init__(self, **kwargs: Any) -> None:
        self.edit_form_query_rel_fields = {"ledger_entry": [["id", _EntryFilter, None]]}
        super().__init__(**kwargs)

    def validate_item(self, item: SweepMiss, is_new: bool) -> None:  # noqa: ARG002
        problems = []
        if item.status == MissStatus.ENTERED.value and item.ledger_entry is None:
            problems.append(DomainError(gettext("Choose the ledger entry added for this matter"),
                                        field="ledger_entry"))
        if item.ledger_entry is not None and item.ledger_entry.township_id != item.township_id:
            problems.append(DomainError(gettext("Choose an entry of the same township's ledger"),
                                        field="ledger_entry"))
        if item.status == MissStatus.EXPLAINED.value and not (item.note or "").strip():
            problems.append(DomainError(gettext("Say why this was not a sweep omission"), field="note"))
        raise_problems(problems)


class _EntryFilter:
    """Ledger entries the user sees (an FAB filter class built lazily to keep imports light)."""

    def __new__(cls, *args: Any, **kwargs: Any):  # noqa: ANN204
        from flask_appbuilder.models.filters import BaseFilter

        from app.ledgers.models import LedgerEntry

        class EntriesInScope(BaseFilter):
            name = "entries in scope"

            def apply(self, query, value):  # noqa: ARG002
                return query.filter(scope_clause(LedgerEntry)).order_by(LedgerEntry.id.desc())

        return EntriesInScope(*args, **kwargs)


# --- figures ---------------------------------------------------------------------------------------

def _township_ids() -> list[int]:
    scope = current_scope()
    query = select(OrgUnit.id).where(OrgUnit.kind == OrgKind.TOWNSHIP.value)
    if not scope.everything:
        query = query.where(OrgUnit.id.in_(scope.township_ids or {-1}))
    return list(db.session.execute(query).scalars())


def _period() -> tuple[date, date]:
    today = clock.today()
    try:
        start = date.fromisoformat(request.args.get("start", ""))
    except ValueError:
        start = today.replace(month=1, day=1)
    try:
        end = date.fromisoformat(request.args.get("end", ""))
    except ValueError:
        end = today
    return (start, end) if start <= end else (end, start)


def missed_by_township(session: Any, township_ids: list[int], start: date, end: date) -> dict[int, dict[str, int]]:
    """Flags per township in the period (by the day flagged), and how many were verified each way."""
    from datetime import datetime, time, timedelta

    first, after = datetime.combine(start, time.min), datetime.combine(end + timedelta(days=1), time.min)
    found: dict[int, dict[str, int]] = {t: {} for t in township_ids}
    for township_id, status, count in session.execute(
        select(SweepMiss.township_id, SweepMiss.status, func.count())
        .where(SweepMiss.township_id.in_(township_ids), SweepMiss.flagged_at >= first, SweepMiss.flagged_at < after)
        .group_by(SweepMiss.township_id, SweepMiss.status)
    ):
        found[township_id][status] = count
    return found


class PracticeFiguresView(ReadPage):
    """小事不出村、大事不出镇、难事不出县 and 初信初访倒查: the figures per township for a period."""

    permission_group = "reports"
    route_base = "/practices/figures"

    @expose("/")
    @has_access
    def index(self):
        start, end = _period()
        townships = _township_ids()
        rows = levels.by_township(db.session, townships, start, end)
        misses = missed_by_township(db.session, townships, start, end)
        return self.render_template(
            "xf/practices/figures.html", title=gettext("Resolution by level and sweep omissions"),
            rows=rows, misses=misses, start=start, end=end, levels=list(ResolutionLevel),
            statuses=list(MissStatus), definitions=levels.FIGURE_DEFINITIONS,
        )


class ResolutionLevelView(BaseView):
    """Correct the level at which a closed case was resolved (the default comes from its unit)."""

    permission_group = "cases"
    route_base = "/practices/level"
    method_permission_name = {"set_level": "edit"}
    previous_method_permission_name = method_permission_name

    @expose("/<int:case_id>", methods=["POST"])
    @has_access
    def set_level(self, case_id: int):
        case = get_scoped(Case, case_id)
        if case is None:
            abort(404)
        level = request.form.get("level", "")
        if case.closed_at is None:
            flash(gettext("The level is recorded when the case is closed"), "danger")
        elif level not in ResolutionLevel.codes():
            flash(gettext("Choose the village, the township or the county"), "danger")
        else:
            case.resolution_level = level
            db.session.commit()
            flash(gettext("Level of resolution saved"), "success")
        return redirect(url_for("CaseView.show", pk=case.id))


def register_views(appbuilder) -> None:
    from app.core.menu import add_menu_view

    add_menu_view(appbuilder, CaseAgentView, "Case agents", _l("Agents (信访代理)"), "cases", "fa-user-friends")
    add_menu_view(appbuilder, ConsultationMeetingView, "Consultation meetings", _l("Consultation meetings (民情征询会)"),
                  "cases", "fa-comments")
    add_menu_view(appbuilder, ExpertOpinionView, "Expert opinions", _l("Expert opinions (专家研判)"), "cases",
                  "fa-balance-scale")
    add_menu_view(appbuilder, ContingencyPlanView, "Contingency plans", _l("Contingency plans (预案)"), "cases",
                  "fa-shield-alt")
    add_menu_view(appbuilder, SweepMissView, "Sweep omissions", _l("First petitions missed in the sweep (倒查)"),
                  "ledgers", "fa-search")
    add_menu_view(appbuilder, PracticeFiguresView, "Resolution by level",
                  _l("Resolution by level and sweep omissions"), "reports", "fa-layer-group")
    appbuilder.add_view_no_menu(ResolutionLevelView)
    from flask import current_app

    current_app.jinja_env.globals["case_practices"] = case_practices
    current_app.jinja_env.globals["notice_agents"] = notice_agents


def notice_agents(case: Case) -> str:
    """The agents as a notice names them: 张某（律师）、李某（近亲属）. No phone: the notice is
    the petitioner's paper, and the agent's contact is personal data."""
    agents = db.session.execute(
        select(CaseAgent).where(CaseAgent.case_id == case.id).order_by(CaseAgent.id)
    ).scalars().all()
    return "、".join(f"{a.name}（{AgentRelation.label_of(a.relation)}）" for a in agents)


def case_practices(case: Case) -> dict[str, Any]:
    """What the case page shows of the practices: agents, meetings, opinions, plans, the flag."""
    def rows(model: Any, order: Any) -> list[Any]:
        return db.session.execute(
            select(model).where(model.case_id == case.id, scope_clause(model)).order_by(order)
        ).scalars().all()

    agents = rows(CaseAgent, CaseAgent.id)
    miss = next(iter(rows(SweepMiss, SweepMiss.id)), None)
    return {
        "agents": [(a, AgentRelation.label_of(a.relation), shown_phone(a.phone)) for a in agents],
        "meetings": rows(ConsultationMeeting, ConsultationMeeting.held_on),
        "opinions": rows(ExpertOpinion, ExpertOpinion.given_on),
        "plans": rows(ContingencyPlan, ContingencyPlan.drawn_up_on),
        "miss": miss,
        "miss_status": MissStatus.label_of(miss.status) if miss is not None else "",
        "level": ResolutionLevel.label_of(case.resolution_level),
        "levels": ResolutionLevel.choices(),
    }
