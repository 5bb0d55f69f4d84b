"""Which areas the app serves: each area's `register_views` adds its menus and views."""

from __future__ import annotations

from typing import Any

from app.api import views as api
from app.attachments import views as attachments
from app.audit import views as audit
from app.cases import import_view as case_import
from app.cases import views as cases
from app.deadlines import views as deadlines
from app.duty import views as duty
from app.fund import views as fund
from app.leaders import views as leaders
from app.ledgers import views as ledgers
from app.mediation import views as mediation
from app.notifications import views as notifications
from app.org import views as org
from app.portal import admin as portal
from app.practices import views as practices
from app.reports import views as reports
from app.supervision import views as supervision

AREAS = (
    cases, case_import, attachments, ledgers, mediation, duty, leaders, supervision, fund, practices, reports, org, audit,
    deadlines, api, portal, notifications,
)


def init_views(appbuilder: Any) -> None:
    """Register every area's views (the security views come with the security manager)."""
    for area in AREAS:
        area.register_views(appbuilder)
