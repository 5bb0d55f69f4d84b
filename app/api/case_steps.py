"""Workflow steps over the API: the steps a caller may take now, taking one (`workflow.apply_step`,
with its optimistic lock and retry token), and the case's timeline."""

from __future__ import annotations

from typing import Any

from flask import Response, g
from flask_appbuilder.api import expose
from flask_babel import gettext
from sqlalchemy import select

from app.api import errors
from app.api.base import ID_PATH, api_call, json_body, respond
from app.api.case_schemas import StepIn, event_values
from app.api.errors import ApiError, problem
from app.api.schemas import load
from app.cases import workflow
from app.cases.case_page import shows_personal_data
from app.cases.models import Case
from app.cases.workflow_models import CaseEvent
from app.core.errors import DomainError
from app.core.privacy import mask_free_text_fields
from app.core.scoping import current_actor, scoped_select
from app.extensions import db

# --- input kinds of workflow steps → JSON types ---------------------------------------------------

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "text": (str,), "textarea": (str,), "choice": (str,), "date": (str,), "datetime": (str,),
    "case": (str,), "bool": (bool,), "int": (int,), "unit": (int,), "units": (list,),
}


def _check_step_inputs(step_def: workflow.Step, raw: dict[str, Any]) -> dict[str, Any]:
    known = {inp.name: inp for inp in step_def.inputs}
    found = []
    for name in raw:
        if name not in known:
            found.append(problem("unknown_field", gettext("Unknown field"), f"inputs.{name}"))
    for name, value in raw.items():
        inp = known.get(name)
        if inp is None or value is None:
            continue
        kinds = _JSON_TYPES.get(inp.kind, (str,))
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if ok and inp.kind == "units":
            ok = all(isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**31 for v in value)
        if ok and inp.kind in ("int", "unit"):
            ok = -(2**31) < value < 2**31
        if ok and isinstance(value, str):
            ok = "\x00" not in value and _encodable(value)
        if not ok:
            found.append(problem("invalid_type", gettext("Wrong type of value for this field"), f"inputs.{name}"))
    if found:
        raise errors.invalid(found)
    return raw


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class CaseSteps:
    """The workflow endpoints of `CaseApi` (app/api/cases.py)."""

    @expose(f"/{ID_PATH}/steps", methods=["GET"])
    @api_call("show")
    def steps(self, pk: int) -> Response:
        case = self.get_item(pk)
        result = []
        for step_def in workflow.available_steps(case, current_actor()):
            result.append({
                "code": step_def.code,
                "label": str(step_def.label),
                "description": str(step_def.description or ""),
                "inputs": [
                    {
                        "name": inp.name,
                        "label": str(inp.label),
                        "kind": inp.kind,
                        "required": inp.required,
                        "choices": [{"code": c, "label": label} for c, label in inp.choices.choices()]
                        if inp.choices else None,
                    }
                    for inp in step_def.inputs
                ],
            })
        return respond(200, {"version": case.version, "result": result})

    @expose(f"/{ID_PATH}/steps/<string:step_code>", methods=["POST"])
    @api_call("step")
    def apply_step(self, pk: int, step_code: str) -> Response:
        step_def = workflow.STEPS.get(step_code)
        if step_def is None:
            raise ApiError(404, "unknown_step", gettext("Unknown step."), "step_code")
        values = load(StepIn(), json_body())
        inputs = _check_step_inputs(step_def, values.get("inputs") or {})
        case = self._lock(pk)
        user = current_actor()
        token = values.get("token")
        try:
            event = workflow.apply_step(
                case, step_code, user, expected_version=values.get("version"), token=token, **inputs
            )
            db.session.commit()
        except workflow.AlreadyApplied:
            db.session.rollback()
            event = db.session.execute(
                select(CaseEvent).where(CaseEvent.token == token)
            ).scalars().first()
            if event is None or event.case_id != pk:
                raise ApiError(409, "duplicate", gettext("This step has already been applied."), "token") from None
        except DomainError as exc:
            db.session.rollback()
            status = 409 if exc.code == "conflict" else 422
            raise errors.from_domain(exc, status, prefix="inputs.") from None
        visible = db.session.execute(
            scoped_select(Case).where(Case.id == pk).options(*self.load_options())
        ).unique().scalars().first()
        return respond(200, {
            "event": event_values(event),
            # A step may take the case out of the caller's area (a unit sends it back).
            "case": self.serialize([visible], detail=True)[0] if visible is not None else None,
        })

    def _lock(self, pk: int) -> Case:
        """The case for a step, its row locked (PostgreSQL) so concurrent steps queue up."""
        case = db.session.execute(
            scoped_select(Case).where(Case.id == pk).with_for_update(of=Case)
            .execution_options(populate_existing=True)
        ).scalars().first()
        if case is None:
            raise errors.not_found()
        g.xf_api_record = pk
        return case

    @expose(f"/{ID_PATH}/events", methods=["GET"])
    @api_call("show")
    def events(self, pk: int) -> Response:
        case = self.get_item(pk)
        full = shows_personal_data(case, current_actor())  # the notes follow the case's own rule
        return respond(200, {"result": [mask_free_text_fields(event_values(e), CaseEvent, full)
                                        for e in workflow.timeline(case, db.session)]})
