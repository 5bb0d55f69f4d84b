"""Cases over the API: read (with petitioners, masked as on the pages), register, take steps.

- Registration runs the registration form's rules (app/cases/rules.py, app/core/validators.py)
  and `workflow.register` — numbering, the acceptance clock and the first history event are
  the same as for a case entered at the desk.
- An API client's cases carry its `source`; with `external_id` creation is idempotent: the
  same item sent twice is one case — 201 the first time, 200 with the same case afterwards.
  Both belong to API clients only: a person's (JWT) calls have none.
- Steps are `workflow.apply_step`, the function behind the case page's buttons: the same
  roles, states, inputs, deadlines and optimistic lock; `token` makes a retried step harmless.

The jobs: payloads in `case_schemas.py`, registration in `case_registration.py`, steps and the
timeline in `case_steps.py`; this module reads cases and describes the whole resource.
"""

from __future__ import annotations

from typing import Any

from flask import Response, g, request
from flask_appbuilder.api import expose
from sqlalchemy.orm import joinedload, selectinload

from app.api.attachments import AttachmentEndpoints
from app.api.base import ID_PATH, ResourceApi, api_call, id_parameter, one_of_result, operation
from app.api.case_registration import CaseRegistration
from app.api.case_schemas import CaseIn, CaseOut, CaseQuery, EventOut, StepIn, StepOut
from app.api.case_steps import CaseSteps
from app.api.errors import ApiError
from app.attachments.models import CaseAttachment
from app.cases import workflow
from app.cases.case_page import petitioner_values, shows_personal_data
from app.cases.models import Case
from app.core.privacy import mask_free_text_fields
from app.core.scoping import current_actor

# --- the resource ---------------------------------------------------------------------------------


class CaseApi(AttachmentEndpoints, CaseRegistration, CaseSteps, ResourceApi):
    resource_name = "cases"
    permission_group = "cases"
    model = Case
    out_schema = CaseOut
    query_schema = CaseQuery
    tag = "信访件"
    noun = "信访件"
    attachment_model = CaseAttachment
    attachment_key = "case_id"
    attachment_upload = "add"  # who registers cases attaches, as on the page

    def filters(self, query: dict[str, Any]) -> list[Any]:
        conditions = []
        for name in ("status", "source", "external_id"):
            if query.get(name):
                conditions.append(getattr(Case, name) == query[name])
        return conditions

    def load_options(self):
        return (
            joinedload(Case.village),
            joinedload(Case.responsible_unit),
            selectinload(Case.petitioners),
        )

    def dump(self, items: list[Case], detail: bool = False) -> list[dict[str, Any]]:
        user = current_actor()
        schema = CaseOut()
        result = []
        for case in items:
            # In full only in the case's own answer, to a role handling it (like the case page).
            full = detail and shows_personal_data(case, user)
            data = mask_free_text_fields(schema.dump(case), Case, full)
            data["petitioners"] = petitioner_values(case, full)
            data["personal_data_masked"] = not full
            if full and case.petitioners:
                g.xf_api_personal.append(case.id)
            result.append(data)
        return result

    # One rule for both methods: with a DELETE rule of its own, Werkzeug answers a GET whose id
    # is out of range with 405 (the other rule matched the path) instead of 404.
    @expose(f"/{ID_PATH}", methods=["GET", "DELETE"])
    @api_call("show")
    def get(self, pk: int) -> Response:
        """DELETE: a registered case is never deleted — 405 `not_deletable`, saying how to void
        it (the step `void`). Outside the caller's area the case does not exist (404)."""
        if request.method == "DELETE":
            self.get_item(pk)
            raise ApiError(405, "not_deletable", workflow.deletion_refusal())
        return self.show_one(pk)


    # --- OpenAPI ------------------------------------------------------------------------------

    def openapi_operations(self) -> dict[str, dict[str, Any]]:
        operations = super().openapi_operations()
        operations["/"]["post"] = operation(
            "登记信访件", self.tag, body=CaseIn,
            responses={201: one_of_result(CaseOut), 200: one_of_result(CaseOut)},
            errors_=(400, 401, 403, 409, 413, 422),
            description="201: registered; the answer carries `query_code` (查询码, ABCD-EFGH-JKMN), "
                        "given this once only — hand it to the petitioner, it is never shown again. "
                        "200: an item with this source and external_id was "
                        "registered before; the existing case is returned (no code).",
        )
        operations["/{pk}"]["delete"] = operation(
            "删除信访件（不允许）", self.tag, parameters=[id_parameter()],
            errors_=(401, 403, 404, 405),
            description="A registered case is never deleted: always 405 `not_deletable`. A "
                        "registration made by mistake is voided with the step `void` "
                        "(POST /{pk}/steps/void, input `reason`).",
        )
        operations["/{pk}/steps"] = {"get": operation(
            "当前可办理的步骤", self.tag, parameters=[id_parameter()],
            responses={200: {
                "type": "object", "required": ["version", "result"],
                "properties": {"version": {"type": "integer"},
                               "result": {"type": "array", "items": StepOut}},
            }},
            errors_=(401, 403, 404),
        )}
        operations["/{pk}/steps/{step_code}"] = {"post": operation(
            "办理一个流程步骤", self.tag, body=StepIn,
            parameters=[id_parameter(), {"in": "path", "name": "step_code", "required": True,
                                          "schema": {"type": "string", "enum": sorted(workflow.STEPS)}}],
            responses={200: {
                "type": "object", "required": ["event", "case"],
                "properties": {"event": EventOut, "case": {**_ref("Case"), "nullable": True}},
            }},
            errors_=(400, 401, 403, 404, 409, 413, 422),
        )}
        operations["/{pk}/events"] = {"get": operation(
            "办理记录（时间线）", self.tag, parameters=[id_parameter()],
            responses={200: {"type": "object", "required": ["result"],
                             "properties": {"result": {"type": "array", "items": EventOut}}}},
            errors_=(401, 403, 404),
        )}
        return operations


def _ref(name: str) -> dict[str, Any]:
    return {"allOf": [{"$ref": f"#/components/schemas/{name}"}]}
