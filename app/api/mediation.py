"""Mediation records (调解记录) over the API, read-only but for their files (the signed agreement)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields
from sqlalchemy.orm import joinedload

from app.api.attachments import AttachmentEndpoints
from app.api.base import ResourceApi
from app.api.schemas import LocalDate, LocalDateTime, PageQuery, Text, one_of
from app.attachments.models import MediationAttachment
from app.ledgers.models import DisputeType
from app.mediation.models import Honoured, MediationMethod, MediationRecord, Outcome, Referral


class MediationRecordOut(Schema):
    id = fields.Integer(required=True)
    version = fields.Integer(required=True)
    committee_id = fields.Integer(required=True)
    committee = fields.Function(lambda r: r.committee.name if r.committee else None, allow_none=True,
                                metadata={"type": "string"})
    township_id = fields.Integer(allow_none=True)
    township = fields.Function(lambda r: r.township.name if r.township else None, allow_none=True,
                               metadata={"type": "string"})
    village_id = fields.Integer(allow_none=True)
    title = fields.String(required=True)
    dispute_type = fields.String(required=True, metadata={"enum": DisputeType.codes()})
    description = fields.String(allow_none=True)
    parties = fields.String(required=True)
    ledger_entry_id = fields.Integer(allow_none=True)
    case_id = fields.Integer(allow_none=True)
    case_number = fields.String(allow_none=True)
    method = fields.String(required=True, metadata={"enum": MediationMethod.codes()})
    mediator_names = fields.String(required=True)
    applied_on = LocalDate(required=True)
    mediated_on = LocalDate(allow_none=True)
    concluded_on = LocalDate(allow_none=True)
    outcome = fields.String(required=True, metadata={"enum": Outcome.codes()})
    referral = fields.String(allow_none=True, metadata={"enum": [*Referral.codes(), None]})
    agreement = fields.String(allow_none=True)
    honoured = fields.String(allow_none=True, metadata={"enum": [*Honoured.codes(), None]})
    created_at = LocalDateTime(required=True)
    updated_at = LocalDateTime(required=True)


class MediationQuery(PageQuery):
    outcome = Text(load_default=None, validate=one_of(Outcome.codes()))


class MediationRecordApi(AttachmentEndpoints, ResourceApi):
    resource_name = "mediation-records"
    permission_group = "mediation"
    model = MediationRecord
    out_schema = MediationRecordOut
    query_schema = MediationQuery
    tag = "调解记录"
    noun = "调解记录"
    attachment_model = MediationAttachment
    attachment_key = "record_id"
    attachment_upload = "edit"  # who may edit the record attaches, as on the page

    def filters(self, query: dict[str, Any]) -> list[Any]:
        return [MediationRecord.outcome == query["outcome"]] if query.get("outcome") else []

    def load_options(self):
        return (joinedload(MediationRecord.committee), joinedload(MediationRecord.township))
