"""How a case's deadline and its supervision flag read in a list: the case list and the overdue
watch list show the same cells."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext
from markupsafe import Markup

from app.cases.case_page import urgency_badge


def due_cell(due: datetime | None) -> Markup:
    """The deadline's day, with 临期 / 超期 beside it."""
    if due is None:
        return Markup("")
    css, text = urgency_badge(due)
    badge = Markup(' <span class="badge badge-{}">{}</span>').format(css, text) if css else Markup("")
    return Markup("{}{}").format(due.strftime("%Y-%m-%d"), badge)


def flag_cell(flagged: bool) -> Markup:
    """Redone or transferred more than 3 times: flagged for supervision (12345 practice)."""
    if not flagged:
        return Markup("")
    return Markup('<span class="label label-danger xf-flag-supervision">{}</span>').format(
        gettext("Needs supervision")
    )
