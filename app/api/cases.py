"""Cases over the API: read (with petitioners, masked as on the pages), register, take steps.

- Registration runs the registration form's rules (app/cases/rules.py, app/core/validators.py)
  and `workflow.register` — numbering, the acceptance clock and the first history event are
  the same as for a case entered at the desk.
- An API client's cases carry its `source`; with `external_id` creation is idempotent: the
  same item sent twice is one case — 201 the first time, 200 with the same case afterwards.
  Both belong to API clients only: a person's (JWT) calls have none.
- Steps are `workflow.apply_step`, the function behind the case page's buttons: the same
  roles, states, inputs, deadlines and optimistic lock; `token` makes a retried step harmless.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Response, g, request
from flask_appbuilder.api import expose
from flask_babel import gettext
from marshmallow import Schema, fields
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.api import errors
from app.api.base import (
    ID_PATH,
    ResourceApi,
    api_call,
    id_parameter,
    json_body,
    one_of_result,
    operation,
    respond,
)
from app.api.errors import ApiError, problem
from app.api.schemas import (
    ApiSchema,
    LocalDateTime,
    PageQuery,
    StrictBoolean,
    StrictInteger,
    Text,
    at_least,
    length,
    load,
    one_of,
)
from app.cases import workflow
from app.cases.case_page import petitioner_values, shows_personal_data
from app.cases.forms import MAX_PETITIONERS
from app.cases.models import (
    Case,
    CaseStatus,
    Category,
    Channel,
    Mailbox,
    Petitioner,
    Satisfaction,
    Subject,
)
from app.cases.rules import (
    case_problems,
    hold_for_screening,
    reported_unit_problems,
    responsible_unit_problem,
)
from app.cases.workflow_models import CaseEvent
from app.core.errors import DomainError
from app.core.privacy import mask_free_text_fields
from app.core.scoping import current_actor, current_scope, scope_clause, scoped_select
from app.core.validators import (
    future_error,
    id_number_error,
    normalize_id_number,
    normalize_phone,
    phone_error,
)
from app.extensions import db
from app.org.models import OrgKind, OrgUnit
from app.portal.codes import format_code
from app.portal.issuing import announce_registration

SOURCE_PATTERN = r"^[A-Za-z0-9_.-]{1,32}$"
# The registration form's field names → the API's.
FIELD_NAMES = {
    "township": "township_id",
    "village": "village_id",
    "responsible_unit": "responsible_unit_id",
    "subject": "subject_id",
}


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
    data = EventOut().dump(event)
    data["label"] = workflow.step_label(event.step, event.details)
    return data


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


# --- the resource ---------------------------------------------------------------------------------


class CaseApi(ResourceApi):
    resource_name = "cases"
    permission_group = "cases"
    model = Case
    out_schema = CaseOut
    query_schema = CaseQuery
    tag = "信访件"
    noun = "信访件"

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

    def serialize(self, items: list[Case], detail: bool = False) -> list[dict[str, Any]]:
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

    # --- registration ---------------------------------------------------------------------------

    @expose("/", methods=["POST"])
    @api_call("add")
    def post(self) -> Response:
        values = load(CaseIn(), json_body())
        user = current_actor()
        scope = current_scope()
        source, external_id = self._origin(values)
        if external_id is not None:
            existing = self._existing(source, external_id)
            if existing is not None:
                return respond(200, {"result": self.serialize([existing], detail=True)[0]})
        case = self._build(values, user, scope)
        case.source, case.external_id = source, external_id
        if case.category == Category.ACCUSATION.value and g.get("xf_api_key") is not None:
            # From another platform, like a letter through the portal (条例 Art. 30): held for
            # the county petition office to confirm the unit it names.
            from app.portal.submission import county_unit

            hold_for_screening(case, case.reported_unit, county_unit())
        earlier = self._earlier(values.get("repeat_of"))
        workflow.register(case, user, repeat_of=earlier)
        db.session.add(case)
        try:
            db.session.flush()
            # The 查询码 (and the petitioner's SMS): returned in this answer only, never again.
            code = announce_registration(db.session, case)
            db.session.commit()
        except IntegrityError:
            # The same item arrived twice at the same moment: the other request created it.
            db.session.rollback()
            existing = self._existing(source, external_id) if external_id is not None else None
            if existing is None:
                raise
            return respond(200, {"result": self.serialize([existing], detail=True)[0]})
        g.xf_api_record = case.id
        fresh = db.session.execute(
            scoped_select(Case).where(Case.id == case.id).options(*self.load_options())
        ).unique().scalars().first()
        if fresh is None:
            # Held for screening (an accusation from another platform): registered, not shown.
            return respond(201, {"result": {"id": case.id, "number": case.number, "held_for_screening": True,
                                            "query_code": format_code(code)}})
        return respond(201, {"result": {**self.serialize([fresh], detail=True)[0], "query_code": format_code(code)}})

    def _origin(self, values: dict[str, Any]) -> tuple[str | None, str | None]:
        """The case's `source` and `external_id`: an API client's own, never a person's — a
        person naming a platform could take its item ids (the platform's own item would then be
        refused) and learn from the answer that an item exists elsewhere."""
        from app.api.models import ApiClient

        external_id = (values.get("external_id") or "").strip() or None
        source = (values.get("source") or "").strip() or None
        client_source = None
        if g.get("xf_api_key") is not None:
            client_source = db.session.execute(
                select(ApiClient.source).where(ApiClient.user_id == current_actor().id)
            ).scalar_one_or_none()
        if client_source is None:
            for name, value in (("source", source), ("external_id", external_id)):
                if value is not None:
                    raise ApiError(
                        422, "api_client_only",
                        gettext("Only another platform's API client (with its API key) sends "
                                "source and external_id; a person's calls have none."),
                        name,
                    )
            return None, None
        if source is not None:
            if not re.match(SOURCE_PATTERN, source):
                raise ApiError(400, "invalid_type", gettext("Wrong type of value for this field"), "source")
            if source != client_source:
                raise ApiError(
                    422, "source_mismatch",
                    gettext("An API client creates cases only under its own source (%(source)s).",
                            source=client_source),
                    "source",
                )
        return client_source, external_id

    def _existing(self, source: str | None, external_id: str) -> Case | None:
        found = db.session.execute(
            select(Case.id).where(Case.source == source, Case.external_id == external_id)
        ).scalar_one_or_none()
        if found is None:
            return None
        case = db.session.execute(
            scoped_select(Case).where(Case.id == found).options(*self.load_options())
        ).unique().scalars().first()
        if case is None:
            # Registered earlier, but no longer in the caller's area (e.g. sent to another unit).
            raise ApiError(
                409, "already_registered",
                gettext("This item was registered before and is no longer in your area."),
                "external_id",
            )
        g.xf_api_record = case.id
        return case

    def _earlier(self, number: str | None) -> Case | None:
        if not number:
            return None
        earlier = db.session.execute(
            select(Case).where(Case.number == number.strip().upper(), scope_clause(Case))
        ).scalars().first()
        if earlier is None:
            raise ApiError(
                422, "invalid", gettext("No case with this number in your area."), "repeat_of"
            )
        return earlier

    def _build(self, values: dict[str, Any], user: Any, scope: Any) -> Case:
        found: list[dict[str, Any]] = []

        def refuse(field: str, message: str, code: str = "invalid") -> None:
            found.append(problem(code, message, field))

        township_id = values.get("township_id") or scope.default_township_id
        township = _org(township_id, OrgKind.TOWNSHIP)
        if township_id is None:
            refuse("township_id", gettext("This field is required"), "required")
        elif township is None:
            refuse("township_id", gettext("No township with this id."), "not_found")
        village = None
        if values.get("village_id") is not None:
            village = _org(values["village_id"], OrgKind.VILLAGE)
            if village is None:
                refuse("village_id", gettext("No village with this id."), "not_found")
        unit = None
        if values.get("responsible_unit_id") is not None:
            unit = db.session.get(OrgUnit, values["responsible_unit_id"])
            unit_problem = responsible_unit_problem(unit, scope)
            if unit_problem is not None:
                refuse("responsible_unit_id", unit_problem.message)
                unit = None
        reported = None
        if values.get("reported_unit_id") is not None:
            reported = db.session.get(OrgUnit, values["reported_unit_id"])
            if reported is None or not reported.active or reported.kind == OrgKind.COUNTY.value:
                refuse("reported_unit_id", gettext("No unit with this id."), "not_found")
                reported = None
            else:
                for rule in reported_unit_problems(category=values["category"], reported_unit=reported,
                                                   responsible_unit=unit, actor_lineage=scope.lineage):
                    refuse("responsible_unit_id" if rule.field == "responsible_unit" else "reported_unit_id",
                           rule.message)
        subject = None
        if values.get("subject_id") is not None:
            subject = db.session.get(Subject, values["subject_id"])
            if subject is None or not subject.active:
                refuse("subject_id", gettext("No subject with this id."), "not_found")
        error = future_error(values["received_at"])
        if error:
            refuse("received_at", error)
        people = values["petitioners"]
        for index, person in enumerate(people):
            if not person["name"].strip():
                refuse(f"petitioners[{index}].name", gettext("Enter the petitioner's name"), "required")
            if person.get("id_number"):
                error = id_number_error(person["id_number"])
                if error:
                    refuse(f"petitioners[{index}].id_number", error, "invalid_id_number")
            if person.get("phone"):
                error = phone_error(person["phone"])
                if error:
                    refuse(f"petitioners[{index}].phone", error, "invalid_phone")
        people_count = values.get("people_count") or len(people)
        if township is not None:
            for rule in case_problems(
                scope=scope, township_id=township.id, village=village, channel=values["channel"],
                people_count=people_count, named=len(people), responsible_unit=unit,
            ):
                refuse(FIELD_NAMES.get(rule.field or "", rule.field or ""), rule.message,
                       "outside_area" if rule.field == "township" else rule.code)
        if found:
            raise errors.invalid(found, 422)
        return Case(
            channel=values["channel"],
            received_at=values["received_at"],
            category=values["category"],
            subject_id=subject.id if subject else None,
            title=values["title"].strip(),
            content=values["content"],
            demands=values.get("demands") or None,
            people_count=people_count,
            township_id=township.id,
            village_id=village.id if village else None,
            responsible_unit_id=unit.id if unit else None,
            reported_unit_id=reported.id if reported else None,
            reported_unit=reported,
            skips_levels=values.get("skips_levels", False),
            petitioners=[
                Petitioner(
                    name=p["name"].strip(),
                    id_number=normalize_id_number(p["id_number"]) if p.get("id_number") else None,
                    phone=normalize_phone(p["phone"]) if p.get("phone") else None,
                    address=(p.get("address") or "").strip() or None,
                    sort_order=position,
                )
                for position, p in enumerate(people)
            ],
        )

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

    # --- workflow -----------------------------------------------------------------------------

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


def _org(unit_id: int | None, kind: OrgKind) -> OrgUnit | None:
    if unit_id is None:
        return None
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None or not unit.active or unit.kind != kind.value:
        return None
    return unit
