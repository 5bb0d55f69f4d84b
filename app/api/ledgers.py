"""Dispute ledger entries (矛盾纠纷台账) over the API, read-only but for their files: parties masked as on the page."""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import Schema, fields
from sqlalchemy.orm import joinedload, selectinload

from app.api.attachments import AttachmentEndpoints
from app.api.base import ResourceApi
from app.api.schemas import LocalDate, LocalDateTime, PageQuery, Text, length, one_of
from app.attachments.models import LedgerAttachment
from app.core.privacy import has_personal_data_role, mask_free_text_fields
from app.core.scoping import current_actor
from app.ledgers.models import DisputeType, EntryStatus, LedgerEntry, LedgerParty, ListLevel
from app.ledgers.privacy import party_values


def _name(attribute: str) -> fields.Function:
    def read(obj: Any) -> str | None:
        related = getattr(obj, attribute)
        return related.name if related is not None else None

    return fields.Function(read, allow_none=True, metadata={"type": "string"})


class PartyOut(Schema):
    name = fields.String(required=True)
    id_number = fields.String(required=True, metadata={"description": "Masked unless the caller's role handles disputes"})
    phone = fields.String(required=True, metadata={"description": "Masked unless the caller's role handles disputes"})
    address = fields.String(required=True)
    case_number = fields.String(required=True, metadata={"description": "Linked petition case, or empty"})


class LedgerEntryOut(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True, metadata={"description": "Ledger number, e.g. TZ000123"})
    version = fields.Integer(required=True)
    title = fields.String(required=True)
    dispute_type = fields.String(required=True, metadata={"enum": DisputeType.codes()})
    found_on = LocalDate(required=True)
    township_id = fields.Integer(required=True)
    township = _name("township")
    village_id = fields.Integer(allow_none=True)
    village = _name("village")
    hamlet_id = fields.Integer(allow_none=True)
    place_detail = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    people_count = fields.Integer(required=True)
    responsible_unit_id = fields.Integer(allow_none=True)
    responsible_unit = _name("responsible_unit")
    responsible_person = fields.String(allow_none=True)
    measures = fields.String(allow_none=True)
    level = fields.String(required=True, metadata={"enum": ListLevel.codes(), "description": "三级清单: 1, 2 or 3"})
    status = fields.String(required=True, metadata={"enum": EntryStatus.codes()})
    resolved_on = LocalDate(allow_none=True)
    closed_on = LocalDate(allow_none=True)
    last_progress_on = LocalDate(allow_none=True)
    created_at = LocalDateTime(required=True)
    updated_at = LocalDateTime(required=True)
    parties = fields.List(fields.Nested(PartyOut), attribute="_api_parties_never_dumped")
    personal_data_masked = fields.Boolean(attribute="_api_masked_never_dumped")


class LedgerQuery(PageQuery):
    level = Text(load_default=None, validate=one_of(ListLevel.codes()))
    status = Text(load_default=None, validate=one_of(EntryStatus.codes()))
    dispute_type = Text(load_default=None, validate=[*length(16), one_of(DisputeType.codes())])


class LedgerEntryApi(AttachmentEndpoints, ResourceApi):
    resource_name = "ledger-entries"
    permission_group = "ledgers"
    model = LedgerEntry
    out_schema = LedgerEntryOut
    query_schema = LedgerQuery
    tag = "矛盾纠纷台账"
    noun = "台账条目"
    attachment_model = LedgerAttachment
    attachment_key = "entry_id"
    attachment_upload = "add_note"  # who adds work notes attaches, as on the page

    def filters(self, query: dict[str, Any]) -> list[Any]:
        return [getattr(LedgerEntry, name) == query[name]
                for name in ("level", "status", "dispute_type") if query.get(name)]

    def load_options(self):
        return (selectinload(LedgerEntry.parties).joinedload(LedgerParty.case), joinedload(LedgerEntry.responsible_unit))

    def dump(self, items: list[LedgerEntry], detail: bool = False) -> list[dict[str, Any]]:
        # In full only in one entry's own answer, to a role handling disputes (like its page).
        full = detail and has_personal_data_role(current_actor())
        schema = LedgerEntryOut()
        result = []
        for entry in items:
            data = mask_free_text_fields(schema.dump(entry), LedgerEntry, full)
            data["parties"] = party_values(entry, full)
            data["personal_data_masked"] = not full
            if full and any(p.id_number or p.phone for p in entry.parties):
                g.xf_api_personal.append(entry.id)
            result.append(data)
        return result
