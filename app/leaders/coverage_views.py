"""四联四包 page (leaders area): the overdue and 积案 cases no county leader holds, each county
leader's holdings (those holding none flagged), the proposals waiting for a leader, and the
supervisor's proposal form (app/leaders/coverage.py holds the rules).

Permissions: the "overdue" group — leaders, supervisors and managers read (as the overdue
watch list); proposing is the supervisor's `can_issue`, as issuing a 督办单 is.
"""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from app.cases.case_page import case_badge
from app.cases.references import cases_by_numbers
from app.core.clock import now
from app.core.errors import DomainError, raise_problems
from app.core.record_page import show_problems
from app.core.scoping import current_scope, get_scoped, scope_clause
from app.extensions import db
from app.leaders import coverage, rules
from app.leaders.models import Leader, LeaderRank
from app.security.access import may


class ProposalForm(FlaskForm):
    case_number = StringField(_l("Case number"), validators=[Optional()])
    leader = SelectField(_l("County-level leader"), choices=[], validate_choice=False)
    note = TextAreaField(_l("Why this leader (goal and measures proposed)"), validators=[Optional()])


def _leader_choices() -> list[tuple[str, str]]:
    """County-level leaders in office the viewer sees, those holding fewest cases first."""
    held = {h.leader.id: h.cases for h in coverage.county_leader_holdings(db.session)}
    leaders = db.session.execute(
        select(Leader).where(Leader.rank == LeaderRank.COUNTY.value, Leader.active.is_(True), scope_clause(Leader))
        .order_by(Leader.sort_order, Leader.id)
    ).scalars().all()
    leaders = sorted(leaders, key=lambda leader: held.get(leader.id, 0))
    return [("", "—")] + [
        (str(leader.id), gettext("%(name)s (holds %(n)d)", name=leader.display_name, n=held.get(leader.id, 0)))
        for leader in leaders
    ]


class CoverageView(BaseView):
    """四联四包: who holds the overdue and 积案 cases, who holds nothing, and proposals."""

    permission_group = "overdue"
    route_base = "/leaders/coverage"
    default_view = "index"
    method_permission_name = {"index": "list", "propose": "issue"}
    previous_method_permission_name = method_permission_name

    @expose("/")
    @has_access
    def index(self):
        moment = now()
        cases, total = coverage.unheld_cases(db.session, moment)
        proposals = coverage.pending_proposals(db.session)
        proposed = {}
        for p in proposals:
            proposed.setdefault(p.case_id, []).append(p.leader.name)
        holdings = coverage.county_leader_holdings(db.session)
        return self.render_template(
            "xf/leaders/coverage.html", title=gettext("Leader coverage (四联四包)"),
            cases=[(c, case_badge(c, moment)) for c in cases], total=total, proposed=proposed,
            holdings=holdings, none_held=sum(1 for h in holdings if h.holds_none), proposals=proposals,
            # A township's supervisor sees no county leader to propose (their records are the county's).
            can_propose=may("can_issue", self) and bool(holdings), can_take=may("can_add", "HoldingView"),
            acts_for=lambda leader: rules.may_act_for(g.user, leader),
        )

    @expose("/propose", methods=["GET", "POST"])
    @has_access
    def propose(self):
        form = ProposalForm(formdata=request.form if request.method == "POST" else None)
        form.leader.choices = _leader_choices()
        if request.method == "GET":
            form.case_number.data = request.args.get("case", "")
            return self._form_page(form)
        if form.validate():
            try:
                case, leader = self._parse(form)
                note = (form.note.data or "").strip()
                raise_problems(coverage.proposal_problems(db.session, case, leader, note))
                coverage.propose(db.session, case, leader, note)
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                show_problems(form, exc)
            else:
                flash(gettext("Proposed: %(name)s to hold %(number)s", name=leader.name, number=case.number), "success")
                return redirect(url_for(".index"))
        return self._form_page(form, 422)

    @staticmethod
    def _parse(form: ProposalForm):
        problems: list[DomainError] = []
        case = leader = None
        text = (form.case_number.data or "").strip()
        if not text:
            problems.append(DomainError(gettext("Enter the case number"), field="case_number"))
        else:
            try:
                found = cases_by_numbers(db.session, text, current_scope(), field="case_number")
                if len(found) > 1:
                    raise DomainError(gettext("One case per holding"), field="case_number")
                case = found[0]
            except DomainError as exc:
                problems.append(exc)
        if form.leader.data:
            leader = get_scoped(Leader, form.leader.data)
        if leader is None:
            problems.append(DomainError(gettext("Choose the leader"), field="leader"))
        raise_problems(problems)
        return case, leader

    def _form_page(self, form: ProposalForm, status: int = 200):
        return self.render_template("xf/leaders/coverage_propose.html", title=gettext("Propose a holding (包案)"),
                                    form=form), status


def register_views(appbuilder) -> None:
    from app.core.menu import add_menu_view

    add_menu_view(appbuilder, CoverageView, "Leader coverage", _l("Leader coverage (四联四包)"), "leaders", "fa-people-arrows")
