"""The notification tables: what each user was told, how they want to be told, the outbox of
e-mails and text messages, and the message templates an administrator edits."""

from __future__ import annotations

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import relationship

from app.core.choices import Choices
from app.core.clock import now


class NotificationKind(Choices):
    CASE_ASSIGNED = "case_assigned", _l("Case assigned to your unit")
    CASE_RETURNED = "case_returned", _l("Case sent back")
    HANDLER_NAMED = "handler_named", _l("Case given to you (首办责任人)")
    INSTRUCTION_AWAITED = "instruction_awaited", _l("Instruction (批示) awaited from you")
    REVIEW_AWAITED = "review_awaited", _l("Review (审核) awaited from you")
    EXTENSION_DECIDED = "extension_decided", _l("Extension decided")
    RECHECK_DECIDED = "recheck_decided", _l("Review (复查/复核) decided")
    DEADLINE_NEAR = "deadline_near", _l("Deadline near")
    DEADLINE_OVERDUE = "deadline_overdue", _l("Deadline passed")
    ORDER_RECEIVED = "order_received", _l("Supervision order (督办单) to your unit")
    ORDER_DUE = "order_due", _l("Supervision answer due")
    MEETING_TASK = "meeting_task", _l("Joint meeting task")
    SWEEP_DUE = "sweep_due", _l("Sweep report due")
    CLOSEOUT_AWAITED = "closeout_awaited", _l("Close-out (销号) awaiting approval")
    IMPORT_FINISHED = "import_finished", _l("Import finished")
    SWEEP_MISSED = "sweep_missed", _l("First petition missed in the sweep (倒查)")
    URGENT_REPORT = "urgent_report", _l("Urgent report (重要情况速报)")
    HOLDING_PROPOSED = "holding_proposed", _l("Case proposed for you to hold (包案)")


class Channel(Choices):
    EMAIL = "email", _l("E-mail message")
    SMS = "sms", _l("SMS")


class OutboxStatus(Choices):
    PENDING = "pending", _l("Pending")  # 待发送
    SENT = "sent", _l("Sent")  # 已发送
    FAILED = "failed", _l("Sending failed")  # 失败


class Notification(Model):
    """One thing one user was told in the app (the bell and the notification list)."""

    __tablename__ = "notification"
    __table_args__ = (
        # (user_id, read_at, created_at): the count probe, and the unread page newest first
        # without sorting every unread notification of the user.
        Index("ix_notification_user_unread", "user_id", "read_at", "created_at"),
        Index("ix_notification_user_created", "user_id", "created_at"),
    )

    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(32), nullable=False, info={"choices": NotificationKind})
    title = Column(String(300), nullable=False)
    url = Column(String(500), nullable=True)
    # The record it is about (its model's class name and id): visibility is checked again when
    # the list is shown.
    record_type = Column(String(64), nullable=True)
    record_id = Column(Integer, nullable=True)
    created_at = Column(DateTime, nullable=False, default=now)
    read_at = Column(DateTime, nullable=True)


class NotificationPreference(Model):
    """How one user wants to be told of one kind: always in the app, and by e-mail / SMS."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_notification_preference_user_kind"),)

    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(32), nullable=False, info={"choices": NotificationKind})
    email = Column(Boolean, nullable=False, default=False, server_default=false())
    sms = Column(Boolean, nullable=False, default=False, server_default=false())


class OutboxMessage(Model):
    """An e-mail or text message waiting to be sent, sent, or failed (with the error)."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id = Column(Integer, primary_key=True)
    channel = Column(String(8), nullable=False, info={"choices": Channel})
    # The e-mail address or phone number, in full: only the channel reads it; pages mask it.
    recipient = Column(String(200), nullable=False, info={"audit": "skip"})
    subject = Column(String(200), nullable=True)
    # Not in the audit log: a petitioner's SMS carries the case's 查询码 (kept here only until sent).
    body = Column(Text, nullable=False, info={"audit": "redact"})
    template = Column(String(48), nullable=True)
    status = Column(String(8), nullable=False, default=OutboxStatus.PENDING.value,
                    server_default=text("'pending'"), info={"choices": OutboxStatus})
    attempts = Column(Integer, nullable=False, default=0, server_default=text("0"))
    last_error = Column(Text, nullable=True)
    next_attempt_at = Column(DateTime, nullable=True)
    created_at = Column(DateTime, nullable=False, default=now)
    sent_at = Column(DateTime, nullable=True)
    # Which backend took it ("smtp", "log", "http" …): "log" means written to this table only.
    backend = Column(String(16), nullable=True)
    notification_id = Column(Integer, ForeignKey("notification.id", ondelete="SET NULL"), nullable=True)
    case_id = Column(Integer, ForeignKey("petition_case.id", ondelete="SET NULL"), nullable=True, index=True)

    case = relationship("Case")

    def __str__(self) -> str:
        # The audit log's summary of a change (重新发送): never the recipient or the text.
        return f"{Channel.label_of(self.channel)} #{self.id}"


class MessageTemplate(Model):
    """An administrator's wording of one message (placeholders in {braces}); without a row, the
    built-in wording of app/notifications/templates.py is used."""

    __tablename__ = "message_template"
    __table_args__ = (UniqueConstraint("code", name="uq_message_template_code"),)

    id = Column(Integer, primary_key=True)
    code = Column(String(48), nullable=False)
    subject = Column(String(200), nullable=True)
    body = Column(Text, nullable=False)
    updated_at = Column(DateTime, nullable=False, default=now, onupdate=now)
