"""The built-in wording of every message (Chinese through the catalog); an administrator's row in
`MessageTemplate` replaces it. Placeholders in {braces}; an unknown one stays as written."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.notifications.models import MessageTemplate

# code: (subject, body, the placeholders it may use)
DEFAULTS: dict[str, tuple[Any, Any, tuple[str, ...]]] = {
    "notification": (
        _l("[Petition platform] {title}"),
        _l("{title}. Please sign in to see it: {link}"),
        ("title", "link", "kind"),
    ),
    "petition_registered": (
        None,
        _l("Your petition {number} has been registered. Query code {code}: follow it at {portal}. "
           "No more messages: {stop}"),
        ("number", "code", "portal", "stop"),
    ),
    "petition_reissued": (
        None,
        _l("A new query code was issued for your petition {number}: {code} (the old one no longer works). "
           "Follow it at {portal}. No more messages: {stop}"),
        ("number", "code", "portal", "stop"),
    ),
    "petition_accepted": (
        None,
        _l("Your petition {number} has been accepted; you will be answered by {due}. Follow it at {portal}."),
        ("number", "due", "portal", "stop"),
    ),
    "petition_refused": (
        None,
        _l("Your petition {number} was not accepted; the written notice gives the reason. Details at {portal}."),
        ("number", "portal", "stop"),
    ),
    "petition_extended": (
        None,
        _l("The time to handle your petition {number} has been extended; you will be answered by {due}."),
        ("number", "due", "portal", "stop"),
    ),
    "petition_replied": (
        None,
        _l("Your petition {number} has been answered. Read the answer and rate it at {portal}."),
        ("number", "portal", "stop"),
    ),
}

# What the administrator reads for each template and placeholder on the templates page.
LABELS: dict[str, Any] = {
    "notification": _l("Message to staff (e-mail and text message of a notification)"),
    "petition_registered": _l("To the petitioner: registered, with the query code"),
    "petition_reissued": _l("To the petitioner: a new query code"),
    "petition_accepted": _l("To the petitioner: accepted"),
    "petition_refused": _l("To the petitioner: not accepted"),
    "petition_extended": _l("To the petitioner: time extended"),
    "petition_replied": _l("To the petitioner: answered, please rate"),
}
PLACEHOLDER_LABELS: dict[str, Any] = {
    "title": _l("the notification's title"),
    "link": _l("the link to the record"),
    "kind": _l("the kind of notification"),
    "number": _l("the case number"),
    "code": _l("the query code"),
    "portal": _l("where the petitioner follows the case"),
    "stop": _l("how to stop the messages"),
    "due": _l("the date of the answer"),
}


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(session: Session, template_code: str, **values: Any) -> tuple[str | None, str]:
    """(subject, body) of template `code` with `values` filled in."""
    subject, body, _ = DEFAULTS[template_code]
    row = session.execute(select(MessageTemplate).where(MessageTemplate.code == template_code)).scalar_one_or_none()
    if row is not None:
        subject, body = row.subject or subject, row.body
    fill = _Keep({k: "" if v is None else str(v) for k, v in values.items()})
    return (str(subject).format_map(fill) if subject else None), str(body).format_map(fill)
