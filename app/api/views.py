"""Administration of API clients: register a platform, issue keys (shown once), revoke them."""

from __future__ import annotations

import re
import secrets

from flask import abort, flash, make_response, redirect, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.api.keys import issue_key
from app.api.models import ApiClient
from app.core.errors import DomainError
from app.core.paging import ScopedInterface
from app.core.validators import MaxLength
from app.core.views import ScopedModelView
from app.extensions import db
from app.security.models import AppUser

SOURCE_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")


class ApiClientView(ScopedModelView):
    """接口客户端: the platforms that call the API, each acting as one role in one org unit."""

    datamodel = ScopedInterface(ApiClient)
    permission_group = "api_clients"
    route_base = "/api-clients"
    list_title = _l("API clients")
    show_title = _l("API client")
    add_title = _l("Register an API client")
    edit_title = _l("Edit API client")
    show_template = "xf/api/client.html"
    label_columns = {
        "name": _l("Platform"),
        "source": _l("Source code"),
        "role": _l("Acts as role"),
        "org_unit": _l("Acts for org unit"),
        "active": _l("Active"),
        "note": _l("Note"),
        "created_at": _l("Registered at"),
        "created_by": _l("Registered by"),
    }
    list_columns = ["name", "source", "role", "org_unit", "active", "created_at"]
    add_columns = edit_columns = ["name", "source", "role", "org_unit", "active", "note"]
    show_columns = ["name", "source", "role", "org_unit", "active", "note", "created_at", "created_by"]
    search_columns = ["name", "source", "org_unit", "active"]
    org_choice_columns = {"org_unit": "any"}
    validators_columns = {"note": [MaxLength(2000)]}
    description_columns = {
        "name": _l("e.g. 12345 hotline platform, provincial petition information system"),
        "source": _l("Lower-case letters, digits, '_', '-' or '.': stamped on the cases this platform creates"),
        "role": _l("The platform may do through the API what a person with this role may do"),
        "org_unit": _l("Its area: it sees and changes only records of this unit or place"),
        "active": _l("An inactive client's keys are refused at once"),
    }
    base_order = ("name", "asc")

    def validate_item(self, item: ApiClient, is_new: bool) -> None:
        item.source = (item.source or "").strip().lower()
        if not SOURCE_RE.match(item.source):
            raise DomainError(
                gettext("Use 1–32 lower-case letters, digits, '_', '-' or '.'"), field="source"
            )
        if item.org_unit is None:
            raise DomainError(gettext("This field is required"), field="org_unit")
        taken = db.session.execute(
            select(ApiClient.id).where(ApiClient.source == item.source, ApiClient.id != (item.id or 0))
        ).first()
        if taken:
            raise DomainError(gettext("Another client already uses this source code."), field="source")
        self._sync_user(item)

    def _sync_user(self, client: ApiClient) -> None:
        """The client's technical user: its role, org unit and active flag follow the client."""
        sm = self.appbuilder.sm
        role = sm.find_role(client.role)
        if role is None:
            raise DomainError(gettext("Choose a role"), field="role")
        user = client.user
        if user is None:
            username = f"api.{client.source}"
            if db.session.execute(select(AppUser.id).where(AppUser.username == username)).first():
                raise DomainError(gettext("Another client already uses this source code."), field="source")
            user = AppUser(
                username=username,
                email=f"{client.source}@api.invalid",
                # Nobody knows this password: the technical user only acts through API keys.
                password=generate_password_hash(secrets.token_urlsafe(32)),
                must_change_password=False,
            )
            client.user = user
        user.first_name = (client.name or "")[:64]
        user.last_name = str(gettext("API"))[:64]
        user.roles = [role]
        user.org_unit = client.org_unit
        user.active = bool(client.active)

    # --- the client's page: its keys ------------------------------------------------------------

    def _keys(self, client: ApiClient) -> list:
        from flask_appbuilder.security.sqla.models import ApiKey

        if client.user_id is None:
            return []
        return list(db.session.execute(
            select(ApiKey).where(ApiKey.user_id == client.user_id).order_by(ApiKey.created_on.desc())
        ).scalars())

    def _page(self, client: ApiClient, new_key: str | None = None):
        widgets = self._get_show_widget(client.id, client)
        page = self.render_template(
            self.show_template, pk=client.id, title=self.show_title, widgets=widgets,
            client=client, keys=self._keys(client), new_key=new_key,
        )
        return page

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        return self._page(self.get_scoped_item(pk))

    @expose("/issue/<pk>", methods=["POST"])
    @has_access
    def issue(self, pk):
        """Issue a key and show it this once (only its hash is kept; no redirect, no flash)."""
        client = self.get_scoped_item(pk)
        if client.user is None or not client.active:
            flash(gettext("Activate the client before issuing a key."), "danger")
            return redirect(url_for(".show", pk=client.id))
        created = issue_key(client)
        if created is None:
            abort(500)
        response = make_response(self._page(client, new_key=created["key"]))
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/revoke/<pk>/<key_uuid>", methods=["POST"])
    @has_access
    def revoke(self, pk, key_uuid: str):
        """Revoke one key of this client: refused from the next call on."""
        client = self.get_scoped_item(pk)
        key = next((k for k in self._keys(client) if k.uuid == key_uuid), None)
        if key is None:
            abort(404)
        self.appbuilder.sm.revoke_api_key(key.uuid)
        flash(gettext("The key %(name)s is revoked.", name=key.name), "success")
        return redirect(url_for(".show", pk=client.id))


def register_views(appbuilder) -> None:
    from app.api.attachments import JointMeetingApi, SupervisionAnswerApi
    from app.api.cases import CaseApi
    from app.api.ledgers import LedgerEntryApi
    from app.api.mediation import MediationRecordApi
    from app.api.openapi import ApiDocsView, OpenApiView
    from app.api.reference import OrgUnitApi, SubjectApi
    from app.api.session import AuthApi
    from app.core.menu import add_menu_view

    for api in (AuthApi, CaseApi, LedgerEntryApi, MediationRecordApi, SupervisionAnswerApi, JointMeetingApi,
                OrgUnitApi, SubjectApi, OpenApiView):
        registered = appbuilder.add_api(api)
        if api is AuthApi and appbuilder.sm.is_auth_limited:
            # The same limit as the login page: passwords are not guessed faster over the API.
            appbuilder.sm.limiter.limit(appbuilder.sm.auth_rate_limit, methods=["POST"])(registered.blueprint)
    appbuilder.add_view_no_menu(ApiDocsView)
    add_menu_view(appbuilder, ApiClientView, "ApiClients", _l("API clients"), "admin", "fa-plug")
    appbuilder.add_link(
        "ApiDocs", label=_l("API documentation"), href="/swagger/v1", icon="fa-book",
        category="Administration",
    )
