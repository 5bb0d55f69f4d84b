"""The base of every API resource: authenticated, permission-checked, scoped, audited.

`ResourceApi` is Flask-AppBuilder's `BaseApi` (a blueprint under /api/v1/<resource>, permissions
synchronised into the roles like any view) with what a resource needs here:

- every call goes through `api_call`: the caller is authenticated (app/api/auth.py), the role
  must hold the permission on this resource, refusals become JSON errors with a stable code
  (app/api/errors.py), the transaction is rolled back on any refusal, and the call is written
  to the audit log — one INSERT, whatever the outcome;
- every read goes through `scoped_select(model)` — the same scope as the pages, so a record
  outside the caller's area is a 404 and never appears in a list;
- lists are paged (`page`, `page_size` up to FAB_API_MAX_PAGE_SIZE) and take `updated_since`
  for sync, ordered by change time then id;
- the OpenAPI description of each operation is built from the same marshmallow schemas that
  check the input and shape the output (app/api/openapi.py collects them).

Why not `ModelRestApi`: its query language (Rison `q`), its English error bodies and its
column-by-column serialisation do not fit the contract above (plain query parameters, Chinese
errors with codes, personal data masked per record by the pages' own functions); what it would
still give — base filters and generated schemas — is a few lines here.

A new resource (supervision orders, the rates figures …) is a subclass naming its model, its
permission group and its output schema; see app/api/ledgers.py for the smallest one.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

from flask import Response, current_app, g, jsonify, request
from flask_appbuilder.api import BaseApi, expose
from flask_babel import gettext
from marshmallow import Schema
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.elements import ColumnElement

from app.api import errors
from app.api.auth import authenticate, touch_key
from app.api.errors import ApiError
from app.api.schemas import ErrorSchema, PageQuery, load
from app.cases.references import linked_case_columns, linked_case_values
from app.core.errors import DomainError, StaleRecordError, is_conflict, is_outage, outage_message
from app.core.scoping import current_actor, scoped_select
from app.extensions import db
from app.security.access import may

log = logging.getLogger(__name__)

ID_PATH = "<int(min=1, max=2147483647):pk>"
MAX_BODY_BYTES = 1024 * 1024


# --- one call -----------------------------------------------------------------------------------


def api_call(permission: str | None, *, authenticated: bool = True
             ) -> Callable[[Callable[..., Any]], Callable[..., Response]]:
    """Wrap an endpoint: authenticate, check `can_<permission>`, turn refusals into JSON, audit.

    `permission=None`: any authenticated caller (the spec); `authenticated=False`: anyone (the
    login itself).
    """

    def wrap(f: Callable[..., Any]) -> Callable[..., Response]:
        @functools.wraps(f)
        def wrapper(self: ResourceApi, *args: Any, **kwargs: Any) -> Response:
            g.xf_api_personal = []
            try:
                if authenticated:
                    authenticate()
                if permission is not None and not may(f"can_{permission}", self):
                    raise errors.forbidden()
                response = f(self, *args, **kwargs)
            except ApiError as exc:
                db.session.rollback()
                response = exc.response()
            except StaleRecordError as exc:
                db.session.rollback()
                response = errors.from_domain(exc, status=409).response()
            except DomainError as exc:
                db.session.rollback()
                response = errors.from_domain(exc).response()
            except StaleDataError:
                db.session.rollback()
                response = errors.from_domain(StaleRecordError(), status=409).response()
            except SQLAlchemyError as exc:
                response = database_error(exc).response()
            audit(self, response)
            return response

        if permission is not None:
            # Flask-AppBuilder collects these into the view's base permissions (can_<name>).
            wrapper._permission_name = permission  # type: ignore[attr-defined]
        return wrapper

    return wrap


def database_error(exc: SQLAlchemyError) -> ApiError:
    """What a failed database call answers: 409 for a lost race the rules could not see (a
    unique constraint, colliding transactions), 503 when the database is out of reach, 500 for
    anything else — logged, nothing saved."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        log.warning("Rolling back after a database error failed as well", exc_info=True)
    if is_conflict(exc):
        log.warning("API %s %s lost a race in the database: %s", request.method, request.path, exc)
        return ApiError(
            409, "conflict",
            gettext("The record could not be saved because it was changed at the same "
                    "time. Please try again."),
        )
    log.exception("API %s %s failed in the database", request.method, request.path)
    if is_outage(exc):
        return ApiError(503, "database_unavailable", outage_message())
    return ApiError(500, "internal_error",
                    gettext("Something went wrong on our side. The error has been logged."))


def audit(api: ResourceApi, response: Response) -> None:
    """One audit entry per call: who, which client, what, the outcome, personal data shown."""
    from app.audit.models import AuditKind
    from app.audit.record import record_event

    details: dict[str, Any] = {"status": response.status_code, "via": g.get("xf_api_via")}
    key = g.get("xf_api_key")
    if key is not None:
        details["api_key"] = key.name
    if request.query_string:
        details["query"] = request.query_string.decode("utf-8", "replace")[:500]
    if response.status_code >= 400 and response.is_json:
        details["error"] = (response.get_json(silent=True) or {}).get("code")
    personal = g.get("xf_api_personal") or []
    if personal:
        # Full ID numbers and phones went out: which records (the pages log one entry each).
        details["personal_data"] = personal[:500]
    try:
        record_event(
            AuditKind.API,
            model=api.audit_model(),
            record_id=g.get("xf_api_record"),
            summary=f"{request.method} {request.path} → {response.status_code}",
            details=details,
        )
        touch_key()
    except SQLAlchemyError:
        # The call has been answered; a failed log write must not turn it into an error page.
        log.exception("Could not write the audit entry of API call %s %s", request.method, request.path)


def json_body() -> Any:
    """The request's JSON, or ApiError(400) — whatever the Content-Type claims."""
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, "too_large", gettext("The uploaded file exceeds the size limit."))
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (ValueError, UnicodeDecodeError):
        raise ApiError(
            400, "malformed_json", gettext("The request body is not valid JSON (UTF-8).")
        ) from None


_INT_RE = re.compile(r"^-?\d{1,12}$")


def query_args(schema: Schema) -> dict[str, Any]:
    """Query parameters through a schema (numbers arrive as text; they are checked as numbers)."""
    from marshmallow import fields

    data: dict[str, Any] = {}
    for name, field in schema.fields.items():
        key = field.data_key or name
        if key not in request.args:
            continue
        value = request.args.get(key, "")
        if isinstance(field, fields.Integer) and _INT_RE.match(value.strip()):
            data[key] = int(value)
        else:
            data[key] = value
    return load(schema, data)


def respond(status: int, payload: dict[str, Any]) -> Response:
    response = jsonify(payload)
    response.status_code = status
    return response


# --- a resource ---------------------------------------------------------------------------------


class ResourceApi(BaseApi):
    """Read endpoints of one scoped model: GET /api/v1/<resource>/ and /<id>."""

    version = "v1"
    allow_browser_login = False  # our own `authenticate` decides (GET only for sessions)
    permission_group = ""
    model: Any = None
    out_schema: type[Schema]
    query_schema: type[PageQuery] = PageQuery
    # OpenAPI: the tag (a group of operations) and what one record is called.
    tag = ""
    noun = ""
    # Lists are ordered by this column then id, and `updated_since` filters on it; None for
    # reference data without change times (ordered by `order_by`).
    updated_column: str | None = "updated_at"
    order_by: tuple[str, ...] = ("id",)

    def __init__(self) -> None:
        super().__init__()
        self._check_case_links()

    def _check_case_links(self) -> None:
        """A resource's output names cases only through its model's declared links (a foreign
        key to a case, a LINKED_NUMBERS column), which `serialize` shows as the viewer may read
        them: a field of another kind (a case's number read through a relationship) would print
        a case the viewer may not open — refused when the app starts."""
        from app.cases.models import Case

        if self.model is None or self.model is Case or getattr(self, "out_schema", None) is None:
            return
        declared = set().union(*linked_case_columns(self.model))
        for name in self.out_schema().fields:
            if "case" in name and name not in declared:
                raise TypeError(f"{type(self).__name__}: {self.out_schema.__name__}.{name} names a case outside "
                                f"{self.model.__name__}'s declared links (a case_id key or info=LINKED_NUMBERS)")

    # --- hooks --------------------------------------------------------------------------------

    def filters(self, query: dict[str, Any]) -> list[ColumnElement]:
        """Conditions for a list's own query parameters (beyond pages and updated_since)."""
        return []

    def visible(self) -> Any:
        """The records the caller may see, as a select (default: the model in the scope)."""
        return scoped_select(self.model)

    def load_options(self) -> Sequence[Any]:
        """Loader options so a page of records needs no query per row."""
        return ()

    def dump(self, items: list[Any], detail: bool = False) -> list[dict[str, Any]]:
        """The records through the output schema. `detail`: one record asked for by id — the
        only answer that may carry personal data in full (lists are masked like the pages')."""
        from app.core.privacy import has_personal_data_role, mask_free_text_fields

        schema = self.out_schema()
        full = detail and has_personal_data_role(current_actor())
        return [mask_free_text_fields(schema.dump(item), self.model, full) for item in items]

    def serialize(self, items: list[Any], detail: bool = False) -> list[dict[str, Any]]:
        """What every answer carrying records sends (`dump`, which a resource may shape): its
        links to cases as the viewer may read them — a case they may not open is null /
        "（无权查看的信访件）", as on the pages (app/cases/references.py `linked_case_values`)."""
        return linked_case_values(self.model, items, self.dump(items, detail))

    def audit_model(self) -> str | None:
        return getattr(self.model, "__tablename__", None)

    # --- shared -------------------------------------------------------------------------------

    def get_item(self, pk: int) -> Any:
        """The record if it is inside the caller's scope, else a 404 (never 'forbidden')."""
        item = db.session.execute(
            self.visible().where(self.model.id == pk).options(*self.load_options())
        ).unique().scalars().first()
        if item is None:
            raise errors.not_found()
        g.xf_api_record = pk
        return item

    def max_page_size(self) -> int:
        return int(current_app.config.get("FAB_API_MAX_PAGE_SIZE", 200))

    # --- endpoints ----------------------------------------------------------------------------

    @expose("/", methods=["GET"])
    @api_call("list")
    def get_list(self) -> Response:
        query = query_args(self.query_schema())
        if query["page_size"] > self.max_page_size():
            raise ApiError(
                400, "out_of_range",
                gettext("At most %(n)d records per page.", n=self.max_page_size()), "page_size",
            )
        model = self.model
        conditions = list(self.filters(query))
        changed = getattr(model, self.updated_column) if self.updated_column else None
        if changed is not None and query.get("updated_since") is not None:
            conditions.append(changed >= query["updated_since"])
        base = self.visible().where(*conditions)
        count = db.session.execute(
            select(func.count()).select_from(base.with_only_columns(model.id).subquery())
        ).scalar_one()
        size = query["page_size"]
        order = [changed] if changed is not None else [getattr(model, name) for name in self.order_by]
        rows = db.session.execute(
            base.options(*self.load_options())
            .order_by(*order, model.id)
            .limit(size)
            .offset((query["page"] - 1) * size)
        ).unique().scalars().all()
        return respond(200, {
            "count": count,
            "page": query["page"],
            "page_size": size,
            "result": self.serialize(list(rows)),
        })

    @expose(f"/{ID_PATH}", methods=["GET"])
    @api_call("show")
    def get(self, pk: int) -> Response:
        return self.show_one(pk)

    def show_one(self, pk: int) -> Response:
        return respond(200, {"result": self.serialize([self.get_item(pk)], detail=True)[0]})

    # --- OpenAPI ------------------------------------------------------------------------------

    def openapi_operations(self) -> dict[str, dict[str, Any]]:
        """path (under /api/v1/<resource>) → {method: operation}."""
        out = self.out_schema
        return {
            "/": {"get": operation(
                f"{self.noun}列表", self.tag,
                parameters=page_parameters(self.query_schema),
                responses={200: page_of(out)},
                errors_=(400, 401, 403),
            )},
            "/{pk}": {"get": operation(
                f"单条{self.noun}", self.tag,
                parameters=[id_parameter()],
                responses={200: one_of_result(out)},
                errors_=(401, 403, 404),
            )},
        }

    def add_api_spec(self, api_spec: Any) -> None:
        for path, operations in self.openapi_operations().items():
            api_spec.path(path=f"{self.route_base}{path}".rstrip("/") + ("/" if path == "/" else ""),
                          operations=operations)


# --- OpenAPI helpers -----------------------------------------------------------------------------

SECURITY = [{"api_key": []}, {"jwt": []}]


def operation(summary: str, tag: str, *, parameters: list[dict[str, Any]] | None = None,
              body: type[Schema] | Schema | None = None, responses: dict[int, Any] | None = None,
              errors_: Sequence[int] = (), security: bool = True, description: str = "") -> dict[str, Any]:
    spec: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": {}}
    if description:
        spec["description"] = description
    if parameters:
        spec["parameters"] = parameters
    if body is not None:
        spec["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    for status, schema in (responses or {}).items():
        spec["responses"][str(status)] = {
            "description": {200: "OK", 201: "Created"}.get(status, "OK"),
            "content": {"application/json": {"schema": schema}},
        }
    for status in (*errors_, 503):  # any call may meet a database outage
        spec["responses"][str(status)] = {"$ref": f"#/components/responses/E{status}"}
    if security:
        spec["security"] = SECURITY
    return spec


def page_of(schema: type[Schema]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["count", "page", "page_size", "result"],
        "properties": {
            "count": {"type": "integer", "description": "Records matching, all pages"},
            "page": {"type": "integer"},
            "page_size": {"type": "integer"},
            "result": {"type": "array", "items": schema},
        },
    }


def one_of_result(schema: Any) -> dict[str, Any]:
    return {"type": "object", "required": ["result"], "properties": {"result": schema}}


def id_parameter(name: str = "pk") -> dict[str, Any]:
    return {"in": "path", "name": name, "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}


def page_parameters(schema: type[Schema]) -> list[dict[str, Any]]:
    """Query parameters from a query schema: the spec and the check are the same thing."""
    from apispec.ext.marshmallow.openapi import OpenAPIConverter

    converter = OpenAPIConverter(openapi_version="3.0.2", schema_name_resolver=lambda s: None, spec=None)
    parameters = converter.schema2parameters(schema, location="query")
    for parameter in parameters:
        # A query parameter is absent or has a value: no null in the spec.
        prop = parameter["schema"]
        prop.pop("nullable", None)
        if prop.get("default", 0) is None:
            del prop["default"]
        if "enum" in prop:
            prop["enum"] = [v for v in prop["enum"] if v is not None]
    return parameters


ERROR_STATUSES = {
    400: "Bad input (malformed JSON, unknown field, wrong type)",
    401: "Not signed in, or the key or token is not valid",
    403: "The role may not do this",
    404: "No such record inside the caller's area",
    405: "Not allowed on this record (a case is voided, never deleted)",
    409: "Changed by someone else meanwhile, or a duplicate",
    413: "Request body too large",
    422: "Refused by a rule (the message says why; `field` names the input)",
    503: "The database is out of reach for the moment: nothing was saved, try again later",
}


def error_responses() -> dict[str, dict[str, Any]]:
    return {
        f"E{status}": {
            "description": text,
            "content": {"application/json": {"schema": ErrorSchema}},
        }
        for status, text in ERROR_STATUSES.items()
    }
