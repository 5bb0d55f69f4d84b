"""Which areas the app serves: each area's `register_views` adds its menus and views, and what
the areas hand to core when the app is created (`init_hooks`, `AREA_COMMANDS`).

Dependencies run one way — core ← org ← areas ← reports: a core module imports no area
(tests/core/test_layering.py). Where core needs an area's rule or wants an area told, it offers a
hook or a signal, and this module (or `init_audit` in app/__init__.py) connects the area to it."""

from __future__ import annotations

from typing import Any

from flask import Flask

from app.api import views as api
from app.attachments import views as attachments
from app.audit import views as audit
from app.casefile import views as casefile
from app.cases import backlog_views as case_marks
from app.cases import importing as case_import
from app.cases import ownership_views as case_ownership
from app.cases import views as cases
from app.cases import window_view as case_window
from app.deadlines import views as deadlines
from app.duty import views as duty
from app.fund import views as fund
from app.knowledge import views as knowledge
from app.leaders import views as leaders
from app.ledgers import views as ledgers
from app.lookup import views as lookup
from app.mediation import views as mediation
from app.notifications import views as notifications
from app.org import views as org
from app.portal import admin as portal
from app.practices import views as practices
from app.reports import views as reports
from app.supervision import views as supervision

AREAS = (
    cases, case_window, case_ownership, case_marks, case_import, attachments, ledgers, mediation, duty, leaders,
    supervision, fund, knowledge, practices, reports, org, audit,
    deadlines, api, portal, notifications, lookup, casefile,
)


def init_views(appbuilder: Any) -> None:
    """Register every area's views (the security views come with the security manager)."""
    for area in AREAS:
        area.register_views(appbuilder)


def area_commands() -> list[Any]:
    """The areas' `flask xf …` commands, added to core's `xf` group (app/__init__.py init_cli)."""
    from app.api.cli import reissue_api_keys
    from app.notifications.cli import send_outbox
    from app.worker.cli import worker

    return [reissue_api_keys, send_outbox, worker]


def init_hooks(app: Flask) -> None:
    """Hand the areas' rules to core, and connect the areas to core's signals. Run before the
    views are built (they read the org choice filter)."""
    from app.audit.backups import check_backups, on_backup_starting, on_restored
    from app.core import doctor
    from app.core.backup import backup_starting, restored
    from app.core.imports import import_finished
    from app.core.privacy import use_personal_data_grant
    from app.core.scoping import use_org_policy
    from app.core.views import use_org_choice_filter
    from app.deadlines.checks import check_next_years_holidays
    from app.notifications.checks import check_public_base_url
    from app.notifications.imports import on_import_finished
    from app.org.choices import OrgChoiceFilter
    from app.org.scoping import scope_for_user, units_in_scope
    from app.security.models import person_name
    from app.security.roles import PERSONAL_DATA
    from app.security.views import PersonalDataGrant
    from app.worker.health import check_worker

    use_org_choice_filter(OrgChoiceFilter)
    # Who sees what (the org tree and the roles), and who sees petitioners in full.
    use_org_policy(scope_for_user, units_in_scope)
    use_personal_data_grant((permission, PersonalDataGrant.__name__) for permission in PERSONAL_DATA)
    # {{ case.created_by|person }}: 姓 + 名 (韩德福), "" for nobody.
    app.jinja_env.filters["person"] = person_name
    backup_starting.connect(on_backup_starting)
    restored.connect(on_restored)
    import_finished.connect(on_import_finished)
    doctor.add_check(check_backups, after=doctor.check_https_cookies)
    doctor.add_check(check_next_years_holidays, after=doctor.check_time_zone)
    doctor.add_check(check_public_base_url, after=doctor.check_rate_limit_storage)
    doctor.add_check(check_worker, after=check_public_base_url)
