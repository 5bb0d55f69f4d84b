"""`flask xf doctor`'s check of the notifications (added by app/registry.py)."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext

from app.core.doctor import Finding


def check_public_base_url() -> Finding:
    """E-mails and text messages link to the platform and the portal only with PUBLIC_BASE_URL
    (without it they name the place in words: app/notifications/petitioners.py)."""
    name = gettext("Links in messages")
    base = current_app.config.get("PUBLIC_BASE_URL") or ""
    if not base:
        return Finding(False, name, gettext(
            "PUBLIC_BASE_URL is not set: e-mails and text messages carry no link (to rate an answer, "
            "to stop the messages, to open a notification), only the words “the online petition site”. "
            "Set PUBLIC_BASE_URL to the public address, e.g. https://xf.example.gov.cn."))
    if not base.startswith(("https://", "http://")):
        return Finding(False, name, gettext(
            "PUBLIC_BASE_URL=%(url)s is not an address: write it with https://, e.g. https://xf.example.gov.cn.",
            url=base))
    return Finding(True, name, gettext("Messages link to %(url)s.", url=base.rstrip("/")))
