"""一案一档: what other areas hold about a case, gathered for its page (issue 19).

Each kind is read as its own page reads it: only for a user whose role opens that kind at all
(`may("can_show", view)`), and each record through its own scope (`scope_clause`: its township,
its unit, the 检举控告 exclusion). A record the viewer may not open is shown as "（无权查看）" —
never its contents. One statement per kind (the record and whether the viewer may open it, as
one column) and one for the children of the visible ones: the page costs the same whatever the
number of records, no statement per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.attachments.models import (
    AnswerAttachment,
    CaseAttachment,
    LedgerAttachment,
    MediationAttachment,
    MeetingAttachment,
)
from app.cases.models import Case
from app.cases.workflow_models import Instruction
from app.core.scoping import scope_clause
from app.extensions import db
from app.leaders.models import Holding, HoldingNote, Reception, ReceptionCase, ReceptionKind
from app.ledgers.models import EntryStatus, LedgerEntry, LedgerParty, ListLevel
from app.mediation.models import MediationRecord, Outcome
from app.security.access import may
from app.supervision.models import (
    AccountabilityCase,
    AccountabilityKind,
    AccountabilityRecord,
    JointMeeting,
    MeetingCase,
    MeetingTask,
    OrderAnswer,
    OrderTarget,
    SupervisionOrder,
)

# What a section prints instead of a record the viewer may not open.
HIDDEN_RECORD = _l("(a record you may not open)")


@dataclass
class Item:
    """One record as the section prints it: cells, a link, and its children's lines."""

    visible: bool
    cells: list[Any] = field(default_factory=list)
    url: str | None = None
    text: str = ""
    children: list[list[Any]] = field(default_factory=list)


@dataclass
class Section:
    kind: str
    label: Any
    headers: list[Any]
    items: list[Item]
    child_label: Any = ""


def _with_visibility(model: Any, *where: Any, order: tuple = ()) -> list[tuple[Any, bool]]:
    """The records of `model` matching `where`, each with "may the viewer open it" — one statement."""
    visible = scope_clause(model).label("xf_visible")
    rows = db.session.execute(select(model, visible).where(*where).order_by(*order)).all()
    return [(record, bool(shown)) for record, shown in rows]


def _children(model: Any, key: Any, ids: list[int], order: tuple, *options: Any) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = {}
    if ids:
        query = select(model).where(key.in_(ids)).order_by(*order).options(*options)
        for child in db.session.execute(query).scalars():
            found.setdefault(getattr(child, key.key), []).append(child)
    return found


def _instructions(case: Case) -> Section:
    rows = db.session.execute(
        select(Instruction).where(Instruction.case_id == case.id).order_by(Instruction.instructed_at, Instruction.id)
    ).scalars()
    items = [Item(True, [i.instructed_at, i.author_name], text=i.text) for i in rows]
    return Section("instructions", _l("Leaders' instructions (批示)"), [_l("Time"), _l("Leader")], items)


def _holdings(case: Case) -> Section:
    rows = _with_visibility(Holding, Holding.case_id == case.id, order=(Holding.taken_on, Holding.id))
    notes = _children(HoldingNote, HoldingNote.holding_id, [h.id for h, shown in rows if shown],
                      (HoldingNote.noted_on, HoldingNote.id))
    items = [
        Item(True, [h.leader.name if h.leader else "", h.taken_on, h.status_label],
             url_for("HoldingView.show", pk=h.id), h.goal or "",
             [[n.noted_on, n.duty_name or "", n.text] for n in notes.get(h.id, [])])
        if shown else Item(False) for h, shown in rows
    ]
    return Section("holdings", _l("Leaders holding the case (包案)"),
                   [_l("Leader"), _l("Taken on"), _l("Status")], items, _l("Notes"))


def _orders(case: Case) -> Section:
    rows = _with_visibility(
        SupervisionOrder, SupervisionOrder.id.in_(select(OrderTarget.order_id).where(OrderTarget.case_id == case.id)),
        order=(SupervisionOrder.issued_at, SupervisionOrder.id))
    answers = _children(OrderAnswer, OrderAnswer.order_id, [o.id for o, shown in rows if shown],
                        (OrderAnswer.answered_at, OrderAnswer.id), joinedload(OrderAnswer.unit))
    items = [
        Item(True, [o.number, o.kind_label, o.unit.name if o.unit else "", o.issued_at, o.due_on, o.status_label],
             url_for("SupervisionOrderView.show", pk=o.id), o.requirement,
             [[a.answered_at, a.unit.name if a.unit else "", a.text] for a in answers.get(o.id, [])])
        if shown else Item(False) for o, shown in rows
    ]
    return Section("orders", _l("Supervision orders (督办单)"),
                   [_l("Number"), _l("Kind"), _l("Addressed unit"), _l("Issued at"), _l("Answer due"), _l("Status")],
                   items, _l("Written answers"))


def _meetings(case: Case) -> Section:
    rows = _with_visibility(
        JointMeeting, JointMeeting.id.in_(select(MeetingCase.meeting_id).where(MeetingCase.case_id == case.id)),
        order=(JointMeeting.held_on, JointMeeting.id))
    tasks = _children(MeetingTask, MeetingTask.meeting_id, [m.id for m, shown in rows if shown],
                      (MeetingTask.due_on, MeetingTask.id))
    items = [
        Item(True, [m.held_on, m.title, m.convener], url_for("JointMeetingView.show", pk=m.id), m.decisions or "",
             [[t.due_on, t.unit.name if t.unit else "", t.description, t.done] for t in tasks.get(m.id, [])])
        if shown else Item(False) for m, shown in rows
    ]
    return Section("meetings", _l("Joint meetings (联席会议)"), [_l("Held on"), _l("Title"), _l("Convener")],
                   items, _l("Tasks"))


def _receptions(case: Case) -> Section:
    rows = _with_visibility(
        Reception, Reception.id.in_(select(ReceptionCase.reception_id).where(ReceptionCase.case_id == case.id)),
        order=(Reception.held_on, Reception.id))
    items = [
        Item(True, [r.held_on, ReceptionKind.label_of(r.kind), r.leader.name if r.leader else "", r.place],
             url_for("ReceptionView.show", pk=r.id), r.summary or "")
        if shown else Item(False) for r, shown in rows
    ]
    return Section("receptions", _l("Receptions and visits (接访 · 下访)"),
                   [_l("Held on"), _l("Kind"), _l("Leader"), _l("Place")], items)


def _mediations(case: Case) -> Section:
    rows = _with_visibility(MediationRecord, MediationRecord.case_id == case.id,
                            order=(MediationRecord.applied_on, MediationRecord.id))
    items = [
        Item(True, [m.applied_on, m.title, Outcome.label_of(m.outcome), m.mediator_names],
             url_for("MediationRecordView.show", pk=m.id), m.agreement or "")
        if shown else Item(False) for m, shown in rows
    ]
    return Section("mediations", _l("Mediation (调解)"),
                   [_l("Applied on"), _l("Dispute"), _l("Outcome"), _l("Mediators")], items)


def _ledger(case: Case) -> Section:
    rows = _with_visibility(
        LedgerEntry, LedgerEntry.id.in_(select(LedgerParty.entry_id).where(LedgerParty.case_id == case.id)),
        order=(LedgerEntry.found_on, LedgerEntry.id))
    items = [
        Item(True, [e.number, e.title, ListLevel.label_of(e.level), EntryStatus.label_of(e.status)],
             url_for("LedgerEntryView.show", pk=e.id), e.measures or "")
        if shown else Item(False) for e, shown in rows
    ]
    return Section("ledger", _l("Dispute ledger"), [_l("Ledger number"), _l("Dispute"), _l("List level"),
                                                    _l("Status")], items)


def _accountability(case: Case) -> Section:
    rows = _with_visibility(
        AccountabilityRecord,
        AccountabilityRecord.id.in_(select(AccountabilityCase.record_id).where(AccountabilityCase.case_id == case.id)),
        order=(AccountabilityRecord.decided_on, AccountabilityRecord.id))
    items = [
        Item(True, [r.decided_on, AccountabilityKind.label_of(r.kind),
                    " ".join(x for x in (r.unit.name if r.unit else "", r.person_name or "") if x),
                    r.decided_by, r.document_number or ""],
             url_for("AccountabilityView.show", pk=r.id), r.reason)
        if shown else Item(False) for r, shown in rows
    ]
    return Section("accountability", _l("Accountability (问责)"),
                   [_l("Decided on"), _l("Kind"), _l("Held to account"), _l("Decided by"), _l("Document number")],
                   items)


def _attachments(case: Case) -> Section:
    """The case's own files, then those of the records linked to it (ledger entries, mediation
    records, 督办 answers, joint meetings) — each kind only for a role that opens its attachment
    pages, each file only through a parent the viewer may open (its model's scope)."""
    rows: list[tuple[Any, Any, str]] = []
    if may("can_show", "CaseAttachmentView"):
        own = db.session.execute(
            select(CaseAttachment).where(CaseAttachment.case_id == case.id).order_by(CaseAttachment.id)
        ).scalars()
        rows += [(a, _l("This case"), "CaseAttachmentView") for a in own]
    for view, model, where, owner_of in _LINKED_ATTACHMENTS:
        if not may("can_show", view):
            continue
        found = db.session.execute(
            select(model).where(where(case), scope_clause(model)).order_by(model.id)
        ).scalars()
        rows += [(a, owner_of(a), view) for a in found]
    items = [Item(True, [a.original_name, owner, a.created_at, a.description or ""],
                  url_for(f"{view}.download", pk=a.id)) for a, owner, view in rows]
    return Section("attachments", _l("Attachments"),
                   [_l("File"), _l("Belongs to"), _l("Uploaded at"), _l("Description")], items)


def _linked_entries(case: Case) -> Any:
    return select(LedgerParty.entry_id).where(LedgerParty.case_id == case.id)


# (attachment view, model, "linked to the case" condition, how the file's record is named)
_LINKED_ATTACHMENTS = (
    ("LedgerAttachmentView", LedgerAttachment, lambda c: LedgerAttachment.entry_id.in_(_linked_entries(c)),
     lambda a: f"{_l('Dispute ledger')} {a.entry.number}"),
    ("MediationAttachmentView", MediationAttachment,
     lambda c: MediationAttachment.record_id.in_(select(MediationRecord.id).where(MediationRecord.case_id == c.id)),
     lambda a: f"{_l('Mediation (调解)')} {a.record.title}"),
    ("AnswerAttachmentView", AnswerAttachment,
     lambda c: AnswerAttachment.answer_id.in_(
         select(OrderAnswer.id).join(OrderTarget, OrderTarget.order_id == OrderAnswer.order_id)
         .where(OrderTarget.case_id == c.id)),
     lambda a: f"{_l('Written answers')} {a.answer.order.number}"),
    ("MeetingAttachmentView", MeetingAttachment,
     lambda c: MeetingAttachment.meeting_id.in_(select(MeetingCase.meeting_id).where(MeetingCase.case_id == c.id)),
     lambda a: f"{_l('Joint meetings (联席会议)')} {a.meeting.title}"),
)


# (section builder, the view whose permission opens that kind of record)
KINDS = (
    (_instructions, "CaseView"),
    (_holdings, "HoldingView"),
    (_orders, "SupervisionOrderView"),
    (_meetings, "JointMeetingView"),
    (_receptions, "ReceptionView"),
    (_mediations, "MediationRecordView"),
    (_ledger, "LedgerEntryView"),
    (_accountability, "AccountabilityView"),
    (_attachments, None),  # each kind of file asks its own view (above)
)


def gather(case: Case) -> list[Section]:
    """The sections with at least one record, for the case page's viewer (who may open `case`)."""
    sections = []
    for build, view in KINDS:
        if view is None or may("can_show", view):
            section = build(case)
            if section.items:
                sections.append(section)
    return sections
