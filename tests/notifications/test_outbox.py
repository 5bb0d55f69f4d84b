"""The outbox: e-mail through a real SMTP conversation, SMS through an HTTP gateway stub; a
gateway failure leaves the message 失败 with the error and retries it later — nothing is lost."""

from __future__ import annotations

import json
import re
import socket
import threading
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, HTTPServer

from sqlalchemy import delete, func, select

from app.notifications.models import NotificationPreference, OutboxMessage
from app.security.models import AppUser
from tests.support import county_now


class SmtpStub:
    """A minimal SMTP server in a thread (no aiosmtpd needed): keeps each DATA it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.messages: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn, conn.makefile("rb") as reader:
                conn.sendall(b"220 stub ESMTP\r\n")
                while True:
                    line = reader.readline()
                    if not line:
                        break
                    command = line.strip().upper()
                    if command.startswith((b"EHLO", b"HELO")):
                        conn.sendall(b"250-stub\r\n250 8BITMIME\r\n")
                    elif command == b"DATA":
                        conn.sendall(b"354 go on\r\n")
                        data = b""
                        while True:
                            chunk = reader.readline()
                            if chunk in (b".\r\n", b".\n", b""):
                                break
                            data += chunk
                        self.messages.append(data)
                        conn.sendall(b"250 queued\r\n")
                    elif command == b"QUIT":
                        conn.sendall(b"221 bye\r\n")
                        break
                    else:
                        conn.sendall(b"250 ok\r\n")

    def close(self) -> None:
        self.sock.close()


class Gateway:
    """An SMS gateway stub: answers with the statuses given, in turn, and keeps each request."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.requests: list[tuple[dict, str]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append((json.loads(body.decode("utf-8")), self.headers["Authorization"]))
                status = gateway.statuses.pop(0) if gateway.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _user(session, username: str) -> AppUser:
    return session.execute(select(AppUser).where(AppUser.username == username)).unique().scalar_one()


PHONE, ID_NUMBER = "13812345678", "320102198001011234"
# DOMAIN.md "Privacy": 138****5678, and an ID number's first 4 and last 4 characters.
PHONE_MASKED, ID_MASKED = "138****5678", "3201" + "*" * 10 + "1234"


def test_email_arrives_in_chinese_through_smtp_masked(app, db_session):
    """The e-mail leaves masked whoever receives it; in the app, the handler (who holds the grant
    办理信访人个人信息) reads the title as written, the county leader masked. The link is absolute
    from PUBLIC_BASE_URL; without it the message names the place, never a bare path."""
    from app.extensions import db
    from app.notifications import deliver_outbox, notify
    from app.notifications.models import Notification

    smtp = SmtpStub()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_FROM="xf@example.cn", MAIL_USE_TLS=False,
                      PUBLIC_BASE_URL="https://xf.example.cn/")
    title = f"信访件导入已完成：共12行，来电{PHONE}，身份证{ID_NUMBER}"
    try:
        with app.app_context():
            session = db.session
            session.execute(delete(OutboxMessage))  # whatever the demo's recent steps queued
            user, leader = _user(session, "handler_rsj"), _user(session, "county_leader")
            user.email = "rsj@example.cn"
            session.add(NotificationPreference(user_id=user.id, kind="import_finished", email=True, sms=False))
            session.commit()
            notes = notify(session, "import_finished", users=[user, leader], title=title, url="/notifications/")
            session.commit()
            stored = {n.user_id: n.title for n in notes}
            assert stored == {user.id: title, leader.id: f"信访件导入已完成：共12行，来电{PHONE_MASKED}，身份证{ID_MASKED}"}
            now = county_now()
            report = deliver_outbox(session, now)
            assert (report.sent, report.failed) == (1, 0)
            message = session.execute(select(OutboxMessage).where(OutboxMessage.recipient == "rsj@example.cn")).scalar_one()
            assert message.status == "sent" and message.backend == "smtp" and message.attempts == 1
            # Without PUBLIC_BASE_URL: the place in words.
            app.config["PUBLIC_BASE_URL"] = ""
            notify(session, "import_finished", users=[user], title="第二次导入已完成", url="/notifications/")
            session.commit()
            assert deliver_outbox(session, now).sent == 1
            assert session.execute(select(Notification.id).where(Notification.title == "第二次导入已完成")).scalar_one()
    finally:
        smtp.close()
    assert len(smtp.messages) == 2
    mail = message_from_bytes(smtp.messages[0])
    masked = f"信访件导入已完成：共12行，来电{PHONE_MASKED}，身份证{ID_MASKED}"
    assert str(make_header(decode_header(mail["Subject"]))) == f"【信访工作平台】{masked}"
    assert mail["To"] == "rsj@example.cn"
    text = mail.get_payload(decode=True).decode("utf-8")
    assert text.strip() == f"{masked}。请登录系统查看：https://xf.example.cn/notifications/"
    second = message_from_bytes(smtp.messages[1]).get_payload(decode=True).decode("utf-8")
    assert second.strip() == "第二次导入已完成。请登录系统查看：本平台“通知”页面"


def test_a_failing_gateway_leaves_the_message_failed_and_retried(app, db_session):
    from app.extensions import db
    from app.notifications import deliver_outbox
    from app.notifications.service import BACKOFF, enqueue

    gateway = Gateway([200, 500])
    app.config.update(SMS_BACKEND="http", SMS_GATEWAY_URL=gateway.url, SMS_GATEWAY_TOKEN="t0ken")
    try:
        with app.app_context():
            session = db.session
            session.execute(delete(OutboxMessage))
            now = county_now()
            first = enqueue(session, "sms", "13900001111", "第一条短信", now=now)
            second = enqueue(session, "sms", "13900002222", "第二条短信", now=now + timedelta(seconds=1))
            session.commit()
            report = deliver_outbox(session, now + timedelta(seconds=2))
            assert (report.sent, report.failed, report.remaining) == (1, 1, 0)
            session.refresh(first)
            session.refresh(second)
            assert first.status == "sent" and first.backend == "http"
            assert second.status == "failed" and "500" in second.last_error and second.attempts == 1
            assert second.next_attempt_at == now + timedelta(seconds=2) + BACKOFF
            # Not due yet: nothing is sent again.
            assert deliver_outbox(session, now + timedelta(seconds=3)).sent == 0
            # Due: the gateway answers 200 now; the message goes out, once.
            report = deliver_outbox(session, second.next_attempt_at)
            assert report.sent == 1
            session.refresh(second)
            assert second.status == "sent" and second.attempts == 2 and second.last_error is None
    finally:
        gateway.close()
    sent = [body for body, _ in gateway.requests]
    assert [b["phone"] for b in sent] == ["13900001111", "13900002222", "13900002222"]
    assert sent[0]["text"] == "第一条短信" and gateway.requests[0][1] == "Bearer t0ken"


def test_sms_log_backend_and_the_admin_outbox_page(app, client_as, db_session):
    from app.extensions import db
    from app.notifications import deliver_outbox
    from app.notifications.service import enqueue

    with app.app_context():
        session = db.session
        session.execute(delete(OutboxMessage))
        enqueue(session, "sms", "13712345678", "日志短信测试", now=county_now())
        session.commit()
        assert deliver_outbox(session, county_now()).sent == 1
    page = client_as("admin").get("/notifications/admin/outbox").get_data(as_text=True)
    assert "日志短信测试" in page and "137****5678" in page and "13712345678" not in page and "已发送" in page
    for name in ("clerk", "county_clerk", "handler"):
        assert client_as(name).get("/notifications/admin/outbox").status_code == 403


def planned_tries(first):
    """The rule, counted independently: tries after 1, 2, 4 … minutes, at most an hour apart, as
    long as a try falls within 3 days of the first."""
    times, delay = [first], timedelta(minutes=1)
    while times[-1] + min(delay, timedelta(hours=1)) - first <= timedelta(days=3):
        times.append(times[-1] + min(delay, timedelta(hours=1)))
        delay = min(delay * 2, timedelta(hours=1))
    return times


def test_a_long_outage_is_retried_for_three_days_then_the_administrator_sends_it_again(app, client_as, db_session):
    from app.audit.models import AuditEntry
    from app.extensions import db
    from app.notifications import deliver_outbox, notify

    gateway = Gateway([500] * 200)
    app.config.update(SMS_BACKEND="http", SMS_GATEWAY_URL=gateway.url, SMS_GATEWAY_TOKEN="t0ken", PUBLIC_BASE_URL="")
    try:
        with app.app_context():
            session = db.session
            session.execute(delete(OutboxMessage))
            user = _user(session, "handler_rsj")
            user.mobile = "13900003333"
            session.add(NotificationPreference(user_id=user.id, kind="import_finished", email=False, sms=True))
            session.commit()
            notify(session, "import_finished", users=[user], title=f"导入完成，来电{PHONE}", url="/notifications/")
            session.commit()
            message = session.execute(select(OutboxMessage)).scalar_one()
            first = county_now()
            tried = []
            moment = first
            while moment is not None and len(tried) < 150:
                deliver_outbox(session, moment)
                tried.append(moment)
                session.refresh(message)
                moment = message.next_attempt_at
            assert tried == planned_tries(first)
            assert tried[1] - tried[0] == timedelta(minutes=1) and tried[-1] - tried[-2] == timedelta(hours=1)
            assert (message.status, message.next_attempt_at, message.attempts) == ("failed", None, len(tried))
            assert "500" in message.last_error
            message_id = message.id
    finally:
        gateway.statuses = []  # the gateway is back: 200 from now on
    assert len(gateway.requests) == len(tried)

    admin = client_as("admin")
    page = admin.get("/notifications/admin/outbox")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert f'action="/notifications/admin/outbox/{message_id}/resend"' in body and "不再自动重试" in body
    assert "data-confirm" in body and "139****3333" in body and PHONE not in body and PHONE_MASKED in body
    for name in ("clerk", "county_clerk", "county_manager", "handler"):
        assert client_as(name).post(f"/notifications/admin/outbox/{message_id}/resend").status_code == 403
    assert admin.post("/notifications/admin/outbox/987654/resend").status_code == 404
    assert admin.post(f"/notifications/admin/outbox/{message_id}/resend").status_code == 302
    db_session.rollback()
    again = db_session.get(OutboxMessage, message_id)
    assert (again.status, again.attempts) == ("pending", 0) and again.next_attempt_at <= county_now()
    audit = db_session.execute(select(AuditEntry).where(
        AuditEntry.model == "outbox_message", AuditEntry.record_id == str(message_id),
        AuditEntry.username == "admin")).scalars().all()
    assert len(audit) == 1, [(a.summary, a.details) for a in audit]
    changed = json.loads(audit[0].details)
    assert changed["status"] == {"old": "failed", "new": "pending"}
    assert changed["attempts"] == {"old": len(tried), "new": 0}
    assert audit[0].summary.endswith(f"短信 #{message_id}")
    # Pending now: a second 重新发送 changes nothing.
    assert admin.post(f"/notifications/admin/outbox/{message_id}/resend").status_code == 302
    db_session.rollback()
    assert db_session.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.model == "outbox_message", AuditEntry.username == "admin")).scalar_one() == 1

    try:
        with app.app_context():
            report = deliver_outbox(db.session, county_now())
            assert (report.sent, report.failed) == (1, 0)
    finally:
        gateway.close()
    db_session.rollback()
    assert db_session.get(OutboxMessage, message_id).status == "sent"
    # What left for the phone: masked, in Chinese, no bare path.
    assert gateway.requests[-1][0] == {"id": message_id, "phone": "13900003333",
                                       "text": f"导入完成，来电{PHONE_MASKED}。请登录系统查看：本平台“通知”页面"}


def test_the_outbox_hides_what_the_administrator_may_not_open_and_every_query_code(app, client_as, db_session):
    """A 检举控告 against 县信访局 (the administrator's own bureau): its messages read （保密）; a
    message of a case they may open shows, with the 查询码 masked."""
    from app.extensions import db
    from app.notifications import notify
    from app.notifications.service import enqueue
    from tests.supervision.support import make_case, org

    bureau = org(db_session, "县信访局")
    secret = make_case(db_session, unit="县纪委监委", title="举报信访局干部发件箱测试", category="accusation",
                       reported_unit_id=bureau.id)
    open_case = make_case(db_session, title="发件箱查询码测试")
    admin = client_as("admin")
    assert admin.get(f"/cases/show/{secret.id}").status_code == 404
    with app.app_context():
        session = db.session
        session.execute(delete(OutboxMessage))
        enqueue(session, "sms", "13912347391", f"您的信访事项（编号{secret.number}）已登记。查询码QRST-UVWX-YZ23",
                template="petition_registered", case_id=secret.id)
        enqueue(session, "sms", "13912348462", f"您的信访事项（编号{open_case.number}）已登记。查询码ABCD-EFGH-JKMN",
                template="petition_registered", case_id=open_case.id)
        jw = _user(session, "handler_jw")
        jw.mobile, jw.email = "13912345173", "jw@example.cn"
        session.add(NotificationPreference(user_id=jw.id, kind="case_assigned", email=True, sms=True))
        session.commit()
        told = notify(session, "case_assigned", record=session.get(type(secret), secret.id), users=[jw],
                      title=f"{secret.number} 等待签收", url=f"/cases/show/{secret.id}")
        assert len(told) == 1
        session.commit()
    page = admin.get("/notifications/admin/outbox")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    rows = {int(m.group(1)): m.group(2) for m in re.finditer(r'<tr class="xf-outbox-\w+" data-id="(\d+)">(.*?)</tr>', text, re.S)}
    assert len(rows) == 4
    hidden = [row for row in rows.values() if "（保密）" in row]
    assert len(hidden) == 3  # the petitioner's SMS and the handler's e-mail and SMS
    assert all("（无权查看的信访件）" in row for row in hidden)  # all three about the case
    for secret_bit in (secret.number, "QRST-UVWX-YZ23", "7391", "5173", "jw@example.cn", "举报信访局"):
        assert secret_bit not in text, secret_bit
    # The case the administrator may open: its number, the code masked, the phone masked.
    [shown] = [row for row in rows.values() if "（保密）" not in row]
    assert open_case.number in shown and "****-****-****" in shown and "139****8462" in shown
    assert "ABCD-EFGH-JKMN" not in text and "13912348462" not in text
    # The worker's health, for the administrator an import page sends to (请联系管理员).
    assert 'id="worker-down"' in text and "最近 10 分钟内没有后台工作进程运行任务" in text
    from app.worker.jobs import JOBS
    from app.worker.runner import run_once

    assert run_once(app, next(j for j in JOBS if j.name == "reminders"), "outbox-test-worker")
    health = admin.get("/notifications/admin/outbox").get_data(as_text=True)
    assert 'id="worker-down"' not in health and "后台工作进程正在运行" in health
    reminders = re.search(r'<tr data-job="reminders"><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>', health)
    assert reminders.group(1) == "临期/超期提醒" and reminders.group(3) == "完成"
    assert reminders.group(2).startswith(f"{county_now():%Y-%m-%d}")
    outbox = re.search(r'<tr data-job="outbox"><td>(.*?)</td><td>(.*?)</td>', health)
    assert outbox.group(2) == "从未运行"
