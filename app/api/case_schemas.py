"""The API's payloads for cases: what a case, a step and an event read like, and what a
registration or a step sends."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from app.api.schemas import (
    ApiSchema,
    LocalDateTime,
    PageQuery,
    StrictBoolean,
    StrictInteger,
    Text,
    at_least,
    length,
    one_of,
)
from app.cases import workflow
from app.cases.forms import MAX_PETITIONERS
from app.cases.models import CaseStatus, Category, Channel, Mailbox, Satisfaction
from app.cases.workflow_models import CaseEvent

SOURCE_PATTERN = r"^[A-Za-z0-9_.-]{1,32}$"


def _name(attribute: str) -> fields.Function:
    def read(obj: Any) -> str | None:
        related = getattr(obj, attribute)
        return related.name if related is not None else None

    return fields.Function(read, allow_none=True, metadata={"type": "string"})


# --- payloads --------------------------------------------------------------------------------


class PetitionerOut(Schema):
    name = fields.String(required=True)
    id_number = fields.String(required=True, metadata={"description": "Masked (3201**********1234) unless the caller handles the case"})
    phone = fields.String(required=True, metadata={"description": "Masked (138****5678) unless the caller handles the case"})
    address = fields.String(required=True)


class CaseOut(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True, metadata={"description": "Case number, e.g. XF2026-000123"})
    query_code = fields.String(metadata={
        "description": "查询码 (ABCD-EFGH-JKMN): in the 201 answer of a registration only, never again"})
    version = fields.Integer(required=True, metadata={"description": "Send it back with a step: the optimistic lock"})
    status = fields.String(required=True, metadata={"enum": CaseStatus.codes()})
    status_label = fields.String(required=True)
    channel = fields.String(required=True, metadata={"enum": Channel.codes()})
    # Letters sent through the public portal: which online mailbox, and its org unit.
    mailbox = fields.String(allow_none=True, metadata={"enum": [*Mailbox.codes(), None]})
    mailbox_unit_id = fields.Integer(allow_none=True)
    received_at = LocalDateTime(required=True)
    category = fields.String(required=True, metadata={"enum": Category.codes()})
    subject_id = fields.Integer(allow_none=True)
    subject = _name("subject")
    title = fields.String(required=True)
    content = fields.String(required=True)
    demands = fields.String(allow_none=True)
    people_count = fields.Integer(required=True)
    is_collective = fields.Boolean(required=True)
    is_repeat = fields.Boolean(required=True)
    skips_levels = fields.Boolean(required=True)
    township_id = fields.Integer(required=True)
    township = _name("township")
    village_id = fields.Integer(allow_none=True)
    village = _name("village")
    responsible_unit_id = fields.Integer(allow_none=True)
    responsible_unit = _name("responsible_unit")
    accept_due_at = LocalDateTime(allow_none=True)
    accepted_at = LocalDateTime(allow_none=True)
    refusal_reason = fields.String(allow_none=True)
    assigned_at = LocalDateTime(allow_none=True)
    due_at = LocalDateTime(allow_none=True)
    next_due_at = LocalDateTime(allow_none=True, metadata={"description": "Deadline of what the case waits for now"})
    replied_at = LocalDateTime(allow_none=True)
    reply_text = fields.String(allow_none=True)
    closed_at = LocalDateTime(allow_none=True)
    satisfaction = fields.String(allow_none=True, metadata={"enum": [*Satisfaction.codes(), None]})
    source = fields.String(allow_none=True)
    external_id = fields.String(allow_none=True)
    created_at = LocalDateTime(required=True)
    updated_at = LocalDateTime(required=True)
    # Filled by CaseApi.serialize through the pages' masking (never dumped from the rows).
    petitioners = fields.List(fields.Nested(PetitionerOut), attribute="_api_petitioners_never_dumped")
    personal_data_masked = fields.Boolean(attribute="_api_masked_never_dumped")


class PetitionerIn(ApiSchema):
    name = Text(required=True, validate=length(50, 1))
    id_number = Text(load_default=None, allow_none=True, validate=length(18),
                     metadata={"description": "18-character resident ID number (checksum verified)"})
    phone = Text(load_default=None, allow_none=True, validate=length(24),
                 metadata={"description": "Mobile (11 digits) or landline such as 0451-12345678"})
    address = Text(load_default=None, allow_none=True, validate=length(200))


class CaseIn(ApiSchema):
    external_id = Text(load_default=None, allow_none=True, validate=length(64, 1), metadata={
        "description": "API clients only: the item's id in the sending platform; the same "
                       "external_id twice is one case (201 the first time, 200 afterwards)"})
    source = Text(load_default=None, allow_none=True, validate=length(32, 1), metadata={
        "pattern": SOURCE_PATTERN,
        "description": "API clients only, and only their own source (the default)"})
    channel = Text(required=True, validate=one_of(Channel.codes()))
    received_at = LocalDateTime(required=True)
    category = Text(required=True, validate=one_of(Category.codes()))
    subject_id = StrictInteger(load_default=None, allow_none=True, validate=at_least(1, 2147483647))
    title = Text(required=True, validate=length(200, 1))
    content = Text(required=True, validate=length(20000, 1))
    demands = Text(load_default=None, allow_none=True, validate=length(5000))
    people_count = StrictInteger(load_default=None, allow_none=True, validate=at_least(1, 100000),
                                 metadata={"description": "Empty: the number of petitioners"})
    township_id = StrictInteger(load_default=None, allow_none=True, validate=at_least(1, 2147483647),
                                metadata={"description": "Empty: the caller's own township"})
    village_id = StrictInteger(load_default=None, allow_none=True, validate=at_least(1, 2147483647))
    responsible_unit_id = StrictInteger(load_default=None, allow_none=True, validate=at_least(1, 2147483647))
    reported_unit_id = StrictInteger(load_default=None, allow_none=True, validate=at_least(1, 2147483647), metadata={
        "description": "Reports and accusations (检举控告) only: the unit reported on. From an API "
                       "client (another platform) the case is then held for the county petition "
                       "office to confirm the unit, hidden from everyone else meanwhile"})
    reported_unit_not_sure = StrictBoolean(load_default=False, metadata={
        "description": "Reports and accusations (检举控告): true when the petitioner cannot say which unit "
                       "(不清楚) — the case is then held for the county petition office to name it. An "
                       "accusation carries reported_unit_id or this"})
    skips_levels = StrictBoolean(load_default=False)
    repeat_of = Text(load_default=None, allow_none=True, validate=length(24), metadata={
        "description": "Number of an earlier case of the same matter (重信重访) in the caller's area"})
    petitioners = fields.List(fields.Nested(PetitionerIn), required=True,
                              validate=length(MAX_PETITIONERS, 1))


class CaseQuery(PageQuery):
    status = Text(load_default=None, validate=one_of(CaseStatus.codes()))
    source = Text(load_default=None, validate=length(32, 1))
    external_id = Text(load_default=None, validate=length(64, 1))


class StepIn(ApiSchema):
    version = StrictInteger(load_default=None, allow_none=True, validate=at_least(1, 2147483647), metadata={
        "description": "The case version the decision was based on: refused (409) if it changed since"})
    token = Text(load_default=None, allow_none=True, validate=length(64, 8), metadata={
        "pattern": r"^[0-9A-Za-z_-]{8,64}$",
        "description": "Your own id for this step: sent again, the step is not applied twice"})
    inputs = fields.Dict(keys=fields.String(), load_default=dict, metadata={
        "description": "The step's inputs by name (GET …/steps lists them)"})


class StepInputOut(Schema):
    name = fields.String(required=True)
    label = fields.String(required=True)
    kind = fields.String(required=True, metadata={
        "description": "text, textarea: string; int: integer; choice: one of `choices`; date: YYYY-MM-DD; "
                       "datetime: RFC 3339; bool: boolean; unit: org unit id; units: list of ids; "
                       "case: a case number"})
    required = fields.Boolean(required=True)
    choices = fields.List(fields.Dict(), allow_none=True)


class StepOut(Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)
    description = fields.String(required=True)
    inputs = fields.List(fields.Nested(StepInputOut), required=True)


class EventOut(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    step = fields.String(required=True)
    label = fields.String(required=True)
    from_status = fields.String(allow_none=True)
    to_status = fields.String(required=True)
    occurred_at = LocalDateTime(required=True)
    recorded_at = LocalDateTime(required=True)
    actor_name = fields.String(required=True)
    actor_unit = fields.String(required=True)
    text = fields.String(allow_none=True)
    details = fields.Dict(allow_none=True)


def event_values(event: CaseEvent) -> dict[str, Any]:
    """An event as the caller may read it: a case named in its details (a repeat's earlier case,
    a merge's source or target) only if they may open that case (workflow.shown_details)."""
    data = EventOut().dump(event)
    data["label"] = workflow.step_label(event.step, event.details)
    data["details"] = workflow.shown_details(event.details)
    return data
