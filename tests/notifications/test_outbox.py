"""The outbox: e-mail through a real SMTP conversation, SMS through an HTTP gateway stub; a
gateway failure leaves the message 失败 with the error and retries it later — nothing is lost."""

from __future__ import annotations

import json
import socket
import threading
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, HTTPServer

from sqlalchemy import delete, select

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


def test_email_arrives_in_chinese_through_smtp(app, db_session):
    from app.extensions import db
    from app.notifications import deliver_outbox, notify

    smtp = SmtpStub()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_FROM="xf@example.cn", MAIL_USE_TLS=False)
    try:
        with app.app_context():
            session = db.session
            session.execute(delete(OutboxMessage))  # whatever the demo's recent steps queued
            user = _user(session, "handler_rsj")
            user.email = "rsj@example.cn"
            session.add(NotificationPreference(user_id=user.id, kind="import_finished", email=True, sms=False))
            session.commit()
            notify(session, "import_finished", users=[user], title="信访件导入已完成：共12行", url="/notifications/")
            session.commit()
            now = county_now()
            report = deliver_outbox(session, now)
            assert (report.sent, report.failed) == (1, 0)
            message = session.execute(select(OutboxMessage).where(OutboxMessage.recipient == "rsj@example.cn")).scalar_one()
            assert message.status == "sent" and message.backend == "smtp" and message.attempts == 1
    finally:
        smtp.close()
    assert len(smtp.messages) == 1
    mail = message_from_bytes(smtp.messages[0])
    assert str(make_header(decode_header(mail["Subject"]))) == "【信访工作平台】信访件导入已完成：共12行"
    assert mail["To"] == "rsj@example.cn"
    text = mail.get_payload(decode=True).decode("utf-8")
    assert "信访件导入已完成：共12行。请登录系统查看：/notifications/" in text


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
