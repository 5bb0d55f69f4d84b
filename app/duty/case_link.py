"""A petition case registered from a duty log entry (登记为信访件).

The log entry's button opens the registration form as `/cases/add?duty_log=<id>`; the form posts
back to the same address. CaseView calls `prefill_case_form` on the empty form (content, caller,
phone, when, channel 来电) and `link_case` when the case is registered, so the entry points to its
case in the same transaction. The entry is looked up through the scope: an entry the user may not
see, or one already linked to a case, is ignored.
"""

from __future__ import annotations

from typing import Any

from app.core.scoping import get_scoped
from app.duty.models import DutyLogEntry

PARAMETER = "duty_log"
TITLE_LENGTH = 40


def source_entry(args: Any) -> DutyLogEntry | None:
    entry = get_scoped(DutyLogEntry, args.get(PARAMETER))
    return entry if entry is not None and entry.case_id is None else None


def prefill_case_form(form: Any, args: Any) -> None:
    entry = source_entry(args)
    if entry is None:
        return
    from app.cases.models import Channel
    from app.org.models import OrgKind

    form.channel.data = Channel.PHONE.value
    form.received_at.data = entry.received_at
    summary = (entry.summary or "").strip()
    form.title.data = summary.splitlines()[0][:TITLE_LENGTH] if summary else ""
    form.content.data = summary
    row = form.petitioners.entries[0].form
    row.name.data = entry.caller or ""
    row.phone.data = entry.phone or ""
    if entry.org_unit is not None and entry.org_unit.kind == OrgKind.TOWNSHIP.value and hasattr(form, "township"):
        form.township.data = entry.org_unit


def link_case(case: Any, args: Any) -> None:
    """Point the log entry the form was opened from at the new case (saved with it)."""
    entry = source_entry(args)
    if entry is not None:
        entry.case = case
