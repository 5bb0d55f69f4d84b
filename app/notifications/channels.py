"""How a message leaves: e-mail through SMTP, text messages through a gateway adapter.

One class per SMS provider (`SMS_BACKENDS`); a county adds Aliyun, Tencent or China Mobile by
writing one more class with `name` and `send(message)` and naming it in ``SMS_BACKEND``.
A `send` that raises leaves the message 失败 with the error, to be tried again.
"""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import Any

from flask import current_app

TIMEOUT = 10


class DeliveryError(Exception):
    pass


class SmtpMail:
    """MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS (STARTTLS), MAIL_USERNAME, MAIL_PASSWORD, MAIL_FROM."""

    name = "smtp"

    def __init__(self, config: Any) -> None:
        self.server = config.get("MAIL_SERVER")
        self.port = int(config.get("MAIL_PORT") or 25)
        self.tls = bool(config.get("MAIL_USE_TLS"))
        self.username = config.get("MAIL_USERNAME")
        self.password = config.get("MAIL_PASSWORD")
        self.sender = config.get("MAIL_FROM") or "noreply@localhost"

    def send(self, message: Any) -> None:
        if not self.server:
            raise DeliveryError("MAIL_SERVER is not configured")
        mail = EmailMessage()
        mail["Subject"] = message.subject or ""
        mail["From"] = self.sender
        mail["To"] = message.recipient
        mail.set_content(message.body, charset="utf-8")
        with smtplib.SMTP(self.server, self.port, timeout=TIMEOUT) as smtp:
            if self.tls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(mail)


class LogSms:
    """The default: nothing leaves the server; the message stays in the outbox, marked sent to
    the log, where an administrator reads it (通知 › 短信发件箱)."""

    name = "log"

    def __init__(self, config: Any) -> None:
        pass

    def send(self, message: Any) -> None:
        current_app.logger.info("SMS to %s (outbox #%s), log backend", message.recipient[-4:], message.id)


class HttpSms:
    """A generic HTTP gateway: ``POST SMS_GATEWAY_URL`` with ``Authorization: Bearer
    SMS_GATEWAY_TOKEN`` and the JSON body ``{"id": <outbox id>, "phone": "139…", "text": "…"}``
    (UTF-8). Any 2xx answer is success; anything else (or no answer in 10 s) is a failure."""

    name = "http"

    def __init__(self, config: Any) -> None:
        self.url = config.get("SMS_GATEWAY_URL")
        self.token = config.get("SMS_GATEWAY_TOKEN") or ""

    def send(self, message: Any) -> None:
        if not self.url:
            raise DeliveryError("SMS_GATEWAY_URL is not configured")
        body = json.dumps({"id": message.id, "phone": message.recipient, "text": message.body},
                          ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 — the administrator's configured gateway
            self.url, data=body, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8",
                     "Authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as error:
            raise DeliveryError(f"gateway answered HTTP {error.code}") from None
        except (urllib.error.URLError, OSError) as error:
            raise DeliveryError(f"gateway unreachable: {error}") from None
        if not 200 <= status < 300:
            raise DeliveryError(f"gateway answered HTTP {status}")


SMS_BACKENDS: dict[str, type] = {"log": LogSms, "http": HttpSms}


def channel_for(kind: str, config: Any) -> Any:
    if kind == "email":
        return SmtpMail(config)
    backend = (config.get("SMS_BACKEND") or "log").lower()
    try:
        return SMS_BACKENDS[backend](config)
    except KeyError:
        raise DeliveryError(f"unknown SMS_BACKEND {backend!r}") from None
