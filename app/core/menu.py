"""Menu categories, in the order a county office works: petitions first, administration last."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

# key → (menu name, label, icon). Names are stable identifiers (they name permissions), and no
# category shares its name with a menu item: FAB's menu_access is by name, so a category named
# like one of its items would show that item to everyone who sees the category.
CATEGORIES: dict[str, tuple[str, Any, str]] = {
    "cases": ("Petitions", _l("Petitions"), "fa-envelope-open-text"),
    "ledgers": ("Ledgers", _l("Ledgers"), "fa-book"),
    "mediation": ("Mediation", _l("Mediation"), "fa-handshake"),
    "duty": ("Duty service", _l("24-hour duty"), "fa-phone-volume"),
    "leaders": ("Leader work", _l("Leaders"), "fa-user-tie"),
    "supervision": ("Supervision", _l("Supervision"), "fa-bell"),
    "fund": ("Hard-case fund", _l("Special fund"), "fa-coins"),  # short: ten areas on one line at 1366 px
    "knowledge": ("Knowledge base", _l("Policies"), "fa-book-reader"),
    "reports": ("Reports", _l("Reports"), "fa-chart-bar"),
    "admin": ("Administration", _l("Administration"), "fa-cogs"),
}


def add_menu_view(
    appbuilder: Any, view: Any, name: str, label: Any, category: str, icon: str = ""
) -> Any:
    """Register `view` as a menu item under one of CATEGORIES."""
    cat_name, cat_label, cat_icon = CATEGORIES[category]
    return appbuilder.add_view(
        view,
        name,
        label=label,
        icon=icon,
        category=cat_name,
        category_label=cat_label,
        category_icon=cat_icon,
    )


def navbar_menu() -> Markup:
    """The navigation menu's HTML. It depends on the user's roles (through the permissions), the
    language and where the app is mounted, nothing else: each process renders it once for each,
    and again when the permission tables change (app.core.refcache) — not on every page."""
    from flask import current_app, g, render_template, request
    from flask_babel import get_locale

    from app.core import refcache

    appbuilder = current_app.appbuilder
    roles = tuple(sorted(role.id for role in appbuilder.sm.get_user_roles(g.user) if role is not None))
    key = ("navbar_menu", id(appbuilder.menu), roles, str(get_locale()), request.script_root)
    # Autoescaped by the template: safe to mark so.
    return refcache.cached(key, lambda: Markup(render_template("xf/navbar_menu.html", menu=appbuilder.menu)))  # noqa: S704
