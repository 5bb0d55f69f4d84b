"""Attachments over the API: a record's files listed, uploaded (multipart/form-data, field `file`
and optional `description`) and downloaded — the pages' storage (app/attachments/storage.py: size
and type checked by content, random names) and the pages' scope (an attachment is found only
through a parent the caller may open: otherwise 404).

`AttachmentEndpoints` is mixed into a resource (cases, ledger entries, mediation records, 督办
answers, joint meetings); the resource names its attachment model, parent key and the permission
that uploads (`attachment_upload`: the page's upload grant, e.g. "add_note" for ledger entries).
GET and POST share one URL rule: with a rule per method, Werkzeug answers an out-of-range id
with 405 instead of 404 (as for a case's GET/DELETE).

This module also holds the two resources that exist for their files: the written answers to
督办单 and the joint meetings (read-only, like ledger entries and mediation records).
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask import Response, g, request
from flask_appbuilder.api import expose
from marshmallow import Schema, fields
from sqlalchemy.orm import joinedload

from app.api import errors
from app.api.base import (
    ID_PATH,
    ResourceApi,
    api_call,
    id_parameter,
    one_of_result,
    operation,
    respond,
)
from app.api.schemas import LocalDate, LocalDateTime
from app.attachments.models import AnswerAttachment, MeetingAttachment
from app.attachments.storage import ALLOWED_KINDS
from app.attachments.views import attachments_of, send_attachment, store_attachment
from app.core.scoping import get_scoped
from app.security.access import may
from app.supervision.models import JointMeeting, MeetingKind, OrderAnswer

ATTACHMENT_PATH = "<int(min=1, max=2147483647):aid>"


class AttachmentOut(Schema):
    id = fields.Integer(required=True)
    original_name = fields.String(required=True, metadata={"description": "The file's name as uploaded"})
    content_type = fields.String(required=True, metadata={"description": "Decided from the content"})
    size = fields.Integer(required=True, metadata={"description": "Bytes"})
    sha256 = fields.String(required=True)
    description = fields.String(allow_none=True)
    created_at = LocalDateTime(required=True)


class AttachmentEndpoints:
    """GET and POST /<pk>/attachments (the list, an upload), GET /<pk>/attachments/<aid> (the file)."""

    attachment_model: ClassVar[Any]
    attachment_key: ClassVar[str]
    attachment_upload: ClassVar[str] = "add"

    def __init__(self) -> None:
        super().__init__()
        # The upload permission is checked inside the shared rule: make it one of the resource's.
        permission = f"can_{self.attachment_upload}"
        if permission not in self.base_permissions:
            self.base_permissions.append(permission)

    @expose(f"/{ID_PATH}/attachments", methods=["GET", "POST"])
    @api_call("show")
    def attachments(self, pk: int) -> Response:
        if request.method == "POST":
            if not may(f"can_{self.attachment_upload}", self):
                raise errors.forbidden()
            return self.attach(pk)
        parent = self.get_item(pk)
        rows = attachments_of(self.attachment_model, self.attachment_key, parent.id)
        return respond(200, {"count": len(rows), "result": AttachmentOut(many=True).dump(rows)})

    @expose(f"/{ID_PATH}/attachments/{ATTACHMENT_PATH}", methods=["GET"])
    @api_call("show")
    def download_attachment(self, pk: int, aid: int) -> Response:
        parent = self.get_item(pk)
        attachment = get_scoped(self.attachment_model, aid)
        if attachment is None or getattr(attachment, self.attachment_key) != parent.id:
            raise errors.not_found()
        return send_attachment(attachment)

    def attach(self, pk: int) -> Response:
        parent = self.get_item(pk)
        attachment = store_attachment(self.attachment_model, self.attachment_key, parent.id,
                                      request.files.get("file"), request.form.get("description"))
        g.xf_api_record = pk
        return respond(201, {"result": AttachmentOut().dump(attachment)})

    def attachment_operations(self) -> dict[str, dict[str, Any]]:
        noun = f"{self.noun}附件"
        upload_body = {
            "required": True,
            "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"},
                               "description": {"type": "string", "maxLength": 200}},
            }}},
        }
        upload = operation(f"上传{noun}", self.tag, parameters=[id_parameter()],
                           responses={201: one_of_result(AttachmentOut)}, errors_=(400, 401, 403, 404, 413, 422))
        upload["requestBody"] = upload_body
        download = operation(f"下载{noun}", self.tag, parameters=[id_parameter(), id_parameter("aid")],
                             errors_=(401, 403, 404))
        binary = {"schema": {"type": "string", "format": "binary"}}
        download["responses"]["200"] = {
            "description": "The file, as a download",
            "content": {kind.content_type: binary for kind in ALLOWED_KINDS},
        }
        return {
            "/{pk}/attachments": {
                "get": operation(f"{noun}列表", self.tag, parameters=[id_parameter()],
                                 responses={200: {"type": "object", "properties": {
                                     "count": {"type": "integer"},
                                     "result": {"type": "array", "items": AttachmentOut}}}},
                                 errors_=(401, 403, 404)),
                "post": upload,
            },
            "/{pk}/attachments/{aid}": {"get": download},
        }

    def openapi_operations(self) -> dict[str, dict[str, Any]]:
        return {**super().openapi_operations(), **self.attachment_operations()}  # type: ignore[misc]


# --- the resources that exist for their files ----------------------------------------------------


class AnswerOut(Schema):
    id = fields.Integer(required=True)
    order_id = fields.Integer(required=True)
    order_number = fields.Function(lambda a: a.order.number if a.order else None, metadata={"type": "string"})
    unit_id = fields.Integer(required=True)
    unit = fields.Function(lambda a: a.unit.name if a.unit else None, allow_none=True, metadata={"type": "string"})
    answered_at = LocalDateTime(required=True)
    text = fields.String(required=True)


class SupervisionAnswerApi(AttachmentEndpoints, ResourceApi):
    """The written answers (书面答复) to 督办单, seen as their orders are; their files."""

    resource_name = "supervision-answers"
    permission_group = "supervision"
    model = OrderAnswer
    out_schema = AnswerOut
    tag = "督办答复"
    noun = "督办答复"
    updated_column = "answered_at"
    attachment_model = AnswerAttachment
    attachment_key = "answer_id"
    attachment_upload = "answer"

    def load_options(self):
        return (joinedload(OrderAnswer.order), joinedload(OrderAnswer.unit))


class MeetingOut(Schema):
    id = fields.Integer(required=True)
    version = fields.Integer(required=True)
    title = fields.String(required=True)
    kind = fields.String(required=True, metadata={"enum": MeetingKind.codes()})
    held_on = LocalDate(required=True)
    convener = fields.String(required=True)
    township_id = fields.Integer(allow_none=True, metadata={"description": "Empty: the county's meeting"})
    decisions = fields.String(allow_none=True)
    unit_names = fields.String(required=True)
    created_at = LocalDateTime(required=True)
    updated_at = LocalDateTime(required=True)


class JointMeetingApi(AttachmentEndpoints, ResourceApi):
    """联席会议 records (read-only) and their files (the minutes)."""

    resource_name = "joint-meetings"
    permission_group = "meetings"
    model = JointMeeting
    out_schema = MeetingOut
    tag = "联席会议"
    noun = "联席会议"
    attachment_model = MeetingAttachment
    attachment_key = "meeting_id"
    attachment_upload = "edit"
