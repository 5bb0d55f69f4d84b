"""How a dispute's parties are shown: in full to the roles that handle disputes, else masked.

One function for the entry's page and the API, so a rule added here (e.g. for 检举控告 material)
reaches both.
"""

from __future__ import annotations

from app.cases.references import linked_case
from app.core.privacy import mask_id_number, mask_phone
from app.ledgers.models import LedgerEntry


def party_values(entry: LedgerEntry, full: bool) -> list[dict[str, str]]:
    return [
        {
            "name": p.name,
            "id_number": (p.id_number or "") if full else mask_id_number(p.id_number),
            "phone": (p.phone or "") if full else mask_phone(p.phone),
            "address": p.address or "",
            "case_number": linked_case(p.case).number if p.case is not None else "",
        }
        for p in entry.parties
    ]
