"""Supervision orders (督办单): which cases need supervision, and the rules of an order's life.

    issue ──▶ issued ──answer (the addressed unit)──▶ answered ──accept──▶ closed
                 │                                      │
                 └──────────── escalate ────────────────┴──▶ escalated  (+ a new order of the
                                                                        next kind: 催办 → 督办 → 约谈;
                                                                        挂牌督办 → 约谈)

Seed 004's rhythm: overdue → the 督查室 supervises → still overdue → the secretary talks with the
responsible leader (约谈). Nothing goes past 约谈: what follows is accountability (问责).

Who may do what:
- issue, accept, escalate: a 督查员 (or the administrator), on cases and ledger entries inside
  their scope; an order is decided by the supervisors of the township that issued it — or by
  the county's, who oversee every township (their review queue lists the county's own orders);
- answer: a user of the addressed unit (the unit's 承办人 or leader; the permission layer says
  which roles), while the order awaits its answer. Answers are written (书面答复) and kept.

The watch list (what a supervisor should look at): open cases that are overdue (超期) or near
their deadline (临期, the deadline policy's warning threshold: app/cases/flags.py), and open
cases returned for redo or transferred more than 3 times in all (12345 practice). `watch_clause`
and `needs_supervision_clause` are SQL conditions on `Case` — for lists, reports and the API;
`needs_supervision(case)` is the same rule on one loaded case.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import and_, literal_column, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from app.cases import flags
from app.cases.models import FINISHED_STATUSES, OPEN_STATUSES, Case
from app.core.clock import now as wall_clock
from app.core.errors import DomainError
from app.core.scoping import Scope, scope_clause
from app.deadlines.policy import DeadlinePolicy
from app.org.models import RESPONSIBLE_KINDS, OrgKind, OrgUnit
from app.org.scoping import org_lineage, scope_for_user
from app.security.models import person_name
from app.security.roles import RoleName, roles_granted
from app.supervision.models import (
    OrderAnswer,
    OrderEvent,
    OrderEventKind,
    OrderKind,
    OrderStatus,
    OrderTarget,
    SupervisionOrder,
)

MAX_TEXT = 5000

# The escalation chain: what an order becomes when the answer is not good enough.
ESCALATION: dict[str, str] = {
    OrderKind.URGE.value: OrderKind.SUPERVISE.value,
    OrderKind.SUPERVISE.value: OrderKind.TALK.value,
    OrderKind.LISTED.value: OrderKind.TALK.value,
}

_OPEN = sorted(s.value for s in OPEN_STATUSES)


# --- the watch list ---------------------------------------------------------------------------------


def needs_supervision_clause() -> ColumnElement:
    """Open cases redone or transferred more than 3 times in all (`Case.needs_supervision`)."""
    return Case.needs_supervision


def watch_clause(now: datetime, policy: DeadlinePolicy | None = None, include_near: bool = True) -> ColumnElement:
    """What the overdue view lists: overdue (and near, unless told not to) or flagged cases."""
    due = flags.due_clause(now, policy) if include_near else flags.overdue_clause(now)
    return or_(due, needs_supervision_clause())


def needs_supervision(case: Case) -> bool:
    """Flag a case for supervision: still open, and redone or transferred more than 3 times."""
    return case.needs_supervision


def open_order_case_ids(session: Session, case_ids: Iterable[int]) -> set[int]:
    """Of these cases, those with an open order (one query, for a list page's badges)."""
    ids = list(case_ids)
    if not ids:
        return set()
    return set(
        session.execute(
            select(OrderTarget.case_id)
            .join(SupervisionOrder, SupervisionOrder.id == OrderTarget.order_id)
            .where(
                OrderTarget.case_id.in_(ids),
                SupervisionOrder.status.in_([OrderStatus.ISSUED.value, OrderStatus.ANSWERED.value]),
            )
        ).scalars()
    )


# --- who may act -------------------------------------------------------------------------------------


def _roles(actor: Any) -> frozenset[str]:
    return frozenset(role.name for role in getattr(actor, "roles", []) or [])


def is_supervisor(actor: Any) -> bool:
    return bool(_roles(actor) & {RoleName.SUPERVISOR, RoleName.ADMIN})


def issuer_township_of(actor: Any) -> int | None:
    """The township an actor issues orders for (None: the county)."""
    scope = scope_for_user(actor)
    if scope.everything:
        return None
    return scope.default_township_id


def may_supervise(order: SupervisionOrder, actor: Any) -> bool:
    """Accept or escalate: a supervisor of the township that issued the order, or of the county."""
    if not is_supervisor(actor):
        return False
    scope = scope_for_user(actor)
    if scope.everything:
        return True
    return order.issuer_township_id is not None and order.issuer_township_id in scope.township_ids


def answer_overdue_clause(today: date) -> ColumnElement:
    """督办单 awaiting the unit's answer past the day it was due (the list filter, the reminders)."""
    return (SupervisionOrder.status == OrderStatus.ISSUED.value) & (SupervisionOrder.due_on < today)


def answer_due_clause(before: date) -> ColumnElement:
    """督办单 awaiting the unit's answer that is due before `before` (overdue ones included)."""
    return (SupervisionOrder.status == OrderStatus.ISSUED.value) & (SupervisionOrder.due_on < before)


def may_answer(order: SupervisionOrder, actor: Any) -> bool:
    return actor is not None and getattr(actor, "org_unit_id", None) == order.unit_id


def answering_roles() -> tuple[str, ...]:
    """The roles that answer 督办单 for their unit (the permission layer's `can_answer`)."""
    return roles_granted("supervision", "can_answer")


def answers_orders(order: SupervisionOrder, user: Any) -> bool:
    """Told of the order and of its answer coming due: a user of the addressed unit whose role
    answers orders."""
    return may_answer(order, user) and bool(set(answering_roles()) & _roles(user))


def order_url(order: SupervisionOrder) -> str:
    return f"/supervision/orders/show/{order.id}"


def _tell_unit(session: Session, order: SupervisionOrder, actor: Any, now: datetime) -> None:
    """ORDER_RECEIVED to the addressed unit's users who answer orders. The title names the order,
    never its cases: a 检举控告 among them stays hidden from whoever may not open it."""
    from app.notifications import notify
    from app.notifications.models import NotificationKind

    notify(session, NotificationKind.ORDER_RECEIVED, record=order, units=[order.unit_id], roles=answering_roles(),
           title=gettext("%(kind)s %(number)s to your unit: answer due %(day)s", kind=order.kind_label,
                         number=order.number, day=order.due_on.isoformat()),
           url=order_url(order), actor=actor, now=now)


def _actor_name(actor: Any) -> str:
    return person_name(actor)


def _require_supervisor(actor: Any) -> None:
    if not is_supervisor(actor):
        raise DomainError(gettext("Only a supervisor may issue, accept or escalate supervision orders."))


def _check_text(value: str | None, field: str, empty_message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(empty_message, field=field)
    if len(text) > MAX_TEXT:
        raise DomainError(gettext("At most %(max)d characters (now %(n)d)", max=MAX_TEXT, n=len(text)), field=field)
    return text


def _check_due(due_on: date | None, today: date) -> date:
    if due_on is None:
        raise DomainError(gettext("Enter the day the answer is due"), field="due_on")
    if due_on < today:
        raise DomainError(gettext("The answer cannot be due before today"), field="due_on")
    return due_on


def _check_unit(session: Session, unit: OrgUnit | int | None, scope: Scope) -> OrgUnit:
    if isinstance(unit, int):
        unit = session.get(OrgUnit, unit)
    if unit is None or not unit.active or unit.org_kind not in RESPONSIBLE_KINDS:
        raise DomainError(gettext("Choose the unit the order is addressed to"), field="unit")
    if not scope.everything and unit.township_id is not None and unit.township_id not in scope.township_ids:
        raise DomainError(gettext("You may not address orders to units of another township"), field="unit")
    return unit


# --- issuing ------------------------------------------------------------------------------------------


def issue_orders(
    session: Session,
    actor: Any,
    *,
    kind: str | None,
    requirement: str | None,
    due_on: date | None,
    cases: Sequence[Case] = (),
    entries: Sequence[Any] = (),
    unit: OrgUnit | int | None = None,
    now: datetime | None = None,
) -> list[SupervisionOrder]:
    """Issue orders on `cases` and `entries`: to `unit`, or — without one — to each target's
    responsible unit (one order per unit). All or nothing: a refused target refuses the lot."""
    _require_supervisor(actor)
    now = now or wall_clock()
    if kind not in OrderKind.codes():
        raise DomainError(gettext("Choose the kind of order"), field="kind")
    text = _check_text(requirement, "requirement", gettext("Write what the unit must do"))
    due_on = _check_due(due_on, now.date())
    if not cases and not entries:
        raise DomainError(gettext("An order names at least one case or ledger entry"), field="case_numbers")
    scope = scope_for_user(actor)
    _check_in_scope(session, cases, entries, scope)
    for case in cases:
        if case.status in FINISHED_STATUSES:
            raise DomainError(
                gettext("Case %(number)s is finished (%(status)s): it cannot be supervised.",
                        number=case.number, status=case.status_label),
                field="case_numbers",
            )
    for entry in entries:
        if entry.status == "closed":
            raise DomainError(
                gettext("Ledger entry %(number)s is closed out: it cannot be supervised.", number=entry.number),
                field="entry_numbers",
            )
    chosen = _check_unit(session, unit, scope) if unit is not None else None
    groups: dict[int, list[Any]] = {}
    for target in [*cases, *entries]:
        unit_id = chosen.id if chosen is not None else target.responsible_unit_id
        if unit_id is None:
            raise DomainError(
                gettext("%(number)s has no responsible unit yet: choose the unit the order is addressed to.",
                        number=target.number),
                field="unit",
            )
        groups.setdefault(unit_id, []).append(target)
    if chosen is None:
        for unit_id in groups:
            _check_unit(session, unit_id, scope)
    for unit_id, targets in groups.items():
        _check_not_reported_on(session, unit_id, targets)
    township = issuer_township_of(actor)
    orders = []
    for unit_id, targets in groups.items():
        order = SupervisionOrder(
            kind=kind, unit_id=unit_id, issuer_township_id=township, issued_by_id=actor.id, issued_at=now,
            requirement=text, due_on=due_on, status=OrderStatus.ISSUED.value,
        )
        _set_targets(order, targets)
        _event(order, OrderEventKind.ISSUED, actor, now, text)
        session.add(order)
        orders.append(order)
    session.flush()
    for order in orders:
        _tell_unit(session, order, actor, now)
    return orders


def _check_not_reported_on(session: Session, unit_id: int, targets: Sequence[Any]) -> None:
    """A 检举控告 never goes to the unit it reports on, nor to a unit under it (条例 Art. 30), as
    the addressee of an order about it. One whose unit is not yet confirmed reports on the county
    for now (`Case.reported_unit_pending`): only the discipline organs, who screen it, take it."""
    unit = session.get(OrgUnit, unit_id)
    lineage = org_lineage(unit)
    for target in targets:
        if not isinstance(target, Case) or target.reported_unit_id is None:
            continue
        if target.reported_unit_pending and unit.kind == OrgKind.DISCIPLINE.value:
            continue
        if target.reported_unit_id in lineage:
            raise DomainError(
                gettext("%(number)s is a report on this unit: an order about it cannot be addressed to it.",
                        number=target.number),
                field="unit",
            )


def _check_in_scope(session: Session, cases: Sequence[Case], entries: Sequence[Any], scope: Scope) -> None:
    """Every target inside the issuer's scope — checked in SQL, whoever loaded the records."""
    from app.ledgers.models import LedgerEntry

    if cases:
        ids = {c.id for c in cases}
        seen = set(session.execute(select(Case.id).where(Case.id.in_(ids), scope_clause(Case, scope))).scalars())
        outside = [c.number for c in cases if c.id not in seen]
        if outside:
            raise DomainError(
                gettext("Outside your area of supervision: %(numbers)s", numbers="、".join(outside)),
                field="case_numbers",
            )
    if entries:
        ids = {e.id for e in entries}
        seen = set(session.execute(
            select(LedgerEntry.id).where(LedgerEntry.id.in_(ids), scope_clause(LedgerEntry, scope))
        ).scalars())
        outside = [e.number for e in entries if e.id not in seen]
        if outside:
            raise DomainError(
                gettext("Outside your area of supervision: %(numbers)s", numbers="、".join(outside)),
                field="entry_numbers",
            )


def _set_targets(order: SupervisionOrder, targets: Sequence[Any]) -> None:
    from app.ledgers.models import LedgerEntry

    for target in targets:
        if isinstance(target, LedgerEntry):
            order.targets.append(OrderTarget(ledger_entry=target))
        else:
            order.targets.append(OrderTarget(case=target))
    summary = "、".join(t.number for t in targets)
    order.targets_summary = summary if len(summary) <= 2000 else summary[:1999] + "…"
    order.target_count = len(targets)


def _event(order: SupervisionOrder, kind: OrderEventKind, actor: Any, at: datetime, text: str | None = None,
           related: SupervisionOrder | None = None) -> None:
    order.events.append(OrderEvent(
        kind=kind.value, occurred_at=at, actor_id=getattr(actor, "id", None), actor_name=_actor_name(actor),
        text=text, related_order=related,
    ))


# --- the unit answers; the supervisor accepts or escalates -------------------------------------------


def answer_order(session: Session, order: SupervisionOrder, actor: Any, text: str | None,
                 now: datetime | None = None) -> OrderAnswer:
    """The addressed unit's written answer."""
    now = now or wall_clock()
    if not may_answer(order, actor):
        raise DomainError(
            gettext("This order is addressed to %(unit)s: only that unit may answer it.",
                    unit=order.unit.name if order.unit else ""),
        )
    if order.status == OrderStatus.ANSWERED.value:
        raise DomainError(gettext("Your unit has answered this order; the supervisor is reviewing the answer."))
    if order.status != OrderStatus.ISSUED.value:
        raise DomainError(gettext("This order is closed; it takes no more answers."))
    body = _check_text(text, "text", gettext("Write the answer"))
    answer = OrderAnswer(
        unit_id=order.unit_id, answered_at=now, answered_by_id=actor.id, text=body,
    )
    order.answers.append(answer)
    order.status = OrderStatus.ANSWERED.value
    order.answered_at = now
    _event(order, OrderEventKind.ANSWERED, actor, now, body)
    session.flush()
    return answer


def accept_answer(session: Session, order: SupervisionOrder, actor: Any, note: str | None = None,
                  now: datetime | None = None) -> None:
    """The supervisor accepts the unit's answer: the order is closed."""
    now = now or wall_clock()
    _require_supervisor(actor)
    if not may_supervise(order, actor):
        raise DomainError(gettext("Only the supervisors of the area that issued this order may decide on it."))
    if order.status == OrderStatus.ISSUED.value:
        raise DomainError(gettext("The unit has not answered yet: there is no answer to accept."))
    if order.status != OrderStatus.ANSWERED.value:
        raise DomainError(gettext("This order is already closed."))
    order.status = OrderStatus.CLOSED.value
    order.closed_at = now
    _event(order, OrderEventKind.ACCEPTED, actor, now, (note or "").strip() or None)
    session.flush()


def next_kind(kind: str) -> str | None:
    """The next step of the escalation chain, or None after 约谈."""
    return ESCALATION.get(kind)


def escalate_order(
    session: Session,
    order: SupervisionOrder,
    actor: Any,
    *,
    requirement: str | None,
    due_on: date | None,
    target_ids: Iterable[int] | None = None,
    now: datetime | None = None,
) -> SupervisionOrder:
    """Close `order` as escalated and issue the next kind to the same unit, on all its targets
    or on those chosen (`target_ids`: OrderTarget ids)."""
    now = now or wall_clock()
    _require_supervisor(actor)
    if not may_supervise(order, actor):
        raise DomainError(gettext("Only the supervisors of the area that issued this order may decide on it."))
    if order.status not in (OrderStatus.ISSUED.value, OrderStatus.ANSWERED.value):
        raise DomainError(
            gettext("Order %(number)s is closed (%(status)s): a closed order cannot be escalated.",
                    number=order.number, status=order.status_label)
        )
    kind = next_kind(order.kind)
    if kind is None:
        raise DomainError(
            gettext("A summons talk is the last step of supervision: record an accountability decision instead.")
        )
    text = _check_text(requirement, "requirement", gettext("Write what the unit must do"))
    due_on = _check_due(due_on, now.date())
    chosen = list(order.targets)
    if target_ids is not None:
        wanted = {int(i) for i in target_ids}
        chosen = [t for t in order.targets if t.id in wanted]
        if not chosen:
            raise DomainError(gettext("Choose at least one case to carry into the new order"), field="targets")
    new = SupervisionOrder(
        kind=kind, unit_id=order.unit_id, issuer_township_id=order.issuer_township_id, issued_by_id=actor.id,
        issued_at=now, requirement=text, due_on=due_on, status=OrderStatus.ISSUED.value, escalated_from=order,
    )
    _set_targets(new, [t.case or t.ledger_entry for t in chosen])
    _event(new, OrderEventKind.ISSUED, actor, now, text, related=order)
    session.add(new)
    order.status = OrderStatus.ESCALATED.value
    order.closed_at = now
    session.flush()
    _event(order, OrderEventKind.ESCALATED, actor, now, OrderKind.label_of(kind), related=new)
    session.flush()
    _tell_unit(session, new, actor, now)
    return new


def escalation_chain(order: SupervisionOrder) -> list[SupervisionOrder]:
    """The orders this one escalated from, oldest first, then this one."""
    chain = [order]
    seen = {order.id}
    while chain[0].escalated_from is not None and chain[0].escalated_from.id not in seen:
        chain.insert(0, chain[0].escalated_from)
        seen.add(chain[0].id)
    return chain


# --- the work queue of the addressed unit -------------------------------------------------------------


def awaiting_answer_clause(actor: Any) -> ColumnElement:
    """Orders waiting for the actor's unit to answer."""
    unit_id = getattr(actor, "org_unit_id", None)
    if unit_id is None:
        return literal_column("1") == literal_column("0")
    return and_(SupervisionOrder.unit_id == unit_id, SupervisionOrder.status == OrderStatus.ISSUED.value)


def awaiting_review_clause(actor: Any) -> ColumnElement:
    """Answered orders the actor (a supervisor) should accept or escalate."""
    scope = scope_for_user(actor)
    answered = SupervisionOrder.status == OrderStatus.ANSWERED.value
    if scope.everything:
        return and_(answered, SupervisionOrder.issuer_township_id.is_(None))
    if not scope.township_ids:
        return literal_column("1") == literal_column("0")
    return and_(answered, SupervisionOrder.issuer_township_id.in_(scope.township_ids))


def order_id_of(number: str) -> int | None:
    digits = number.strip().upper().removeprefix("DB")
    return int(digits) if digits.isdigit() and int(digits) > 0 else None


def orders_by_numbers(session: Session, text: str | None, scope: Scope,
                      field: str = "order_numbers") -> list[SupervisionOrder]:
    """The orders typed in `text` (DB000012 or 12), inside `scope`; DomainError naming unknown ones."""
    from app.cases.references import split_numbers

    numbers = split_numbers(text)
    ids = {n: order_id_of(n) for n in numbers}
    wanted = [i for i in ids.values() if i is not None]
    found = {
        o.id: o
        for o in session.execute(
            select(SupervisionOrder).where(SupervisionOrder.id.in_(wanted), scope_clause(SupervisionOrder, scope))
        ).scalars()
    } if wanted else {}
    missing = [n for n, i in ids.items() if i not in found]
    if missing:
        raise DomainError(
            gettext("No supervision order numbered %(numbers)s in your area", numbers="、".join(missing)),
            field=field,
        )
    return [found[ids[n]] for n in numbers]
