"""Pages of supervision: the overdue watch list, supervision orders, joint meetings (accountability: accountability_views.py).

Views stay thin: every decision is a rule in orders.py / meetings.py / accountability.py.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import action, expose
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import func, select
from wtforms import TextAreaField

from app.cases import flags
from app.cases.case_page import case_badge
from app.cases.cells import due_cell, flag_cell
from app.cases.models import Case, Category
from app.cases.references import (
    cases_by_numbers,
    entries_by_numbers,
    join_numbers,
    linked_case,
    overseen_petitioners,
    relinked_cases,
    shown_case_numbers,
    shown_numbers_for_form,
    visible_case_ids,
)
from app.cases.workflow import scope_and
from app.core import clock
from app.core.clock import now
from app.core.errors import DomainError, raise_problems
from app.core.paging import ScopedInterface
from app.core.quick_search import QuickSearch
from app.core.record_page import ShowsEveryProblem, StepForms, show_problems
from app.core.scoping import current_scope, scope_clause
from app.core.validators import MaxLength, NotInFuture
from app.core.views import ScopedModelView
from app.deadlines.policy import current_policy
from app.extensions import db
from app.home.queue import QUEUE_LIMIT, QueueEntry, QueueSection, register_queue_provider
from app.org.choices import org_choices, org_select_choices
from app.org.models import OrgUnit
from app.security.access import may
from app.supervision import meetings, orders
from app.supervision.accountability_views import AccountabilityView
from app.supervision.forms import (
    AcceptForm,
    AnswerForm,
    CompleteTaskForm,
    EscalateForm,
    IssueForm,
    TaskForm,
)
from app.supervision.linking import linking_case
from app.supervision.models import (
    AccountabilityKind,
    JointMeeting,
    MeetingKind,
    MeetingTask,
    OrderKind,
    OrderStatus,
    OrderTarget,
    SupervisionOrder,
)

log = logging.getLogger(__name__)



# --- the overdue watch list -----------------------------------------------------------------------


class WatchFilter(BaseFilter):
    """The overdue view's rows: the user's scope AND (overdue, near, or redone/transferred > 3).

    One filter for both, split per part of the scope (`workflow.scope_and`), so each part can
    use its (place or unit, status, next_due_at) index; the ">3" part reads its partial index.
    """

    name = "watch"
    applies_scope = True  # in place of the interface's own scope clause (app/core/paging.py)

    def apply(self, query, value):  # noqa: ARG002
        return query.filter(scope_and(current_scope(), orders.watch_clause(now())))


def _watch_kind_clause(value: str):
    moment = now()
    if value == "overdue":
        return flags.overdue_clause(moment)
    if value == "near":
        return flags.near_clause(moment)
    if value == "flagged":
        return orders.needs_supervision_clause()
    return None


def _watch_choices() -> list[tuple[str, str]]:
    return [
        ("overdue", gettext("Overdue")),
        ("near", gettext("Due soon")),
        ("flagged", gettext("Redone or transferred more than 3 times")),
    ]


def _orders_cell(case_id: int) -> Markup:
    if case_id in getattr(g, "xf_open_orders", set()):
        return Markup('<span class="label label-info xf-supervised">{}</span>').format(gettext("Under supervision"))
    return Markup("")


class OverdueView(ScopedModelView):
    """超期督办: the cases a supervisor should act on; select some and issue an order in one step."""

    datamodel = ScopedInterface(Case)
    permission_group = "overdue"
    route_base = "/supervision/overdue"
    list_template = "xf/supervision/overdue_list.html"  # links to the 督查督办 report
    base_permissions = ["can_list", "can_show", "can_export", "issue_order"]
    base_filters = [["id", WatchFilter, None]]
    list_title = _l("Overdue and flagged cases")
    label_columns = {
        "number": _l("Case number"),
        "title": _l("Title"),
        "township": _l("Township"),
        "responsible_unit": _l("Responsible unit"),
        "status": _l("Status"),
        "next_due_at": _l("Deadline"),
        "redo_count": _l("Redone"),
        "transfer_count": _l("Transferred"),
        "needs_supervision": _l("Redo/transfer flag"),
        "id": _l("Supervision"),
        "received_at": _l("Received at"),
    }
    list_columns = ["number", "title", "township", "responsible_unit", "status", "next_due_at", "redo_count",
                    "transfer_count", "needs_supervision", "id"]
    export_columns = ["number", "title", "received_at", "township", "responsible_unit", "status", "next_due_at",
                      "redo_count", "transfer_count"]
    order_columns = ["number", "next_due_at", "status"]
    base_order = ("next_due_at", "asc")
    page_size = 50
    search_columns = ["number", "township", "responsible_unit", "status"]
    org_choice_columns = {"township": "township", "responsible_unit": "responsible"}
    formatters_columns = {
        "number": lambda number: Markup('<span class="text-nowrap">{}</span>').format(number),
        "next_due_at": due_cell,
        "needs_supervision": flag_cell,
        "id": _orders_cell,
    }
    quick_search = (
        QuickSearch("watch", _l("Show"), _watch_kind_clause, kind="select", choices=_watch_choices),
        QuickSearch("number", _l("Case number"),
                    lambda v: Case.number.startswith(v.strip().upper()), placeholder=_l("e.g. XF2026-000123")),
        QuickSearch("unit", _l("Responsible unit"),
                    lambda v: Case.responsible_unit_id == int(v) if v.isdigit() else None, kind="select",
                    choices=lambda: org_select_choices("responsible"), width=3),
        QuickSearch("category", _l("Category"), lambda v: Case.category == v, kind="select",
                    choices=Category.choices),
    )

    def _get_list_widget(self, filters, **kwargs):
        widgets = super()._get_list_widget(filters, **kwargs)
        # One query for the page's "under supervision" badges, and the ids behind the links.
        pks = [int(pk) for pk in widgets["list"].template_args.get("pks", [])]
        g.xf_open_orders = orders.open_order_case_ids(db.session, pks)
        return widgets

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        """A row's button opens the case page itself."""
        case = self.get_scoped_item(pk)
        return redirect(url_for("CaseView.show", pk=case.id))

    @action("issue_order", _l("Issue a supervision order"), None, "fa-bell", single=False)
    def issue_order(self, items: list[Case]):
        """The issue form for the selected cases (next page); nothing is issued yet."""
        form = IssueForm(formdata=None)
        form.case_numbers.data = join_numbers(items)
        return _render_issue(self, form, items)


def _issue_defaults(form: IssueForm, items: list[Case]) -> None:
    units = {c.responsible_unit_id for c in items}
    form.unit.choices = org_select_choices("responsible", gettext("Each case's responsible unit"))
    if form.due_on.data is None:
        form.due_on.data = current_policy().calendar.add_working_days(clock.today(), 5)
    if not form.unit.data and len(units) == 1 and None not in units:
        form.unit.data = str(next(iter(units)))


def _render_issue(view: Any, form: IssueForm, items: list[Case], status: int = 200):
    _issue_defaults(form, items)
    return view.render_template(
        "xf/supervision/issue.html", title=gettext("Issue a supervision order"), form=form, items=items,
        petitioners=overseen_petitioners, case_badge=case_badge,
    ), status


# --- supervision orders -------------------------------------------------------------------------------


def _target_choices(order: SupervisionOrder) -> list[tuple[str, str]]:
    """The order's targets to carry into an escalation, each as the viewer may read it."""
    return [(str(t.id), linked_case(t.case).number if t.case is not None else t.number) for t in order.targets]


def _order_number_clause(value: str):
    order_id = orders.order_id_of(value)
    return SupervisionOrder.id == (order_id or -1)


def _answer_overdue_clause(value: str):
    if value != "1":
        return None
    return orders.answer_overdue_clause(clock.today())


class SupervisionOrderView(StepForms, ScopedModelView):
    """督办单: issued from the overdue list (or by numbers), answered by the unit, accepted or escalated."""

    datamodel = ScopedInterface(SupervisionOrder)
    permission_group = "supervision"
    route_base = "/supervision/orders"
    base_permissions = ["can_list", "can_show", "can_export", "can_issue", "can_answer", "can_decide"]
    list_title = _l("Supervision orders")
    show_title = _l("Supervision order")
    label_columns = {
        "number": _l("Order number"),
        "id": _l("Order number"),  # the export writes the id as the number (see the model)
        "kind": _l("Kind of order"),
        "unit": _l("Addressed to"),
        "targets_summary": _l("Cases and ledger entries"),
        "target_count": _l("Number of cases"),
        "issued_at": _l("Issued at"),
        "issued_by": _l("Issued by"),
        "due_on": _l("Answer due by"),
        "status": _l("Status"),
        "answered_at": _l("Answered at"),
        "closed_at": _l("Closed at"),
        "requirement": _l("Requirement"),
    }
    list_columns = ["number", "kind", "unit", "targets_summary", "issued_at", "due_on", "status", "answered_at"]
    export_columns = ["id", "kind", "unit", "targets_summary", "target_count", "issued_at", "issued_by", "requirement",
                      "due_on", "status", "answered_at", "closed_at"]
    show_columns = ["number", "kind", "unit", "issued_at", "due_on", "status"]
    order_columns = ["issued_at", "due_on", "status", "answered_at"]
    base_order = ("issued_at", "desc")
    page_size = 20
    search_columns = ["kind", "unit", "status", "issued_at", "due_on"]
    org_choice_columns = {"unit": "responsible"}
    show_template = "xf/supervision/order_show.html"
    quick_search = (
        QuickSearch("number", _l("Order number"), _order_number_clause, placeholder=_l("e.g. DB000012")),
        QuickSearch("status", _l("Status"), lambda v: SupervisionOrder.status == v, kind="select",
                    choices=OrderStatus.choices),
        QuickSearch("kind", _l("Kind of order"), lambda v: SupervisionOrder.kind == v, kind="select",
                    choices=OrderKind.choices),
        QuickSearch("unit", _l("Addressed to"),
                    lambda v: SupervisionOrder.unit_id == int(v) if v.isdigit() else None, kind="select",
                    choices=lambda: org_select_choices("responsible"), width=3),
        QuickSearch("late", _l("Answer overdue"), _answer_overdue_clause, kind="select",
                    choices=lambda: [("1", gettext("Yes"))]),
        QuickSearch("case", _l("Case number"),
                    lambda v: linking_case(SupervisionOrder.id, OrderTarget.order_id, OrderTarget.case_id, v)),
    )

    # --- issuing -------------------------------------------------------------------------------

    @expose("/issue", methods=["GET", "POST"])
    @has_access
    def issue(self):
        form = IssueForm() if request.method == "POST" else IssueForm(formdata=None)
        if request.method == "GET":
            form.case_numbers.data = request.args.get("cases", "")
            return _render_issue(self, form, [])
        items: list[Case] = []
        try:
            scope = current_scope()
            problems: list[DomainError] = []
            entries: list[Any] = []
            try:
                items = cases_by_numbers(db.session, form.case_numbers.data, scope)
            except DomainError as exc:
                problems.append(exc)
            try:
                entries = entries_by_numbers(db.session, form.entry_numbers.data, scope)
            except DomainError as exc:
                problems.append(exc)
            raise_problems(problems)
            if not form.validate():
                return _render_issue(self, form, items, 422)
            unit = int(form.unit.data) if (form.unit.data or "").isdigit() else None
            issued = orders.issue_orders(
                db.session, g.user, kind=form.kind.data, requirement=form.requirement.data,
                due_on=form.due_on.data, cases=items, entries=entries, unit=unit,
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_problems(form, exc)
            return _render_issue(self, form, items, 422)
        numbers = "、".join(o.number for o in issued)
        flash(gettext("Issued %(n)d supervision orders: %(numbers)s", n=len(issued), numbers=numbers), "success")
        if len(issued) == 1:
            return redirect(url_for(".show", pk=issued[0].id))
        return redirect(url_for(".list"))

    # --- the order's page ----------------------------------------------------------------------

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        return self._show_page(self.get_scoped_item(pk))

    def _show_page(self, order: SupervisionOrder, status: int = 200, **forms: Any):
        self.update_redirect()
        answer_form = forms.get("answer_form") or AnswerForm(formdata=None)
        accept_form = forms.get("accept_form") or AcceptForm(formdata=None)
        escalate_form = forms.get("escalate_form") or EscalateForm(formdata=None)
        escalate_form.targets.choices = _target_choices(order)
        if escalate_form.targets.data is None:
            escalate_form.targets.data = [str(t.id) for t in order.targets]
        if escalate_form.due_on.data is None:
            escalate_form.due_on.data = current_policy().calendar.add_working_days(clock.today(), 3)
        user = g.user
        visible_case_ids(t.case_id for t in order.targets)  # one query for the page's cases
        following = db.session.execute(
            select(SupervisionOrder).where(SupervisionOrder.escalated_from_id == order.id,
                                           scope_clause(SupervisionOrder))
        ).scalars().all()
        return self.render_template(
            self.show_template,
            title=f"{order.number} {order.kind_label}",
            order=order,
            chain=orders.escalation_chain(order),
            following=following,
            answer_form=answer_form,
            accept_form=accept_form,
            escalate_form=escalate_form,
            next_kind=OrderKind.label_of(orders.next_kind(order.kind)) if orders.next_kind(order.kind) else "",
            can_answer=may("can_answer", self) and orders.may_answer(order, user) and order.is_open,
            can_decide=may("can_decide", self) and orders.may_supervise(order, user) and order.is_open,
            can_account=may("can_add", "AccountabilityView"),
            open_panel=forms.get("open_panel"),
            today=clock.today(),
        ), status

    @expose("/answer/<pk>", methods=["POST"])
    @has_access
    def answer(self, pk):
        return self.run_step(
            pk, AnswerForm(),
            lambda order, form: orders.answer_order(db.session, order, g.user, form.text.data),
            gettext("Answer sent to the supervisor."),
            panel="answer_form",
        )

    @expose("/accept/<pk>", methods=["POST"])
    @has_access
    def decide(self, pk):
        return self.run_step(
            pk, AcceptForm(),
            lambda order, form: orders.accept_answer(db.session, order, g.user, form.note.data),
            gettext("Answer accepted; the order is closed."),
            panel="accept_form",
        )

    @expose("/escalate/<pk>", methods=["POST"])
    @has_access
    @permission_name("decide")
    def escalate(self, pk):
        form = EscalateForm()
        order = self.get_scoped_item(pk)
        form.targets.choices = _target_choices(order)
        return self.run_step(
            pk, form,
            lambda order, form: orders.escalate_order(
                db.session, order, g.user, requirement=form.requirement.data, due_on=form.due_on.data,
                target_ids=[int(v) for v in form.targets.data or [] if str(v).isdigit()],
            ),
            gettext("Escalated: a new order was issued."),
            panel="escalate_form",
        )


# --- joint meetings ----------------------------------------------------------------------------------


class JointMeetingView(StepForms, ShowsEveryProblem, ScopedModelView):
    """联席会议: the record of the meeting; follow-up tasks on its page."""

    datamodel = ScopedInterface(JointMeeting)
    permission_group = "meetings"
    route_base = "/supervision/meetings"
    list_title = _l("Joint meetings")
    show_title = _l("Joint meeting")
    add_title = _l("Record a joint meeting")
    edit_title = _l("Edit joint meeting")
    label_columns = {
        "title": _l("Meeting"),
        "kind": _l("Meeting type"),
        "held_on": _l("Held on"),
        "convener": _l("Convened by"),
        "township": _l("Township"),
        "units": _l("Participating units"),
        "unit_names": _l("Participating units"),
        "case_numbers": _l("Cases discussed"),
        "decisions": _l("Decisions"),
        "created_by": _l("Recorded by"),
    }
    list_columns = ["held_on", "kind", "title", "convener", "township", "unit_names", "case_numbers"]
    export_columns = ["held_on", "kind", "title", "convener", "township", "unit_names", "case_numbers", "decisions"]
    add_columns = edit_columns = ["title", "kind", "held_on", "convener", "township", "units", "case_numbers",
                                  "decisions"]
    order_columns = ["held_on", "title"]
    base_order = ("held_on", "desc")
    search_columns = ["title", "kind", "held_on", "township", "convener"]
    org_choice_columns = {"township": "township", "units": "responsible"}
    default_township_column = "township"
    add_form_extra_fields = {"case_numbers": TextAreaField(_l("Cases discussed"), validators=[MaxLength(2000)])}
    edit_form_extra_fields = add_form_extra_fields
    validators_columns = {"held_on": [NotInFuture()], "decisions": [MaxLength(20000)]}
    description_columns = {
        "township": _l("Empty for a county-level meeting"),
        "case_numbers": _l("Case numbers, separated by spaces or commas"),
        "convener": _l("Who chaired, e.g. 县委副书记 周德明"),
    }
    # The cases discussed and the tasks have tables of their own on the page (the template).
    show_columns = ["title", "kind", "held_on", "convener", "township", "unit_names", "decisions", "created_by",
                    "created_at"]
    show_template = "xf/supervision/meeting_show.html"
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete", "can_export",
                        "can_add_task", "can_complete_task"]

    def prefill_form(self, form, pk) -> None:
        meeting = self.datamodel.get(pk)
        if meeting is not None:
            form.case_numbers.data = shown_numbers_for_form(meeting.cases)

    def validate_item(self, item: JointMeeting, is_new: bool) -> None:
        scope = current_scope()
        problems: list[DomainError] = []
        try:
            item.cases = relinked_cases(db.session, item.case_numbers, item.cases, scope)
        except DomainError as exc:
            problems.append(exc)
        problems += meetings.meeting_problems(item, scope)
        raise_problems(problems)
        meetings.summarize(item)

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        return self._show_page(self.get_scoped_item(pk))

    def _show_page(self, meeting: JointMeeting, status: int = 200, task_form: Any = None,
                   complete_forms: dict[int, Any] | None = None):
        self.update_redirect()
        widgets = self._get_show_widget(meeting.id, meeting)
        task_form = task_form or TaskForm(formdata=None)
        task_form.unit.choices = org_select_choices("responsible", gettext("Please choose"))
        user = g.user
        return self.render_template(
            self.show_template, pk=meeting.id, title=self.show_title, widgets=widgets, item=meeting,
            task_form=task_form, complete_forms=complete_forms or {},
            can_add_task=may("can_add_task", self) and may("can_edit", self),
            may_complete={t.id: may("can_complete_task", self) and meetings.may_complete(t, user)
                          for t in meeting.tasks},
            today=clock.today(),
        ), status

    @expose("/task/<pk>", methods=["POST"])
    @has_access
    def add_task(self, pk):
        form = TaskForm()
        form.unit.choices = org_select_choices("responsible", "")

        def apply(meeting: JointMeeting, form: TaskForm) -> None:
            unit = db.session.get(OrgUnit, int(form.unit.data)) if (form.unit.data or "").isdigit() else None
            if unit is not None and unit.id not in {i for i, _ in org_choices("responsible")}:
                unit = None
            meetings.add_task(db.session, meeting, unit, form.description.data, form.due_on.data, g.user)

        return self.run_step(pk, form, apply, gettext("Follow-up task added; it is in the unit's work queue."),
                             task_form=form)

    @expose("/task/<pk>/<int:task_id>/done", methods=["POST"])
    @has_access
    def complete_task(self, pk, task_id: int):
        meeting = self.get_scoped_item(pk)
        if not any(t.id == task_id for t in meeting.tasks):
            abort(404)
        form = CompleteTaskForm()

        def apply(meeting: JointMeeting, form: CompleteTaskForm) -> None:
            task = next(t for t in meeting.tasks if t.id == task_id)
            meetings.complete_task(db.session, task, g.user, form.note.data)

        return self.run_step(pk, form, apply, gettext("Task reported done."), complete_forms={task_id: form})


# --- the work queue: orders to answer, answers to review, meeting tasks ---------------------------------



def _orders_to_answer(user: Any) -> QueueSection | None:
    if not may("can_answer", "SupervisionOrderView"):
        return None
    where = orders.awaiting_answer_clause(user)
    total = db.session.execute(select(func.count()).select_from(SupervisionOrder).where(where)).scalar() or 0
    if not total:
        return None
    rows = db.session.execute(
        select(SupervisionOrder).where(where).order_by(SupervisionOrder.due_on, SupervisionOrder.id).limit(QUEUE_LIMIT)
    ).scalars()
    return QueueSection(
        "orders-to-answer", gettext("Supervision orders awaiting your unit's answer"),
        [QueueEntry(f"{o.number} {o.kind_label}", o.requirement[:80], url_for("SupervisionOrderView.show", pk=o.id),
                    o.due_on, shown_case_numbers(o.targets_summary)[:60]) for o in rows],
        total, url_for("SupervisionOrderView.list", q_status=OrderStatus.ISSUED.value),
    )


def _answers_to_review(user: Any) -> QueueSection | None:
    if not may("can_decide", "SupervisionOrderView"):
        return None
    where = orders.awaiting_review_clause(user)
    total = db.session.execute(select(func.count()).select_from(SupervisionOrder).where(where)).scalar() or 0
    if not total:
        return None
    rows = db.session.execute(
        select(SupervisionOrder).where(where).order_by(SupervisionOrder.answered_at, SupervisionOrder.id)
        .limit(QUEUE_LIMIT)
    ).scalars()
    return QueueSection(
        "answers-to-review", gettext("Answers to supervision orders awaiting your review"),
        [QueueEntry(f"{o.number} {o.kind_label}", o.unit.name if o.unit else "",
                    url_for("SupervisionOrderView.show", pk=o.id), o.answered_at,
                    shown_case_numbers(o.targets_summary)[:60])
         for o in rows],
        total, url_for("SupervisionOrderView.list", q_status=OrderStatus.ANSWERED.value),
    )


def _meeting_tasks(user: Any) -> QueueSection | None:
    if not may("can_complete_task", "JointMeetingView"):
        return None
    where = meetings.open_tasks_clause(user)
    total = db.session.execute(select(func.count()).select_from(MeetingTask).where(where)).scalar() or 0
    if not total:
        return None
    rows = db.session.execute(
        select(MeetingTask).where(where).order_by(MeetingTask.due_on, MeetingTask.id).limit(QUEUE_LIMIT)
    ).scalars()
    return QueueSection(
        "meeting-tasks", gettext("Follow-up tasks from joint meetings"),
        [QueueEntry(gettext("Joint meeting %(day)s", day=t.meeting.held_on.isoformat()), t.description[:80],
                    url_for("JointMeetingView.show", pk=t.meeting_id), t.due_on, t.meeting.title)
         for t in rows],
        total,
    )


def register_views(appbuilder) -> None:
    from app.core.display import register_vocabularies
    from app.core.menu import add_menu_view

    register_vocabularies(order_kind=OrderKind, order_status=OrderStatus, accountability_kind=AccountabilityKind,
                          meeting_kind=MeetingKind)
    add_menu_view(appbuilder, OverdueView, "Overdue cases", _l("Overdue and flagged cases"), "supervision",
                  "fa-clock")
    add_menu_view(appbuilder, SupervisionOrderView, "Supervision orders", _l("Supervision orders"), "supervision",
                  "fa-bell")
    add_menu_view(appbuilder, JointMeetingView, "Joint meetings", _l("Joint meetings"), "supervision", "fa-users")
    add_menu_view(appbuilder, AccountabilityView, "Accountability", _l("Accountability records"), "supervision",
                  "fa-gavel")
    register_queue_provider("supervision.orders_to_answer", _orders_to_answer)
    register_queue_provider("supervision.answers_to_review", _answers_to_review)
    register_queue_provider("supervision.meeting_tasks", _meeting_tasks)
