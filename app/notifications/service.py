"""notify(), the outbox and its delivery: see the package docstring for the interface."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core import clock
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

MAX_ATTEMPTS = 6
BACKOFF = timedelta(minutes=1)  # then 2, 4, 8, 16 minutes


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
    created = []
    for user in _recipients(session, users, units, tuple(roles)):
        if actor_id is not None and user.id == actor_id:
            continue
        if not may_open(session, user, record_type, record_id):
            continue
        note = Notification(user_id=user.id, kind=kind, title=title[:300], url=url,
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
        link = _absolute(url)
        if pref.email and user.email:
            subject, body = render(session, "notification", title=title, link=link,
                                   kind=NotificationKind.label_of(kind))
            enqueue(session, Channel.EMAIL.value, user.email, body, subject=subject,
                    template="notification", notification_id=note.id, now=now)
        if pref.sms and getattr(user, "mobile", None):
            _, body = render(session, "notification", title=title, link=link,
                             kind=NotificationKind.label_of(kind))
            enqueue(session, Channel.SMS.value, user.mobile, body, template="notification",
                    notification_id=note.id, now=now)
    return [note for _, note in created]


def _absolute(url: str | None) -> str:
    if not url:
        return ""
    base = current_app.config.get("PUBLIC_BASE_URL", "") if has_app_context() else ""
    return (base.rstrip("/") + url) if base and url.startswith("/") else url


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
            message.next_attempt_at = (
                now + BACKOFF * (2 ** (message.attempts - 1)) if message.attempts < MAX_ATTEMPTS else None
            )
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


def unread_count(session: Session, user_id: int) -> int:
    """The bell's number: one probe of ix_notification_user_unread."""
    return session.execute(
        select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None))
    ).scalar_one()


def visible_notifications(session: Session, user: Any, *, unread: bool | None = None, kind: str | None = None,
                          page: int = 0, size: int = 50, now: datetime | None = None) -> tuple[list[Notification], int]:
    """A page of the user's notifications, newest first, each checked again against the user's
    scope: one about a record they may no longer open is marked read and left out."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread is True:
        query = query.where(Notification.read_at.is_(None))
    elif unread is False:
        query = query.where(Notification.read_at.is_not(None))
    if kind:
        query = query.where(Notification.kind == kind)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(Notification.created_at.desc(), Notification.id.desc()).offset(page * size).limit(size)
    ).scalars().all()
    shown = []
    allowed = openable(session, user, [(row.record_type, row.record_id) for row in rows])
    for row in rows:
        if (row.record_type, row.record_id) in allowed:
            shown.append(row)
        elif row.read_at is None:
            row.read_at = now or clock.now()
    return shown, total


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


__all__ = ["DeliveryReport", "deliver_outbox", "enqueue", "mark_read", "may_open", "notify", "openable",
           "unread_count", "visible_notifications"]
