"""notify(), the outbox and its delivery: see the package docstring for the interface."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.privacy import has_personal_data_role, mask_free_text
from app.core.scoping import scope_clause
from app.notifications.channels import channel_for
from app.notifications.models import (
    Channel,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxMessage,
    OutboxStatus,
)
from app.notifications.templates import render
from app.org.scoping import scope_for_user

# A failed message is tried again after 1, 2, 4, 8, 16, 32 minutes, then every hour (a gateway
# down for a night still delivers in the morning), for RETRY_FOR after its first try; then it
# stays 失败 for good (next_attempt_at None) until the administrator sends it again
# (`resend`, the outbox page's 重新发送).
BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=1)
RETRY_FOR = timedelta(days=3)


def may_open(session: Session, user: Any, record_type: str | None, record_id: int | None) -> bool:
    """Can `user` open the record (their scope, 检举控告 exclusion included)? A record type
    without a scope is the recipient's own (an import job they started)."""
    return (record_type, record_id) in openable(session, user, [(record_type, record_id)])


def openable(session: Session, user: Any, refs: Iterable[tuple[str | None, int | None]]) -> set[tuple[str | None, int | None]]:
    """Which of the records `refs` (model class name, id) `user` can open: one statement per
    model, whatever the number of records (a page of notifications is checked at once)."""
    wanted: dict[str, set[int]] = {}
    found: set[tuple[str | None, int | None]] = set()
    for record_type, record_id in refs:
        if record_type is None or record_id is None:
            found.add((record_type, record_id))
        else:
            wanted.setdefault(record_type, set()).add(record_id)
    scope = None
    for record_type, ids in wanted.items():
        model = _model(record_type)
        if model is None:
            continue
        if getattr(model, "__scope__", None) is None:
            found.update((record_type, i) for i in ids)
            continue
        scope = scope or scope_for_user(user)
        if scope.is_empty:
            continue
        allowed = session.execute(
            select(model.id).where(model.id.in_(sorted(ids)), scope_clause(model, scope))
        ).scalars()
        found.update((record_type, i) for i in allowed)
    return found


def _model(name: str) -> Any:
    from flask_appbuilder import Model

    for mapper in Model.registry.mappers:
        if mapper.class_.__name__ == name:
            return mapper.class_
    return None


def _recipients(session: Session, users: Iterable[Any], units: Iterable[int], roles: Iterable[str]) -> list[Any]:
    from app.security.models import AppUser

    found: dict[int, Any] = {}
    for user in users:
        if user is not None and getattr(user, "id", None) is not None and user.active:
            found[user.id] = user
    unit_ids = [u for u in units if u is not None]
    if unit_ids:
        query = select(AppUser).where(AppUser.org_unit_id.in_(unit_ids), AppUser.active.is_(True))
        for user in session.execute(query).unique().scalars():
            if roles and not (set(roles) & {r.name for r in user.roles}):
                continue
            found.setdefault(user.id, user)
    return list(found.values())


def notify(session: Session, kind: str, *, record: Any = None, users: Iterable[Any] = (),
           units: Iterable[int] = (), roles: Iterable[str] = (), title: str, url: str | None = None,
           actor: Any = None, now: datetime | None = None) -> list[Notification]:
    kind = NotificationKind(kind).value
    now = now or clock.now()
    record_type = type(record).__name__ if record is not None else None
    if record is not None and getattr(record, "id", None) is None:
        session.flush()
    record_id = getattr(record, "id", None) if record is not None else None
    actor_id = getattr(actor, "id", None)
    masked = mask_free_text(title)
    created = []
    for user in _recipients(session, users, units, tuple(roles)):
        if actor_id is not None and user.id == actor_id:
            continue
        if not may_open(session, user, record_type, record_id):
            continue
        shown = title if has_personal_data_role(user) else masked
        note = Notification(user_id=user.id, kind=kind, title=shown[:300], url=url,
                            record_type=record_type, record_id=record_id, created_at=now)
        session.add(note)
        created.append((user, note))
    if created:
        session.flush()
    for user, note in created:
        pref = session.execute(
            select(NotificationPreference).where(
                NotificationPreference.user_id == user.id, NotificationPreference.kind == kind)
        ).scalar_one_or_none()
        if pref is None or not (pref.email or pref.sms):
            continue
        # What leaves the system (e-mail, SMS) is masked whoever receives it.
        link = _absolute(url)
        if pref.email and user.email:
            subject, body = render(session, "notification", title=masked, link=link,
                                   kind=NotificationKind.label_of(kind))
            enqueue(session, Channel.EMAIL.value, user.email, body, subject=subject,
                    template="notification", notification_id=note.id, now=now)
        if pref.sms and getattr(user, "mobile", None):
            _, body = render(session, "notification", title=masked, link=link,
                             kind=NotificationKind.label_of(kind))
            enqueue(session, Channel.SMS.value, user.mobile, body, template="notification",
                    notification_id=note.id, now=now)
    return [note for _, note in created]


def _absolute(url: str | None) -> str:
    """The link an e-mail or SMS carries: absolute from PUBLIC_BASE_URL; without it no bare path
    (no address outside the browser) but the place in words (`flask xf doctor` warns)."""
    base = current_app.config.get("PUBLIC_BASE_URL", "") if has_app_context() else ""
    if url and base and url.startswith("/"):
        return base.rstrip("/") + url
    if url and not url.startswith("/"):
        return url
    return gettext("the platform's notification page")


def enqueue(session: Session, channel: str, recipient: str, body: str, *, subject: str | None = None,
            template: str | None = None, notification_id: int | None = None, case_id: int | None = None,
            now: datetime | None = None) -> OutboxMessage:
    """Put a message in the outbox (待发送); `deliver_outbox` sends it. Never sends itself."""
    now = now or clock.now()
    message = OutboxMessage(
        channel=Channel(channel).value, recipient=recipient, subject=subject, body=body,
        template=template, status=OutboxStatus.PENDING.value, attempts=0, next_attempt_at=now,
        created_at=now, notification_id=notification_id, case_id=case_id,
    )
    session.add(message)
    return message


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    remaining: int = 0


def _due(now: datetime):
    return select(OutboxMessage).where(
        OutboxMessage.status.in_((OutboxStatus.PENDING.value, OutboxStatus.FAILED.value)),
        OutboxMessage.next_attempt_at.is_not(None),
        OutboxMessage.next_attempt_at <= now,
    )


def deliver_outbox(session: Session, now: datetime | None = None, *, limit: int = 200) -> DeliveryReport:
    now = now or clock.now()
    config = current_app.config
    report = DeliveryReport()
    tried: set[int] = set()
    for _ in range(limit):
        query = _due(now).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(1)
        if tried:
            query = query.where(OutboxMessage.id.not_in(tried))
        # Several workers: each claims a different row (PostgreSQL; SQLite has one writer).
        message = session.execute(query.with_for_update(skip_locked=True)).scalar_one_or_none()
        if message is None:
            break
        tried.add(message.id)
        message.attempts = (message.attempts or 0) + 1
        try:
            channel = channel_for(message.channel, config)
            channel.send(message)
        except Exception as error:  # noqa: BLE001 — every failure is recorded, none is lost
            message.status = OutboxStatus.FAILED.value
            message.last_error = str(error)[:2000] or type(error).__name__
            message.next_attempt_at = next_try(message.attempts, now)
            report.failed += 1
        else:
            message.status = OutboxStatus.SENT.value
            message.sent_at = now
            message.backend = channel.name
            message.next_attempt_at = None
            message.last_error = None
            report.sent += 1
        session.commit()
    report.remaining = session.execute(
        select(func.count()).select_from(_due(now).subquery())
    ).scalar_one()
    return report


def _delay(attempt: int) -> timedelta:
    return min(BACKOFF * (2 ** min(attempt - 1, 16)), MAX_BACKOFF)


def next_try(attempts: int, now: datetime) -> datetime | None:
    """When a message that has just failed its `attempts`-th try of this round is tried again
    (None: never, it stays 失败): 1, 2, 4 … minutes up to MAX_BACKOFF, while the round's tries
    (counted, so a worker stopped for a while does not shorten the round) span RETRY_FOR."""
    planned = sum((_delay(n) for n in range(1, attempts + 1)), timedelta())
    return now + _delay(attempts) if planned <= RETRY_FOR else None


def resend(message: OutboxMessage, now: datetime | None = None) -> None:
    """The administrator's 重新发送 of a 失败 message: due at once, with a new round of retries
    (the attempts count again from 0 — the audit log keeps the change, with the earlier count;
    the error stays shown until the next try). The caller commits."""
    if message.status != OutboxStatus.FAILED.value:
        raise ValueError("only a failed message is sent again")
    message.status = OutboxStatus.PENDING.value
    message.next_attempt_at = now or clock.now()
    message.attempts = 0


def unread_count(session: Session, user_id: int) -> int:
    """The bell's number: one probe of ix_notification_user_unread."""
    return session.execute(
        select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None))
    ).scalar_one()


def visible_notifications(session: Session, user: Any, *, unread: bool | None = None, kind: str | None = None,
                          page: int = 0, size: int = 50) -> tuple[list[Notification], int]:
    """A page of the user's notifications, newest first, and their number, each checked again
    against the user's scope. One about a record they may no longer open is deleted (it could
    never be opened again, nor shown), the page filled from the next rows and the number
    counted again: number and rows agree, and the count stays one probe of the user's index
    (checking every row's record in SQL costs ~100 ms for a user with 20,000 notifications).

    A row hidden on a page not yet shown is counted until a page shows it (the check is for the
    page's rows, in one statement per kind of record)."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread is True:
        query = query.where(Notification.read_at.is_(None))
    elif unread is False:
        query = query.where(Notification.read_at.is_not(None))
    if kind:
        query = query.where(Notification.kind == kind)
    page_query = query.order_by(Notification.created_at.desc(), Notification.id.desc()).offset(page * size).limit(size)
    for _ in range(5):  # each round removes what it finds; a round finding nothing ends it
        rows = session.execute(page_query).scalars().all()
        allowed = openable(session, user, [(row.record_type, row.record_id) for row in rows])
        hidden = [row.id for row in rows if (row.record_type, row.record_id) not in allowed]
        if not hidden:
            break
        session.execute(delete(Notification).where(Notification.id.in_(hidden)))
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    return [row for row in rows if (row.record_type, row.record_id) in allowed], total


def mark_read(session: Session, user_id: int, ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
    """Mark the user's notifications read (all unread ones when `ids` is None)."""
    query = select(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(list(ids)))
    count = 0
    for row in session.execute(query).scalars():
        row.read_at = now or clock.now()
        count += 1
    return count


__all__ = ["DeliveryReport", "deliver_outbox", "enqueue", "mark_read", "may_open", "next_try", "notify",
           "openable", "resend", "unread_count", "visible_notifications"]
