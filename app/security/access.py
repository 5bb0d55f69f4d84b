"""Does the request's user hold a permission? One question every area's views ask."""

from __future__ import annotations

from typing import Any


def may(permission: str, view: Any) -> bool:
    """`permission` in FAB's spelling ("can_list", "bulk_assign") on `view` — a view's
    permission name ("CaseView") or a view instance (its `class_permission_name`)."""
    from flask import current_app

    name = view if isinstance(view, str) else view.class_permission_name
    return current_app.appbuilder.sm.has_access(permission, name)
