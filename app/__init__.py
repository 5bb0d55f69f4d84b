"""信访工作管理平台 — the application factory.

`create_app()` is a flat list of init steps, each documented where it lives. Every call builds a
fresh Flask app and a fresh AppBuilder (tests create many apps; a shared AppBuilder would leak
views between them).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

import config as default_config


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(default_config.INSTANCE_DIR))
    init_config(app, test_config)
    init_logging(app)
    init_database(app)
    init_audit(app)
    init_hooks(app)
    init_scoping(app)
    init_sessions(app)
    init_security_headers(app)
    init_appbuilder(app)
    init_portal(app)
    init_authentication(app)
    init_error_pages(app)
    init_templates(app)
    init_cli(app)
    return app


def init_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Defaults from config.py (themselves read from the environment), then test overrides.

    Behind a reverse proxy (PROXY_HOPS > 0) the client address, scheme and host come from its
    X-Forwarded-* headers — rate limits and the audit log must see the real client.
    """
    from app.core.clock import zone_named

    app.config.from_object(default_config)
    if test_config:
        app.config.update(test_config)
    zone_named(app.config["XF_TIMEZONE"])  # an unknown zone stops the start, with its name
    if app.config["XF_ENV"] not in default_config.XF_ENVIRONMENTS:
        raise RuntimeError(
            f"XF_ENV={app.config['XF_ENV']!r} is not one of {', '.join(default_config.XF_ENVIRONMENTS)}"
        )
    # JSON (the API, error bodies) in readable Chinese: UTF-8, not \u escapes.
    app.json.ensure_ascii = False
    hops = int(app.config.get("PROXY_HOPS", 0) or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def init_logging(app: Flask) -> None:
    """Log to stderr at INFO; FAB's per-view registration chatter only at WARNING."""
    if not app.debug and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("flask_appbuilder", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def init_database(app: Flask) -> None:
    """SQLAlchemy, Alembic migrations, and the SQLite pragmas/transaction mode."""
    from app import models  # noqa: F401 — every model mapped before the first query
    from app.core import database  # noqa: F401 — registers the engine event listeners
    from app.extensions import db, migrate

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        default_config.INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(default_config.BASE_DIR / "app" / "migrations"))


def init_audit(app: Flask) -> None:  # noqa: ARG001 — the listeners are global, like the models
    """The audit log: every change recorded at flush time, every list export and Excel import
    when it is done."""
    from app.audit import capture  # noqa: F401 — registers the session and mapper listeners
    from app.audit.record import on_export_done, on_export_started, on_import_done
    from app.core.export import export_done, export_started
    from app.core.imports import import_done

    export_started.connect(on_export_started)
    export_done.connect(on_export_done)
    import_done.connect(on_import_done)


def init_hooks(app: Flask) -> None:
    """What the areas hand to core: rules, template filters, listeners, doctor checks (core
    imports no area; app/registry.py says why)."""
    from app.registry import init_hooks as register

    register(app)


def init_scoping(app: Flask) -> None:  # noqa: ARG001 — the models are global
    """Every model's ScopeSpec is checked once the org policy is handed over: a link naming no
    column, or a `requires` the scope condition would leave out, stops the start (TypeError)."""
    from flask_appbuilder import Model

    from app.core.scoping import check_scope_specs

    check_scope_specs(mapper.class_ for mapper in Model.registry.mappers)


def init_security_headers(app: Flask) -> None:
    """CSP (with a per-request nonce for FAB's inline scripts), no framing, no sniffing."""
    from app.core.headers import init_security_headers as register

    register(app)


def init_portal(app: Flask) -> None:
    """The public portal under /portal: petition online, query code, rating (no login)."""
    from app.portal import init_portal as register

    register(app)


def init_authentication(app: Flask) -> None:
    """Password rule, and the forced password change (after AppBuilder has set g.user)."""
    from app.security.auth import init_authentication as register

    register(app)


def init_sessions(app: Flask) -> None:
    """CSRF on every form post, sessions that expire after the configured idle time and end on
    the server (logout, password, roles), and no session cookie on static files
    (app/core/sessions.py says why)."""
    from flask import session

    from app.core.sessions import PageSessionInterface, init_revocation
    from app.extensions import csrf
    from app.security.models import AppUser

    csrf.init_app(app)
    app.session_interface = PageSessionInterface()
    init_revocation(AppUser)

    @app.before_request
    def _sliding_session() -> None:
        session.permanent = True


def init_appbuilder(app: Flask) -> None:
    """A fresh AppBuilder with our security manager, menu order and every area's views."""
    from flask_appbuilder import AppBuilder
    from flask_appbuilder.menu import Menu

    from app.core.menu import CATEGORIES
    from app.extensions import db
    from app.registry import init_views

    menu = Menu()
    for name, label, icon in CATEGORIES.values():
        menu.add_category(name, icon=icon, label=label)
    with app.app_context():
        appbuilder = AppBuilder(menu=menu)
        appbuilder.init_app(app, db.session)
        init_views(appbuilder)
        _drop_empty_categories(menu)


def _drop_empty_categories(menu: Any) -> None:
    """Categories reserved for areas that registered no views stay out of the menu."""
    menu.menu = [item for item in menu.menu if item.childs or item.baseview or item.href]


def init_error_pages(app: Flask) -> None:
    """Chinese 403/404/500 pages (JSON for the API); no stack trace ever reaches the user."""
    from app.core.errors import init_error_pages as register

    register(app)


def init_templates(app: Flask) -> None:
    """Template filters every page uses (how values read: blank, 是/否, dates), linked cases as
    the viewer may see them, and the cached navigation menu."""
    from app.cases.references import linked_case, linked_case_cell, linked_cases, shown_case_numbers
    from app.core.display import init_display
    from app.core.menu import navbar_menu
    from app.notifications.views import unread_for_navbar

    init_display(app)
    app.jinja_env.globals["xf_navbar_menu"] = navbar_menu
    app.jinja_env.globals["xf_unread_count"] = unread_for_navbar
    app.jinja_env.globals.update(linked_case=linked_case, linked_case_cell=linked_case_cell, linked_cases=linked_cases,
                                 shown_case_numbers=shown_case_numbers)


def init_cli(app: Flask) -> None:
    """`flask xf …` (set-up, roles), `flask seed …` (demo data), `flask backup` / `flask restore`."""
    from app.core.backup import backup, restore
    from app.core.cli import xf
    from app.registry import area_commands
    from seed.cli import seed

    for command in area_commands():
        xf.add_command(command)
    app.cli.add_command(xf)
    app.cli.add_command(seed)
    app.cli.add_command(backup)
    app.cli.add_command(restore)
