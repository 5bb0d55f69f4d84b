"""Pages of responsible leaders: leader records and pages, holdings (领导包案), the reception
schedule and records (接访/下访), and the leader score."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import g, request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from wtforms import StringField, TextAreaField

from app.cases.case_page import case_badge
from app.cases.references import (
    HIDDEN_CASE,
    cases_by_numbers,
    entries_by_numbers,
    overseen_petitioners,
    relinked_cases,
    shown_numbers_for_form,
    visible_case_ids,
)
from app.core import clock
from app.core.errors import DomainError, raise_problems
from app.core.record_page import ShowsEveryProblem, StepForms
from app.core.scoping import ScopeFilter, current_actor, current_scope, scope_clause
from app.core.validators import MaxLength, NotInFuture
from app.core.views import QuickSearch, ScopedModelView
from app.extensions import db
from app.leaders import rules, score
from app.leaders.forms import DutyForm, EndHoldingForm, HoldingNoteForm
from app.leaders.models import (
    DutyItem,
    Holding,
    HoldingStatus,
    Leader,
    LeaderRank,
    Reception,
    ReceptionKind,
    ReceptionSlot,
    ScoreKind,
    ScoreRule,
)
from app.security.access import may
from app.security.roles import RoleName


class ActableLeaderFilter(BaseFilter):
    """Leaders the user may keep records for (rules.may_act_for, as SQL): their own record; for
    office staff, the leaders of their area; everyone for the administrator."""

    name = "actable leaders"

    def apply(self, query, value):  # noqa: ARG002
        user = current_actor()
        roles = {r.name for r in getattr(user, "roles", [])}
        query = query.filter(Leader.active.is_(True))
        if RoleName.ADMIN in roles:
            return query.order_by(Leader.sort_order, Leader.id)
        own = Leader.user_id == getattr(user, "id", -1)
        if roles - {RoleName.LEADER}:
            query = query.filter(or_(own, scope_clause(Leader)))
        else:
            query = query.filter(own)
        return query.order_by(Leader.sort_order, Leader.id)


def _leader_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(Leader.id, Leader.name).where(scope_clause(Leader)).order_by(Leader.sort_order, Leader.id)
    ).all()
    return [(str(i), n) for i, n in rows]


def _date_arg(name: str, default: date) -> date:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return default


def _holding_state(holding: Holding) -> dict[str, Any]:
    """How a holding stands: the target's status and deadline badge."""
    case = holding.case
    if case is not None:
        css, badge = case_badge(case)
        return {"status": case.status_label, "due": case.next_due_at, "css": css, "badge": badge}
    entry = holding.ledger_entry
    return {"status": entry.status_label if entry else "", "due": None, "css": "", "badge": ""}


# --- leader records ----------------------------------------------------------------------------------


class LeaderView(ShowsEveryProblem, ScopedModelView):
    """责任领导: the records, and each leader's page (what they hold, receptions, score)."""

    datamodel = SQLAInterface(Leader)
    permission_group = "leaders"
    route_base = "/leaders/leaders"
    list_title = _l("Responsible leaders")
    show_title = _l("Responsible leader")
    add_title = _l("Add leader")
    edit_title = _l("Edit leader")
    label_columns = {
        "name": _l("Name"),
        "rank": _l("Rank"),
        "post": _l("Post"),
        "org_unit": _l("Org unit"),
        "user": _l("Login account"),
        "sort_order": _l("Sort order"),
        "active": _l("In office"),
    }
    list_columns = ["name", "rank", "post", "org_unit", "user", "active"]
    add_columns = edit_columns = ["name", "rank", "post", "org_unit", "user", "sort_order", "active"]
    order_columns = ["name", "rank", "sort_order"]
    base_order = ("sort_order", "asc")
    search_columns = ["name", "rank", "post", "org_unit", "active"]
    org_choice_columns = {"org_unit": "any"}
    add_form_query_rel_fields = {"user": [["id", ScopeFilter, None]]}
    edit_form_query_rel_fields = {"user": [["id", ScopeFilter, None]]}
    description_columns = {
        "user": _l("The account the leader signs in with: they then keep their own holdings and receptions"),
        "post": _l("e.g. 县委副书记, 镇长"),
    }
    show_template = "xf/leaders/leader_show.html"
    quick_search = (
        QuickSearch("name", _l("Name"), lambda v: Leader.name.like(f"%{v.strip()}%")),
        QuickSearch("rank", _l("Rank"), lambda v: Leader.rank == v, kind="select", choices=LeaderRank.choices),
    )

    def validate_item(self, item: Leader, is_new: bool) -> None:
        problems = rules.leader_problems(item, current_scope())
        raise_problems(problems)

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        leader = self.get_scoped_item(pk)
        self.update_redirect()
        widgets = self._get_show_widget(leader.id, leader)
        # Only the holdings the viewer may see: a holding of a case they may not open (a 检举控告
        # about their own unit, another township's case) is not theirs to read.
        holdings = db.session.execute(
            select(Holding).where(Holding.leader_id == leader.id, scope_clause(Holding))
            .options(selectinload(Holding.case), selectinload(Holding.ledger_entry), selectinload(Holding.duties))
            .order_by(Holding.status, Holding.taken_on.desc())
        ).scalars().all()
        today = clock.today()
        slots = db.session.execute(
            select(ReceptionSlot).where(ReceptionSlot.leader_id == leader.id, ReceptionSlot.day >= today)
            .order_by(ReceptionSlot.day, ReceptionSlot.start_time).limit(20)
        ).scalars().all()
        receptions = db.session.execute(
            select(Reception).where(Reception.leader_id == leader.id, scope_clause(Reception))
            .order_by(Reception.held_on.desc()).limit(10)
        ).scalars().all()
        year_start = today.replace(month=1, day=1)
        this_year = score.compute_scores(db.session, [leader], year_start, today)[0]
        return self.render_template(
            self.show_template, pk=leader.id, title=leader.display_name, widgets=widgets, item=leader,
            holdings=[(h, _holding_state(h)) for h in holdings], slots=slots, receptions=receptions,
            score=this_year, year_start=year_start, today=today, kind_label=ReceptionKind.label_of,
            can_hold=may("can_add", "HoldingView") and rules.may_act_for(g.user, leader),
        )


class DutyItemView(ScopedModelView):
    """包案职责: the duties of a holding (an editable list)."""

    datamodel = SQLAInterface(DutyItem)
    permission_group = "leader_rules"
    base_filters = []
    route_base = "/leaders/duties"
    list_title = _l("Holding duties")
    show_title = _l("Holding duty")
    add_title = _l("Add holding duty")
    edit_title = _l("Edit holding duty")
    label_columns = {"name": _l("Duty"), "description": _l("Description"), "sort_order": _l("Sort order"),
                     "active": _l("In use")}
    list_columns = ["name", "description", "sort_order", "active"]
    add_columns = edit_columns = show_columns = ["name", "description", "sort_order", "active"]
    base_order = ("sort_order", "asc")

    def validate_item(self, item: DutyItem, is_new: bool) -> None:
        item.name = (item.name or "").strip()
        clash = db.session.execute(
            select(DutyItem.id).where(DutyItem.name == item.name, DutyItem.id != (item.id or -1))
        ).first()
        if clash:
            raise DomainError(gettext("This duty is already on the list"), field="name")


class ScoreRuleView(ScopedModelView):
    """四联四包 score rules: the points per kind of event."""

    datamodel = SQLAInterface(ScoreRule)
    permission_group = "leader_rules"
    base_filters = []
    route_base = "/leaders/score-rules"
    list_title = _l("Leader score rules")
    show_title = _l("Leader score rule")
    add_title = _l("Add score rule")
    edit_title = _l("Edit score rule")
    label_columns = {"kind": _l("Score event"), "points": _l("Points"), "active": _l("In use"), "note": _l("Note")}
    list_columns = ["kind", "points", "active", "note"]
    add_columns = edit_columns = show_columns = ["kind", "points", "active", "note"]
    description_columns = {"points": _l("Positive to add, negative to deduct (e.g. 5 or -3)")}

    def validate_item(self, item: ScoreRule, is_new: bool) -> None:
        if not item.points:
            raise DomainError(gettext("A score rule must give or deduct points (not 0)"), field="points")
        if abs(item.points) > 1000:
            raise DomainError(gettext("At most 1000 points per event"), field="points")
        clash = db.session.execute(
            select(ScoreRule.id).where(ScoreRule.kind == item.kind, ScoreRule.id != (item.id or -1))
        ).first()
        if clash:
            raise DomainError(gettext("This event already has its rule"), field="kind")


# --- holdings (领导包案) ---------------------------------------------------------------------------------


class HoldingView(StepForms, ShowsEveryProblem, ScopedModelView):
    """领导包案: take a case or a ledger entry; tick off the duties; record notes; end it."""

    datamodel = SQLAInterface(Holding)
    permission_group = "holdings"
    route_base = "/leaders/holdings"
    list_title = _l("Leader holdings")
    show_title = _l("Leader holding")
    add_title = _l("Take a case (包案)")
    edit_title = _l("Edit holding")
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_export", "can_tick", "can_note",
                        "can_end"]
    label_columns = {
        "leader": _l("Leader"),
        "target_number": _l("Case or ledger number"),
        "target_title": _l("Title"),
        "case_number": _l("Case number"),
        "entry_number": _l("Ledger number"),
        "taken_on": _l("Taken on"),
        "goal": _l("Goal and measures"),
        "status": _l("Holding status"),
        "ended_on": _l("Ended on"),
        "duties_done": _l("Duties done"),
    }
    list_columns = ["leader", "target_number", "target_title", "taken_on", "status", "duties_done", "ended_on"]
    export_columns = ["leader", "target_number", "target_title", "taken_on", "goal", "status", "ended_on"]
    add_columns = ["leader", "case_number", "entry_number", "taken_on", "goal"]
    edit_columns = ["goal"]
    order_columns = ["taken_on", "status"]
    base_order = ("taken_on", "desc")
    search_columns = ["leader", "status", "taken_on"]
    add_form_query_rel_fields = {"leader": [["id", ActableLeaderFilter, None]]}
    search_form_query_rel_fields = {"leader": [["id", ScopeFilter, None]]}
    add_form_extra_fields = {
        "case_number": StringField(_l("Case number"), validators=[MaxLength(24)]),
        "entry_number": StringField(_l("Ledger number"), validators=[MaxLength(12)]),
    }
    validators_columns = {"taken_on": [NotInFuture()], "goal": [MaxLength(5000)]}
    description_columns = {
        "case_number": _l("e.g. XF2026-000123 — or a ledger number below, not both"),
        "entry_number": _l("e.g. TZ000045"),
    }
    show_template = "xf/leaders/holding_show.html"
    quick_search = (
        QuickSearch("leader", _l("Leader"), lambda v: Holding.leader_id == int(v) if v.isdigit() else None,
                    kind="select", choices=_leader_choices),
        QuickSearch("status", _l("Holding status"), lambda v: Holding.status == v, kind="select",
                    choices=HoldingStatus.choices),
        QuickSearch("number", _l("Case or ledger number"),
                    lambda v: Holding.target_number == v.strip().upper()),
    )

    def prefill_add_form(self, form) -> None:
        form.taken_on.data = clock.today()
        form.case_number.data = request.args.get("case", "")
        mine = rules.leader_for_user(db.session, g.user)
        if mine is not None:
            form.leader.data = mine

    def validate_item(self, item: Holding, is_new: bool) -> None:
        problems: list[DomainError] = []
        if is_new:
            scope = current_scope()
            case_text = (getattr(item, "case_number", "") or "").strip()
            entry_text = (getattr(item, "entry_number", "") or "").strip()
            try:
                found = cases_by_numbers(db.session, case_text, scope, field="case_number")
                if len(found) > 1:
                    raise DomainError(gettext("One case per holding"), field="case_number")
                item.case = found[0] if found else None
            except DomainError as exc:
                problems.append(exc)
            try:
                found = entries_by_numbers(db.session, entry_text, scope, field="entry_number")
                if len(found) > 1:
                    raise DomainError(gettext("One ledger entry per holding"), field="entry_number")
                item.ledger_entry = found[0] if found else None
            except DomainError as exc:
                problems.append(exc)
        if not problems:
            problems = rules.holding_problems(db.session, item, g.user, is_new)
        raise_problems(problems)
        if is_new:
            rules.start_holding(db.session, item)

    def pre_update(self, item: Holding) -> None:
        if not rules.may_act_for(g.user, item.leader):
            raise DomainError(gettext("You may not keep the records of %(name)s", name=item.leader.name))

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        return self._show_page(self.get_scoped_item(pk))

    def _show_page(self, holding: Holding, status: int = 200, **forms: Any):
        self.update_redirect()
        duty_form = forms.get("duty_form") or DutyForm(formdata=None, noted_on=clock.today())
        duty_form.duty.choices = [(str(d.id), d.name) for d in holding.duties if d.done_on is None]
        note_form = forms.get("note_form") or HoldingNoteForm(formdata=None, noted_on=clock.today())
        end_form = forms.get("end_form") or EndHoldingForm(formdata=None, ended_on=clock.today())
        acts = rules.may_act_for(g.user, holding.leader) and holding.is_active
        case = holding.case
        case_visible = case is not None and bool(visible_case_ids([case.id]))
        return self.render_template(
            self.show_template, title=f"{holding.leader.name} · {holding.target_number}", item=holding,
            state=_holding_state(holding), petitioners=overseen_petitioners(case), case_visible=case_visible,
            duty_form=duty_form, note_form=note_form, end_form=end_form,
            can={name: acts and may(f"can_{name}", self) for name in ("tick", "note", "end")},
            open_panel=forms.get("open_panel"),
        ), status

    @expose("/tick/<pk>", methods=["POST"])
    @has_access
    def tick(self, pk):
        form = DutyForm()
        form.duty.choices = [(str(d.id), d.name) for d in self.get_scoped_item(pk).duties]
        return self.run_step(
            pk, form,
            lambda h, f: rules.tick_duty(db.session, h, f.duty.data, f.noted_on.data, f.text.data, g.user),
            gettext("Duty ticked off."),
            panel="duty_form",
        )

    @expose("/note/<pk>", methods=["POST"])
    @has_access
    def note(self, pk):
        return self.run_step(
            pk, HoldingNoteForm(),
            lambda h, f: rules.add_note(db.session, h, f.noted_on.data, f.text.data, g.user),
            gettext("Note recorded."),
            panel="note_form",
        )

    @expose("/end/<pk>", methods=["POST"])
    @has_access
    def end(self, pk):
        return self.run_step(
            pk, EndHoldingForm(),
            lambda h, f: rules.end_holding(db.session, h, f.status.data, f.ended_on.data, f.note.data, g.user),
            gettext("Holding ended."),
            panel="end_form",
        )


# --- receptions -----------------------------------------------------------------------------------------


class ReceptionSlotView(ShowsEveryProblem, ScopedModelView):
    """领导接访安排: planned receptions, published on the schedule."""

    datamodel = SQLAInterface(ReceptionSlot)
    permission_group = "receptions"
    route_base = "/leaders/slots"
    list_title = _l("Reception plan")
    show_title = _l("Planned reception")
    add_title = _l("Plan a reception")
    edit_title = _l("Edit planned reception")
    label_columns = {
        "leader": _l("Leader"),
        "day": _l("Reception day"),
        "start_time": _l("From"),
        "end_time": _l("To"),
        "hours": _l("Hours"),
        "place": _l("Place"),
        "subjects": _l("Subjects received on"),
        "township": _l("Township"),
        "published": _l("Published"),
        "note": _l("Note"),
    }
    list_columns = ["day", "hours", "leader", "place", "subjects", "township", "published"]
    export_columns = ["day", "start_time", "end_time", "leader", "place", "subjects", "township", "published"]
    add_columns = edit_columns = ["leader", "day", "start_time", "end_time", "place", "subjects", "township",
                                  "published", "note"]
    order_columns = ["day"]
    base_order = ("day", "desc")
    search_columns = ["leader", "day", "township", "published"]
    org_choice_columns = {"township": "township"}
    add_form_query_rel_fields = {"leader": [["id", ActableLeaderFilter, None]]}
    edit_form_query_rel_fields = {"leader": [["id", ActableLeaderFilter, None]]}
    search_form_query_rel_fields = {"leader": [["id", ScopeFilter, None]]}
    description_columns = {
        "subjects": _l("The matters the leader receives on (专家门诊), e.g. 征地拆迁、劳动社保"),
        "township": _l("Where the reception takes place, if in a township"),
        "start_time": _l("HH:MM"),
        "end_time": _l("HH:MM"),
    }
    quick_search = (
        QuickSearch("leader", _l("Leader"), lambda v: ReceptionSlot.leader_id == int(v) if v.isdigit() else None,
                    kind="select", choices=_leader_choices),
        QuickSearch("from", _l("From day"), lambda v: ReceptionSlot.day >= _iso(v), kind="date"),
    )

    def prefill_add_form(self, form) -> None:
        form.day.data = clock.today() + timedelta(days=1)
        form.start_time.data, form.end_time.data = "09:00", "11:30"
        mine = rules.leader_for_user(db.session, g.user)
        if mine is not None:
            form.leader.data = mine

    def validate_item(self, item: ReceptionSlot, is_new: bool) -> None:
        problems = rules.slot_problems(item, g.user, is_new)
        raise_problems(problems)
        rules.fill_slot(item)


def _iso(value: str):
    try:
        return date.fromisoformat(value)
    except ValueError:
        return date.min


class ReceptionView(ShowsEveryProblem, ScopedModelView):
    """接访/下访 records: batches, persons, and the cases registered from them."""

    datamodel = SQLAInterface(Reception)
    permission_group = "receptions"
    route_base = "/leaders/receptions"
    list_title = _l("Receptions and visits")
    show_title = _l("Reception record")
    add_title = _l("Record a reception or visit")
    edit_title = _l("Edit reception record")
    label_columns = {
        "kind": _l("Kind"),
        "leader": _l("Leader"),
        "slot": _l("Planned reception"),
        "held_on": _l("Held on"),
        "place": _l("Place"),
        "township": _l("Township"),
        "village": _l("Village"),
        "batches": _l("Batches"),
        "persons": _l("Persons"),
        "summary": _l("Summary and instructions"),
        "case_numbers": _l("Cases registered"),
    }
    list_columns = ["held_on", "kind", "leader", "place", "township", "batches", "persons", "case_numbers"]
    export_columns = ["held_on", "kind", "leader", "place", "township", "village", "batches", "persons",
                      "case_numbers", "summary"]
    add_columns = edit_columns = ["kind", "leader", "slot", "held_on", "place", "township", "village", "batches",
                                  "persons", "case_numbers", "summary"]
    show_columns = ["kind", "leader", "held_on", "place", "township", "village", "batches", "persons",
                    "case_numbers", "summary"]
    order_columns = ["held_on", "persons"]
    base_order = ("held_on", "desc")
    search_columns = ["kind", "leader", "held_on", "township"]
    org_choice_columns = {"township": "township", "village": "village"}
    add_form_query_rel_fields = {"leader": [["id", ActableLeaderFilter, None]], "slot": [["id", ScopeFilter, None]]}
    edit_form_query_rel_fields = add_form_query_rel_fields
    search_form_query_rel_fields = {"leader": [["id", ScopeFilter, None]]}
    add_form_extra_fields = {"case_numbers": TextAreaField(_l("Cases registered"), validators=[MaxLength(2000)])}
    edit_form_extra_fields = add_form_extra_fields
    validators_columns = {"held_on": [NotInFuture()]}
    description_columns = {
        "case_numbers": _l("Numbers of the cases registered at this reception, separated by spaces or commas"),
        "batches": _l("批次: groups received"),
        "persons": _l("人次: people received"),
    }
    quick_search = (
        QuickSearch("leader", _l("Leader"), lambda v: Reception.leader_id == int(v) if v.isdigit() else None,
                    kind="select", choices=_leader_choices),
        QuickSearch("kind", _l("Kind"), lambda v: Reception.kind == v, kind="select", choices=ReceptionKind.choices),
        QuickSearch("from", _l("From day"), lambda v: Reception.held_on >= _iso(v), kind="date"),
    )

    def prefill_add_form(self, form) -> None:
        form.held_on.data = clock.today()
        mine = rules.leader_for_user(db.session, g.user)
        if mine is not None:
            form.leader.data = mine

    def prefill_form(self, form, pk) -> None:
        reception = self.datamodel.get(pk)
        if reception is not None:
            form.case_numbers.data = shown_numbers_for_form(reception.cases)

    def validate_item(self, item: Reception, is_new: bool) -> None:
        problems: list[DomainError] = []
        try:
            item.cases = relinked_cases(db.session, item.case_numbers, item.cases, current_scope())
        except DomainError as exc:
            problems.append(exc)
        problems += rules.reception_problems(item, g.user)
        raise_problems(problems)
        rules.fill_reception(item)


class ScheduleView(BaseView):
    """领导接访安排表: the published schedule, readable by every signed-in user."""

    permission_group = "schedule"
    route_base = "/leaders/schedule"
    default_view = "index"
    method_permission_name = {"index": "list"}
    previous_method_permission_name = method_permission_name

    @expose("/")
    @has_access
    def index(self):
        start = _date_arg("from", clock.today())
        weeks = request.args.get("weeks", "4")
        days = 7 * (int(weeks) if weeks.isdigit() and 1 <= int(weeks) <= 12 else 4)
        slots = rules.upcoming_slots(db.session, start, days)
        by_day: dict[date, list[rules.PublicSlot]] = {}
        for slot in slots:
            by_day.setdefault(slot.day, []).append(slot)
        return self.render_template(
            "xf/leaders/schedule.html", title=gettext("Leaders' reception schedule"), by_day=sorted(by_day.items()),
            start=start, end=start + timedelta(days=days - 1), weeks=days // 7,
            can_plan=may("can_add", "ReceptionSlotView"),
            weekdays=[gettext("Monday"), gettext("Tuesday"), gettext("Wednesday"), gettext("Thursday"),
                      gettext("Friday"), gettext("Saturday"), gettext("Sunday")],
        )


class LeaderScoreView(BaseView):
    """领导包案考评: points per leader per period, ranked, with the cases behind each point."""

    permission_group = "leader_score"
    route_base = "/leaders/score"
    default_view = "index"
    method_permission_name = {"index": "list", "detail": "list"}
    previous_method_permission_name = method_permission_name

    def _period(self) -> tuple[date, date]:
        today = clock.today()
        first = _date_arg("from", today.replace(month=1, day=1))
        last = _date_arg("to", today)
        return (last, first) if last < first else (first, last)

    @expose("/")
    @has_access
    def index(self):
        first, last = self._period()
        leaders = db.session.execute(
            select(Leader).where(scope_clause(Leader), Leader.active.is_(True)).order_by(Leader.sort_order, Leader.id)
        ).scalars().all()
        ranked = score.compute_scores(db.session, leaders, first, last)
        return self.render_template(
            "xf/leaders/score.html", title=gettext("Leader score"), scores=ranked, first=first, last=last,
            kinds=list(ScoreKind), rules=score.active_rules(db.session),
        )

    @expose("/<int:leader_id>")
    @has_access
    def detail(self, leader_id: int):
        from app.core.scoping import get_scoped

        leader = get_scoped(Leader, leader_id)
        if leader is None:
            from flask import abort

            abort(404)
        first, last = self._period()
        result = score.compute_scores(db.session, [leader], first, last)[0]
        visible = visible_case_ids(line.case_id for line in result.lines if line.case_id)
        return self.render_template(
            "xf/leaders/score_detail.html", title=gettext("Score of %(name)s", name=leader.name), leader=leader,
            score=result, first=first, last=last, visible=visible, hidden_case=HIDDEN_CASE,
        )


def register_views(appbuilder) -> None:
    from app.core.display import register_vocabularies
    from app.core.menu import add_menu_view

    register_vocabularies(leader_rank=LeaderRank, holding_status=HoldingStatus, reception_kind=ReceptionKind,
                          score_kind=ScoreKind)
    add_menu_view(appbuilder, ScheduleView, "Reception schedule", _l("Leaders' reception schedule"), "leaders",
                  "fa-calendar-alt")
    add_menu_view(appbuilder, LeaderView, "Leaders", _l("Responsible leaders"), "leaders", "fa-user-tie")
    add_menu_view(appbuilder, HoldingView, "Holdings", _l("Leader holdings"), "leaders", "fa-thumbtack")
    add_menu_view(appbuilder, ReceptionSlotView, "Reception plan", _l("Reception plan"), "leaders",
                  "fa-calendar-plus")
    add_menu_view(appbuilder, ReceptionView, "Receptions", _l("Receptions and visits"), "leaders", "fa-comments")
    add_menu_view(appbuilder, LeaderScoreView, "Leader score", _l("Leader score"), "leaders", "fa-trophy")
    add_menu_view(appbuilder, DutyItemView, "Holding duties", _l("Holding duties"), "admin", "fa-list-check")
    add_menu_view(appbuilder, ScoreRuleView, "Leader score rules", _l("Leader score rules"), "admin", "fa-star")
