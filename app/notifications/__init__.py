"""Notifications: who is told what, in the app, by e-mail and by SMS (issue 18).

One mechanism every area uses. The interface other areas (and the "worker" helper) call:

``notify(session, kind, *, record, users=(), units=(), roles=(), title, url, actor=None,
now=None) -> list[Notification]``
    Tell people that something awaits them or happened to a record they hold. ``kind`` is a
    `NotificationKind` code (``case_assigned``, ``case_returned``, ``instruction_awaited``,
    ``review_awaited``, ``extension_decided``, ``recheck_decided``, ``deadline_near``,
    ``deadline_overdue``, ``order_received``, ``order_due``, ``meeting_task``, ``sweep_due``,
    ``closeout_awaited``, ``import_finished``). Recipients are the given users plus the active
    users of the given org units (restricted to ``roles`` — role names — when given); the
    ``actor`` is never told of their own act. ``record`` is the model instance the notification
    is about (a Case, SupervisionOrder, JointMeeting, LedgerEntry, a township's OrgUnit for its
    sweep report, ImportJob …): a recipient who cannot open it under their scope (检举控告
    exclusion included) gets nothing. Each in-app
    notification is stored; for recipients whose preference for ``kind`` asks for e-mail / SMS,
    a message is put in the outbox (nothing is sent inside the request). The title is stored
    with ID numbers, phones and e-mail addresses masked (`mask_free_text`) for a recipient
    without the grant 办理信访人个人信息; e-mails and SMS, which leave the system, are always
    masked. Returns the
    notifications created. Call it inside the transaction of the act (it only adds rows).

``deliver_outbox(session, now, *, limit=200) -> DeliveryReport``
    Send the outbox messages that are due (待发送, ``next_attempt_at <= now``) through their
    channel (e-mail via SMTP, SMS via the configured gateway). A failure marks the message 失败
    with the error, counts the attempt and schedules the next try (1, 2, 4 … minutes, then
    hourly, for up to 3 days: ``next_try``); then it stays 失败 until the administrator sends it
    again (``resend``, 重新发送 on the outbox page); nothing is lost. Commits per message. Returns counts
    (``sent``, ``failed``, ``remaining``). Also: ``flask --app run xf send-outbox``.

``notify_petitioner(session, case, event, *, now=None, code=None) -> OutboxMessage | None``
    Queue the SMS to a case's petitioner at 登记 (``registered``, with the 查询码 ``code``; called
    by ``app.portal.issuing.announce_registration`` on every registration path) and
    受理/不予受理/延期/答复 (``event``), unless the case
    has no phone or the petitioner opted out; a 检举控告 never names the reported-on unit.
"""

from app.notifications.service import DeliveryReport, deliver_outbox, notify  # noqa: E402

__all__ = ["DeliveryReport", "deliver_outbox", "notify", "notify_petitioner"]


def notify_petitioner(*args, **kwargs):  # noqa: ANN002, ANN003, ANN201
    from app.notifications.petitioners import notify_petitioner as send

    return send(*args, **kwargs)
