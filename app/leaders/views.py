"""Pages of responsible leaders: leader records and pages, holdings (领导包案) and the leader
score (the reception schedule and 接访/下访 records: reception_views.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import g, request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import StringField

from app.cases.case_page import case_badge
from app.cases.references import (
    HIDDEN_CASE,
    cases_by_numbers,
    entries_by_numbers,
    overseen_petitioners,
    visible_case_ids,
)
from app.core import clock
from app.core.errors import DomainError, raise_problems
from app.core.paging import ListInterface, ScopedInterface
from app.core.quick_search import QuickSearch
from app.core.record_page import ShowsEveryProblem, StepForms
from app.core.scoping import ScopeFilter, current_scope, get_scoped, scope_clause
from app.core.validators import MaxLength, NotInFuture
from app.core.views import ScopedModelView
from app.extensions import db
from app.leaders import coverage_views, rules, score
from app.leaders.choices import ActableLeaderFilter, date_arg, leader_choices
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
from app.leaders.reception_views import ReceptionSlotView, ReceptionView, ScheduleView
from app.security.access import may


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

    datamodel = ScopedInterface(Leader)
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

    datamodel = ListInterface(DutyItem)
    permission_group = "leader_rules"
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

    datamodel = ListInterface(ScoreRule)
    permission_group = "leader_rules"
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

    datamodel = ScopedInterface(Holding)
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
                    kind="select", choices=leader_choices),
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
        proposed = get_scoped(Leader, request.args.get("leader"))  # from a 四联四包 proposal
        if proposed is not None and rules.may_act_for(g.user, proposed):
            form.leader.data = proposed

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



class LeaderScoreView(BaseView):
    """领导包案考评: points per leader per period, ranked, with the cases behind each point."""

    permission_group = "leader_score"
    route_base = "/leaders/score"
    default_view = "index"
    method_permission_name = {"index": "list", "detail": "list"}
    previous_method_permission_name = method_permission_name

    def _period(self) -> tuple[date, date]:
        today = clock.today()
        first = date_arg("from", today.replace(month=1, day=1))
        last = date_arg("to", today)
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
    from app.leaders.rota_views import ReceptionRotaView, RotaPlanView

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
    add_menu_view(appbuilder, RotaPlanView, "Reception rota", _l("Reception rota"), "admin", "fa-sync-alt")
    add_menu_view(appbuilder, ReceptionRotaView, "Reception rotas", _l("Reception rotas"), "admin", "fa-users-cog")
    coverage_views.register_views(appbuilder)  # 四联四包
    add_menu_view(appbuilder, DutyItemView, "Holding duties", _l("Holding duties"), "admin", "fa-list-check")
    add_menu_view(appbuilder, ScoreRuleView, "Leader score rules", _l("Leader score rules"), "admin", "fa-star")
