"""The OpenAPI description of /api/v1 and Swagger UI for administrators.

`GET /api/v1/_openapi` builds the spec from the resources' own schemas (the same ones that check
input and shape output) for any authenticated caller — a partner system reads it with its key.
Swagger UI (`/swagger/v1`) is Flask-AppBuilder's page (scripts served from this site, with the
request's CSP nonce), granted only to 系统管理员.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Response, current_app, request
from flask_appbuilder.api import expose
from flask_appbuilder.api.manager import SwaggerView

from app.api.base import ResourceApi, api_call, error_responses, respond

API_DESCRIPTION = """信访工作管理平台的数据接口（供12345热线平台、上级信访信息系统等对接）。

认证：`Authorization: Bearer <API密钥>`（管理员为每个外部系统签发，绑定角色和组织机构），
或 `POST /api/v1/auth/login` 取得的访问令牌。数据范围、个人信息遮蔽和办理流程规则与页面相同。
错误：4xx，JSON `{"code", "message", "field", "errors"}`，`code` 稳定不变。
"""


def _schema_name(schema: Any) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__
    return name[:-6] if name.endswith("Schema") else (name[:-3] if name.endswith("Out") else name)


def build_spec() -> dict[str, Any]:
    spec = APISpec(
        title=current_app.config.get("APP_NAME", "API"),
        version="v1",
        openapi_version="3.0.2",
        info={"description": API_DESCRIPTION},
        plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
        servers=[{"url": request.host_url.rstrip("/")}],
    )
    bearer = {"type": "http", "scheme": "bearer"}
    spec.components.security_scheme("api_key", {**bearer, "bearerFormat": "API key (xfk_…)"})
    spec.components.security_scheme("jwt", {**bearer, "bearerFormat": "JWT"})
    for name, response in error_responses().items():
        spec.components.response(name, response)
    for view in current_app.appbuilder.baseviews:
        if isinstance(view, ResourceApi):
            view.add_api_spec(spec)
    return spec.to_dict()


class OpenApiView(ResourceApi):
    """GET /api/v1/_openapi (the same URL Flask-AppBuilder's Swagger page asks for)."""

    route_base = "/api/v1"
    get_list = None  # type: ignore[assignment]
    get = None  # type: ignore[assignment]

    def audit_model(self) -> str | None:
        return None

    def openapi_operations(self) -> dict[str, dict[str, Any]]:
        return {}  # the spec does not describe itself

    @expose("/_openapi", methods=["GET"])
    @api_call(None)
    def spec(self) -> Response:
        return respond(200, build_spec())


class ApiDocsView(SwaggerView):
    """Swagger UI, for administrators only (no role is granted it in ROLE_GRANTS)."""

    permission_group = "api_docs"
