"""A page of its own that only reads (a report, a roster, a queue, a workload): one `index`
route, opened with its permission group's "view" grant (can_list), like a list."""

from __future__ import annotations

from flask_appbuilder import BaseView


class ReadPage(BaseView):
    """Subclass, set `permission_group` and `route_base`, and expose `index` at "/"."""

    default_view = "index"
    method_permission_name = {"index": "list"}
    previous_method_permission_name = method_permission_name
