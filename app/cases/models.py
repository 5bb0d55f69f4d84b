"""Petition cases (信访件) and their petitioners.

Fields follow DOMAIN.md "Petition case": channel, received time, petitioners (a case may have
several), number of people, place (township/village), category (the three 条例 categories),
subject (a dictionary the admin edits), title, content, demands, responsible unit, flags and
status. The workflow's own tables (instructions, assignments, events …) live in
`app/cases/workflow*`; this module is the record itself.
"""

from __future__ import annotations

from typing import Any

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    event,
    false,
    inspect,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Session, deferred, relationship
from sqlalchemy.sql.elements import ColumnElement, False_

from app.core.calendar import DayKind
from app.core.choices import Choices
from app.core.models import Stamped, Versioned
from app.core.scoping import ScopeSpec
from app.org.models import ResolutionLevel

# 信访工作条例 Art. 20: a collective visit sends at most five representatives; five or more
# people petitioning together make it a collective visit (集体访).
COLLECTIVE_THRESHOLD = 5


class Channel(Choices):
    LETTER = "letter", _l("Letter")
    VISIT = "visit", _l("Visit")
    PHONE = "phone", _l("Phone call")
    EMAIL = "email", _l("E-mail")
    ONLINE = "online", _l("Online")
    REFERRED = "referred", _l("Referred from above")
    MAILBOX = "mailbox", _l("Leader mailbox")


class Mailbox(Choices):
    """The public portal's online mailboxes (seed 000: 区长信箱、部门信箱、乡镇信箱、村信箱)."""

    COUNTY_HEAD = "county_head", _l("County head's mailbox")
    DEPARTMENT = "department", _l("Department mailbox")
    TOWNSHIP = "township", _l("Township mailbox")
    VILLAGE = "village", _l("Village mailbox")


# Letters to these mailboxes are the county petition office's to register, assign and follow
# up (the workflow keeps them out of a township clerk's hands); the township still sees them,
# because the matter happens there (属地).
COUNTY_MAILBOXES = frozenset({Mailbox.COUNTY_HEAD.value, Mailbox.DEPARTMENT.value})


class Category(Choices):
    """The three categories of the 信访工作条例 (2022)."""

    SUGGESTION = "suggestion", _l("Suggestions and opinions")
    ACCUSATION = "accusation", _l("Reports and accusations")
    CLAIM = "claim", _l("Appeals and claims")


class CaseStatus(Choices):
    REGISTERED = "registered", _l("Registered")
    ACCEPTED = "accepted", _l("Accepted")
    NOT_ACCEPTED = "not_accepted", _l("Not accepted")
    PROPOSED = "proposed", _l("Proposal drafted")
    INSTRUCTED = "instructed", _l("Instructed")
    ASSIGNED = "assigned", _l("Assigned")
    RETURNED = "returned", _l("Sent back, to be reassigned")
    HANDLING = "handling", _l("Being handled")
    IN_REVIEW = "in_review", _l("Awaiting review")
    APPROVED = "approved", _l("Approved, awaiting reply")
    REPLIED = "replied", _l("Replied")
    REVIEWING = "reviewing", _l("Under review or re-review")
    CLOSED = "closed", _l("Closed")
    MERGED = "merged", _l("Merged")
    VOIDED = "voided", _l("Voided")


# Registrations that are not a matter of their own: merged into the case kept, or voided (作废:
# registered by mistake, app/cases/workflow/steps_registration.py `_void`). They stay findable
# with their history, but count in no figure, queue or overdue list — `Case.counted` is that
# rule, the one place.
UNCOUNTED_STATUSES = frozenset({CaseStatus.MERGED, CaseStatus.VOIDED})
# Nothing more happens to a case in these: it cannot be edited, supervised or taken on.
FINISHED_STATUSES = frozenset(
    {CaseStatus.CLOSED, CaseStatus.NOT_ACCEPTED, CaseStatus.MERGED, CaseStatus.VOIDED}
)


class Satisfaction(Choices):
    """The petitioner's rating at the follow-up (回访); 参评率 counts everything but NOT_RATED."""

    SATISFIED = "satisfied", _l("Satisfied")
    BASICALLY = "basically", _l("Basically satisfied")
    UNSATISFIED = "unsatisfied", _l("Unsatisfied")
    NOT_RATED = "not_rated", _l("Did not rate")


# Statuses in which the matter is still being handled (条例 Art. 19: not accepted again upward).
# 12345 platforms escalate an item redone (重办) or transferred (转办) more than 3 times in all
# (DOMAIN.md "Deadlines"): `Case.reworked_often`, served by the partial index below.
REWORK_LIMIT = 3
REWORKED_OFTEN_PREDICATE = f"redo_count + transfer_count > {REWORK_LIMIT}"

OPEN_STATUSES = frozenset(
    {
        CaseStatus.REGISTERED,
        CaseStatus.ACCEPTED,
        CaseStatus.PROPOSED,
        CaseStatus.INSTRUCTED,
        CaseStatus.ASSIGNED,
        CaseStatus.HANDLING,
        CaseStatus.RETURNED,
        CaseStatus.IN_REVIEW,
        CaseStatus.APPROVED,
        CaseStatus.REVIEWING,
    }
)


class Subject(Model):
    """The subject dictionary (征地拆迁, 劳动社保 …) the administrator edits."""

    __tablename__ = "subject"

    id = Column(Integer, primary_key=True)
    name = Column(String(50), nullable=False, unique=True)
    sort_order = Column(Integer, nullable=False, default=0)
    active = Column(Boolean, nullable=False, default=True)
    # 当场办结: a clerk may answer and close a matter of this subject at the window without a
    # leader's approval (the administrator's rule; otherwise a leader approves in one click).
    on_the_spot_allowed = Column(Boolean, nullable=False, default=False, server_default=false())

    def __repr__(self) -> str:
        return self.name or ""


class CaseNumberSequence(Model):
    """The last number handed out per year; incremented atomically (see numbering.py)."""

    __tablename__ = "case_number_sequence"

    year = Column(Integer, primary_key=True, autoincrement=False)
    last_value = Column(Integer, nullable=False, default=0)


class Case(Stamped, Versioned, Model):
    __tablename__ = "petition_case"
    # The handling unit sees its cases; so do the co-units of a joint review (会审).
    __scope__ = ScopeSpec(
        township="township_id",
        village="village_id",
        units=("responsible_unit_id",),
        unit_clause=lambda model, unit_ids, scope: _unit_branch(model, unit_ids, scope),
        units_follow_place=True,
        # 检举控告 (条例 Art. 30): never shown to the unit reported on, nor to anyone inside it.
        exclude=lambda model, scope: _not_reported_on(model, scope),
    )
    __table_args__ = (
        UniqueConstraint("number", name="uq_petition_case_number"),
        # A case sent by another platform (12345 hotline, the higher-level petition system) is
        # known by that platform's id: sending the same item twice finds this case again.
        # (A unique index, not a constraint: SQLite adds it without rebuilding the table.)
        Index("uq_petition_case_source_external", "source", "external_id", unique=True),
        # Sync over the API pages through what changed since a moment, oldest change first.
        Index("ix_case_updated", "updated_at", "id"),
        Index("ix_case_township_received", "township_id", "received_at"),
        Index("ix_case_received", "received_at"),
        Index("ix_case_status_received", "status", "received_at"),
        Index("ix_case_unit_received", "responsible_unit_id", "received_at"),
        Index("ix_case_category", "category"),
        Index("ix_case_subject", "subject_id"),
        Index("ix_case_village", "village_id"),
        # Work queues: what awaits action, by place/unit and status, soonest deadline first.
        # (County-wide queues filter on ix_case_status_received: an index on status alone
        # serves them as well, and every index costs the million-case load time.)
        # The trailing columns are what the queues also test (检举控告's reported-on unit, a
        # township's intake of mailbox letters): their counts then read the index alone.
        Index("ix_case_township_status_due", "township_id", "status", "next_due_at", "reported_unit_id", "mailbox"),
        Index("ix_case_unit_status_due", "responsible_unit_id", "status", "next_due_at", "reported_unit_id"),
        # The list filtered by status in its default order (newest first), per place or unit:
        # without these, a township's 250,000 closed cases were sorted to show the first 20.
        Index("ix_case_township_status_received", "township_id", "status", "received_at"),
        Index("ix_case_unit_status_received", "responsible_unit_id", "status", "received_at"),
        # County-wide "overdue / due soon" counts (home cards, supervision): a range on the
        # deadline, the status read from the index (closed cases have no deadline).
        Index("ix_case_due_status", "next_due_at", "status", "reported_unit_id"),
        # 我的信访件: a named handler's (首办责任人) cases by status, soonest deadline first.
        # Partial: cases of units without named persons have none; counted in, they made
        # SQLite's statistics say "a million rows per handler" and the queue read the unit index.
        Index("ix_case_handler_status_due", "handler_id", "status", "next_due_at",
              sqlite_where=text("handler_id IS NOT NULL"), postgresql_where=text("handler_id IS NOT NULL")),
        # Open cases by reply deadline (partial: closed cases, most of them, are left out): the
        # figures' "come due this month" (app/reports/rollup.py).
        Index("ix_case_open_due", "due_at", sqlite_where=text("closed_at IS NULL"),
              postgresql_where=text("closed_at IS NULL")),
        # Cases by the reply stage's deadline: the figures' "come due this month" (到期回复率 …);
        # the time received beside it tells the report's period from the index alone (a past
        # year's report: 0.4 ms instead of 3 ms over a million cases).
        Index("ix_case_reply_due", "reply_due_at", "received_at"),
        # Partial: few cases repeat or are merged; the index stays small and quick to build.
        Index("ix_case_repeat_of", "repeat_of_id", sqlite_where=text("repeat_of_id IS NOT NULL"),
              postgresql_where=text("repeat_of_id IS NOT NULL")),
        Index("ix_case_merged_into", "merged_into_id", sqlite_where=text("merged_into_id IS NOT NULL"),
              postgresql_where=text("merged_into_id IS NOT NULL")),
        # Cases redone or transferred more than 3 times (a handful of a million): partial, so
        # the supervision watch and the 督查督办 report read the few, not the table.
        # 积案 and 上级交办 are a few of a million: the 四联四包 page and the figures read them here.
        Index("ix_case_backlog", "is_backlog", "status"),
        Index("ix_case_referred", "is_referred", "referral_due"),
        Index("ix_case_reworked_often", "township_id", "status",
              sqlite_where=text(REWORKED_OFTEN_PREDICATE), postgresql_where=text(REWORKED_OFTEN_PREDICATE)),
    )

    # The long texts are loaded only when read (one query for the group): lists, queues and
    # reports never carry them, and sorting a big list does not drag them through SQLite's sorter.
    id = Column(Integer, primary_key=True)
    number = Column(String(24), nullable=False)
    channel = Column(String(16), nullable=False, info={"choices": Channel})
    received_at = Column(DateTime, nullable=False)
    township_id = Column(Integer, ForeignKey("org_unit.id"), nullable=False)
    village_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)
    responsible_unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)
    category = Column(String(16), nullable=False, info={"choices": Category})
    subject_id = Column(Integer, ForeignKey("subject.id"), nullable=True)
    title = Column(String(200), nullable=False)
    content = deferred(Column(Text, nullable=False), group="texts")
    demands = deferred(Column(Text, nullable=True), group="texts")
    people_count = Column(Integer, nullable=False, default=1)
    is_collective = Column(Boolean, nullable=False, default=False)
    is_repeat = Column(Boolean, nullable=False, default=False)
    skips_levels = Column(Boolean, nullable=False, default=False)
    status = Column(
        String(16), nullable=False, default=CaseStatus.REGISTERED.value, info={"choices": CaseStatus}
    )
    # Kept in step with the petitioner rows on every flush (see `_sync_case_fields`): lists and
    # exports show names without a query per row.
    petitioner_names = Column(String(200), nullable=False, default="")
    # Where a case created through the API came from (an API client's source code, e.g.
    # "hotline12345") and its id there; both empty for cases registered here.
    source = Column(String(32), nullable=True)
    external_id = Column(String(64), nullable=True)

    # --- the workflow, denormalised for lists, work queues and reports (no joins needed) ------
    # Maintained only by app/cases/workflow/; the step tables hold the details and history.
    accept_due_at = Column(DateTime, nullable=True)  # accept/refuse and assign by (Art. 22)
    accepted_at = Column(DateTime, nullable=True)
    refusal_reason = deferred(Column(Text, nullable=True), group="texts")  # printed on the 不予受理告知书
    responsible_leader_id = Column(
        Integer, ForeignKey("ab_user.id", name="fk_case_responsible_leader"), nullable=True
    )
    # 首办责任人: the person inside the responsible unit who holds the case (None: the unit as a
    # whole, as before); named at receipt or by a leader (workflow steps receive, name_handler).
    handler_id = Column(Integer, ForeignKey("ab_user.id", name="fk_case_handler"), nullable=True)
    # 当场办结 / 当日办结: registered, answered and closed at the window (workflow answer_at_window).
    on_the_spot = Column(Boolean, nullable=False, default=False, server_default=false())
    # 点名交办: a 批示 named the responsible leader; only they (or `reply_delegate`) sign the reply.
    leader_named = Column(Boolean, nullable=False, default=False, server_default=false())
    reply_delegate_id = Column(Integer, ForeignKey("ab_user.id", name="fk_case_reply_delegate"), nullable=True)
    instruction_count = Column(Integer, nullable=False, default=0, server_default=text("0"))
    assigned_at = Column(DateTime, nullable=True)  # latest 交办/转办
    # The handling deadline in force: the reply's, then a redo's after an unsatisfied follow-up
    # or a revoked 复查 (extension and pauses included).
    due_at = Column(DateTime, nullable=True)
    # The reply stage's own deadline (Art. 34: 60 days or the fast track, its extension and
    # pauses included): moves with due_at until the first reply, never after — the figures'
    # 按期答复 and 到期 read it (app/reports/figures.py).
    reply_due_at = Column(DateTime, nullable=True)
    due_kind = Column(String(16), nullable=True, info={"choices": DayKind})  # how pauses shift it
    # The reply period due_at comes from (app.core.calendar.Term as JSON): extensions and pauses
    # lengthen it and it rolls past rest days once; holidays entered later recompute due_at.
    due_term = deferred(Column(JSON(none_as_null=True), nullable=True), group="terms")
    extended = Column(Boolean, nullable=False, default=False, server_default=false())
    extension_days = Column(Integer, nullable=False, default=0, server_default=text("0"))
    extension_pending = Column(Boolean, nullable=False, default=False, server_default=false())
    paused_since = Column(DateTime, nullable=True)
    paused_days = Column(Integer, nullable=False, default=0, server_default=text("0"))
    findings = deferred(Column(Text, nullable=True), group="texts")  # 调查处理意见: internal
    reply_draft = deferred(Column(Text, nullable=True), group="texts")  # the handler's draft, internal until signed
    reply_text = deferred(Column(Text, nullable=True), group="texts")  # 答复意见 as signed: what the petitioner reads
    reply_signed_by_id = Column(
        Integer, ForeignKey("ab_user.id", name="fk_case_reply_signed_by"), nullable=True
    )
    replied_at = Column(DateTime, nullable=True)  # first answer to the petitioner
    followed_up_at = Column(DateTime, nullable=True)
    satisfaction = Column(String(16), nullable=True, info={"choices": Satisfaction})
    # Set while the case is closed: a 复查/复核 request reopens it (cleared until closed again).
    closed_at = Column(DateTime, nullable=True)
    closure = Column(String(16), nullable=True)  # how it was closed (workflow_models.ClosureKind)
    # 小事不出村、大事不出镇、难事不出县 (seed 003): the level that resolved it, set at closing from
    # the resolving unit (app/practices/levels.py), editable afterwards.
    resolution_level = Column(String(8), nullable=True, info={"choices": ResolutionLevel})
    # Returned for redo (重办) or back to the unit after an unsatisfied follow-up.
    redo_count = Column(Integer, nullable=False, default=0, server_default=text("0"))
    # Reassigned to another unit after a send-back (转办).
    transfer_count = Column(Integer, nullable=False, default=0, server_default=text("0"))
    # 复查 requested = 1, 复核 requested = 2.
    review_count = Column(Integer, nullable=False, default=0, server_default=text("0"))
    repeat_of_id = Column(
        Integer, ForeignKey("petition_case.id", name="fk_case_repeat_of"), nullable=True
    )
    merged_into_id = Column(
        Integer, ForeignKey("petition_case.id", name="fk_case_merged_into"), nullable=True
    )
    # Deadline of whatever the case waits for now (acceptance, the reply, a review's answer);
    # empty when nothing is pending. Work queues sort by it.
    next_due_at = Column(DateTime, nullable=True)
    # The petitioner asked for no text messages about this case (app/notifications/petitioners.py).
    sms_opt_out = Column(Boolean, nullable=False, default=False, server_default=false())
    last_step_at = Column(DateTime, nullable=True)  # when the latest step happened
    # 被反映单位: for a 检举控告 case, the unit the accusation is about. Its users (and those of
    # the units inside it) never see the case — see `__scope__.exclude` (条例 Art. 30).
    reported_unit_id = Column(
        Integer, ForeignKey("org_unit.id", name="fk_case_reported_unit"), nullable=True
    )
    # An accusation that arrives from outside (the portal, the API) names its unit itself, or
    # "不清楚": until a clerk of the county petition office confirms the reported unit, the case
    # is hidden from everyone but those clerks and the discipline organs (see `PENDING` below),
    # and what the letter named is kept here — hidden from that unit's own screeners too.
    claimed_reported_unit_id = Column(
        Integer, ForeignKey("org_unit.id", name="fk_case_claimed_reported_unit"), nullable=True
    )

    # --- the public portal (app/portal) -----------------------------------------------------
    # Which online mailbox the petitioner wrote to, and its org unit (the county, a department,
    # a township or a village). Empty for every other way a petition arrives.
    mailbox = Column(String(16), nullable=True, info={"choices": Mailbox})
    mailbox_unit_id = Column(
        Integer, ForeignKey("org_unit.id", name="fk_case_mailbox_unit"), nullable=True
    )

    # --- 积案 and 上级交办 (seeds 001, 004; app/cases/backlog.py marks them, with history) ------
    is_backlog = Column(Boolean, nullable=False, default=False, server_default=false())  # 信访积案
    is_referred = Column(Boolean, nullable=False, default=False, server_default=false())  # 上级交办
    referred_by = Column(String(100), nullable=True)  # 交办机关
    referral_number = Column(String(50), nullable=True)  # 交办文号
    referral_due = Column(Date, nullable=True)  # 交办期限: the referring body's own deadline

    township = relationship("OrgUnit", foreign_keys=[township_id], lazy="joined")
    village = relationship("OrgUnit", foreign_keys=[village_id])
    responsible_unit = relationship("OrgUnit", foreign_keys=[responsible_unit_id])
    reported_unit = relationship("OrgUnit", foreign_keys=[reported_unit_id])
    claimed_reported_unit = relationship("OrgUnit", foreign_keys=[claimed_reported_unit_id])
    mailbox_unit = relationship("OrgUnit", foreign_keys=[mailbox_unit_id])
    subject = relationship("Subject", lazy="joined")
    petitioners = relationship(
        "Petitioner",
        back_populates="case",
        cascade="all, delete-orphan",
        order_by="Petitioner.sort_order, Petitioner.id",
    )
    responsible_leader = relationship("AppUser", foreign_keys=[responsible_leader_id])
    reply_signed_by = relationship("AppUser", foreign_keys=[reply_signed_by_id])
    handler = relationship("AppUser", foreign_keys=[handler_id])
    reply_delegate = relationship("AppUser", foreign_keys=[reply_delegate_id])
    repeat_of = relationship("Case", remote_side=[id], foreign_keys=[repeat_of_id])
    merged_into = relationship("Case", remote_side=[id], foreign_keys=[merged_into_id])
    # passive_deletes: the ORM never loads the history to delete it (a case with history is
    # never deleted: the before-flush guard and a database trigger refuse; it is voided).
    events = relationship(
        "CaseEvent",
        back_populates="case",
        order_by="CaseEvent.occurred_at, CaseEvent.id",
        passive_deletes="all",
    )

    def __repr__(self) -> str:
        return self.number or ""

    @hybrid_property
    def counted(self) -> bool:
        """A matter of its own, counted in the figures (not merged away, not voided)."""
        return self.status not in UNCOUNTED_STATUSES

    @counted.inplace.expression
    @classmethod
    def _counted_expression(cls) -> ColumnElement[bool]:
        return cls.status.not_in(sorted(s.value for s in UNCOUNTED_STATUSES))

    @property
    def status_label(self) -> str:
        return CaseStatus.label_of(self.status)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_paused(self) -> bool:
        return self.paused_since is not None

    @hybrid_property
    def reworked_often(self) -> bool:
        """Redone or transferred more than REWORK_LIMIT times in all (DOMAIN.md), any status."""
        return (self.redo_count or 0) + (self.transfer_count or 0) > REWORK_LIMIT

    @reworked_often.inplace.expression
    @classmethod
    def _reworked_often_expression(cls) -> ColumnElement[bool]:
        # A literal limit, as in the index's predicate: a bound parameter would not match it.
        return cls.redo_count + cls.transfer_count > literal_column(str(REWORK_LIMIT))

    @hybrid_property
    def needs_supervision(self) -> bool:
        """Still open, and redone or transferred more than REWORK_LIMIT times in all: the
        supervision watch flags it (app/supervision/orders.py lists and reports it)."""
        return self.status in OPEN_STATUSES and self.reworked_often

    @needs_supervision.inplace.expression
    @classmethod
    def _needs_supervision_expression(cls) -> ColumnElement[bool]:
        return and_(cls.status.in_(sorted(s.value for s in OPEN_STATUSES)), cls.reworked_often)

    @property
    def reported_unit_pending(self) -> bool:
        """An accusation from outside whose reported unit the petition office has not yet set:
        its `reported_unit` is the county itself (see `_not_reported_on`)."""
        unit = self.reported_unit
        return unit is not None and unit.parent_id is None

    @property
    def county_intake(self) -> bool:
        """Written to a county-level mailbox: the county petition office registers it."""
        return self.mailbox in COUNTY_MAILBOXES


def _not_reported_on(model, scope):
    """Not reporting on a unit of the user's lineage. An accusation from outside whose unit is
    not yet confirmed reports, for now, on the county itself (the root of every lineage): it is
    hidden from everyone except the screeners — the county petition office's clerks and the
    discipline organs, whose lineage leaves the root out (`scope_for_user`) — and from those
    among them whom the letter itself names (`claimed_reported_unit_id`)."""
    clause = or_(model.reported_unit_id.is_(None), model.reported_unit_id.not_in(scope.lineage))
    if scope.screens_accusations:
        clause = and_(clause, or_(model.claimed_reported_unit_id.is_(None),
                                  model.claimed_reported_unit_id.not_in(scope.lineage)))
    return clause


def _keep_old_texts(target: Any, value: Any, old: Any, initiator: Any) -> Any:
    return value


# A change to a deferred text still records its old value (the audit log shows before/after):
# listening with active_history loads the old value before it is replaced.
for _text in (Case.content, Case.demands, Case.refusal_reason, Case.findings, Case.reply_draft, Case.reply_text):
    event.listen(_text, "set", _keep_old_texts, retval=True, active_history=True)


def _unit_branch(model, unit_ids, scope):
    """Beyond the unit's own cases: its 会审 co-unit cases, and for the discipline organs the
    accusations from outside held for screening (they report on the county for now)."""
    clause = _co_unit_clause(model, unit_ids, scope)
    if scope.screens_accusations and scope.screening_root is not None and not scope.everything:
        held = model.reported_unit_id == scope.screening_root
        return held if isinstance(clause, False_) else or_(clause, held)
    return clause


def _co_unit_clause(model, unit_ids, scope):
    """Cases on which one of `unit_ids` is a 会审 co-unit.

    Most units are co-units of nothing outside their own place: a quick indexed look-up (cached
    for the request) leaves the branch out then, so the scope stays a single indexed condition
    (an OR with a subquery makes SQLite sort every case of the township before the first page).
    """
    from flask import g, has_request_context

    from app.cases.workflow_models import JointReviewUnit
    from app.extensions import db

    # Co-unit cases inside the user's own place are visible anyway.
    place = scope.township_ids if scope.units_within_place else frozenset()
    key = (frozenset(unit_ids), place)
    cached = g.setdefault("_xf_co_unit_cache", {}) if has_request_context() else {}
    if key not in cached:
        probe = (
            select(JointReviewUnit.case_id)
            .join(model, model.id == JointReviewUnit.case_id)
            .where(JointReviewUnit.unit_id.in_(unit_ids))
        )
        if place:
            probe = probe.where(model.township_id.not_in(place))
        cached[key] = db.session.execute(probe.limit(1)).first() is not None
    if not cached[key]:
        return false()
    return model.id.in_(
        select(JointReviewUnit.case_id).where(JointReviewUnit.unit_id.in_(unit_ids))
    )


class Petitioner(Model):
    """A person who petitions in a case. Personal data: masked outside the case's handlers."""

    __tablename__ = "petitioner"
    __scope__ = ScopeSpec(parent=("case_id", "Case"))
    __table_args__ = (
        Index("ix_petitioner_case", "case_id"),
        Index("ix_petitioner_id_number", "id_number"),
        Index("ix_petitioner_phone", "phone"),
        Index("ix_petitioner_name", "name"),
    )

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("petition_case.id", ondelete="CASCADE"), nullable=False)
    name = Column(String(50), nullable=False)
    # info "personal": masked wherever it is copied, e.g. into the audit log.
    id_number = Column(String(18), nullable=True, info={"personal": "id_number"})
    phone = Column(String(24), nullable=True, info={"personal": "phone"})
    address = Column(String(200), nullable=True)
    sort_order = Column(Integer, nullable=False, default=0)

    case = relationship("Case", back_populates="petitioners")

    def __repr__(self) -> str:
        return self.name or ""


def summarize_petitioners(case: Case) -> str:
    names = "、".join(p.name for p in case.petitioners if p.name)
    return names if len(names) <= 200 else names[:197] + "…"


@event.listens_for(Session, "before_flush")
def _sync_case_fields(session: Session, flush_context, instances) -> None:  # noqa: ARG001
    """Derived fields, whichever way a case is written (form, API, import, seed).

    A new case gets its number; the collective flag follows the number of people (Art. 20);
    the petitioner summary follows the rows.
    """
    from app.cases.numbering import next_case_number
    from app.core.clock import now

    cases: dict[int, Case] = {}
    summaries: dict[int, Case] = {}
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Case):
            cases[id(obj)] = obj
            state = inspect(obj)
            if state.pending or state.attrs.petitioners.history.has_changes():
                summaries[id(obj)] = obj
        elif isinstance(obj, Petitioner) and obj.case is not None:
            summaries[id(obj.case)] = obj.case
            cases[id(obj.case)] = obj.case
    for case in cases.values():
        if case in session.deleted:
            continue
        if id(case) in summaries:
            summary = summarize_petitioners(case)
            if case.petitioner_names != summary:
                case.petitioner_names = summary
        if case.people_count is None or case.people_count < 1:
            case.people_count = max(1, len(case.petitioners))
        collective = case.people_count >= COLLECTIVE_THRESHOLD
        if case.is_collective != collective:
            case.is_collective = collective
    # Numbers in registration order (a batch registered together keeps its order).
    unnumbered = sorted(
        (c for c in cases.values() if not c.number and c not in session.deleted),
        key=lambda c: c.created_at or now(),
    )
    for case in unnumbered:
        case.number = next_case_number(session, (case.created_at or now()).year)
