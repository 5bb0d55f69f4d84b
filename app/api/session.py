"""Signing in over the API: a login name and password for a JWT access token."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_appbuilder.api import expose
from marshmallow import Schema, fields

from app.api.auth import login
from app.api.base import ResourceApi, api_call, json_body, one_of_result, operation, respond
from app.api.schemas import ApiSchema, Text, length, load


class LoginIn(ApiSchema):
    username = Text(required=True, validate=length(256, 1))
    password = Text(required=True, validate=length(256, 1))


class TokenOut(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"enum": ["Bearer"]})
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds the token is valid"})
    notice = fields.String(metadata={
        "description": "Only when the account was locked since the person's last login: tell them"
    })


class AuthApi(ResourceApi):
    resource_name = "auth"
    tag = "登录"

    def audit_model(self) -> str | None:
        return "ab_user"

    @expose("/login", methods=["POST"])
    @api_call(None, authenticated=False)
    def login(self) -> Response:
        values = load(LoginIn(), json_body())
        return respond(200, {"result": login(values["username"], values["password"])})

    # Not a resource: no list or record endpoints.
    get_list = None  # type: ignore[assignment]
    get = None  # type: ignore[assignment]

    def openapi_operations(self) -> dict[str, dict[str, Any]]:
        return {"/login": {"post": operation(
            "登录，取得访问令牌（JWT）", self.tag, body=LoginIn,
            responses={200: one_of_result(TokenOut)},
            errors_=(400, 401, 403, 413), security=False,
            description="Same password rules, lockout and audit as the login page. Send the "
                        "token as 'Authorization: Bearer <access_token>'.",
        )}}
