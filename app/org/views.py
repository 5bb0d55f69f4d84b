"""The org tree's generated views: places and units, edited by the administrator."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.core.errors import DomainError
from app.core.paging import ScopedInterface
from app.core.views import ScopedModelView
from app.extensions import db
from app.org.models import OrgKind, OrgUnit

# Which kinds may hang under which (a village under a township, a department under the county …).
ALLOWED_PARENTS = {
    OrgKind.COUNTY: set(),
    OrgKind.TOWNSHIP: {OrgKind.COUNTY},
    OrgKind.VILLAGE: {OrgKind.TOWNSHIP},
    OrgKind.HAMLET: {OrgKind.VILLAGE},
    OrgKind.DEPARTMENT: {OrgKind.COUNTY},
    OrgKind.BUREAU: {OrgKind.COUNTY},
    OrgKind.INSPECTION: {OrgKind.COUNTY},
    OrgKind.DISCIPLINE: {OrgKind.COUNTY},
    OrgKind.OFFICE: {OrgKind.TOWNSHIP},
}


class OrgUnitView(ScopedModelView):
    datamodel = ScopedInterface(OrgUnit)
    permission_group = "org"
    route_base = "/org"
    list_title = _l("Organisation")
    show_title = _l("Org unit")
    add_title = _l("Add org unit")
    edit_title = _l("Edit org unit")
    label_columns = {
        "name": _l("Name"),
        "kind": _l("Kind"),
        "code": _l("Code"),
        "parent": _l("Belongs to"),
        "township": _l("Township"),
        "sort_order": _l("Sort order"),
        "active": _l("In use"),
    }
    list_columns = ["name", "kind", "parent", "code", "active"]
    show_columns = ["name", "kind", "parent", "township", "code", "sort_order", "active"]
    add_columns = edit_columns = ["name", "kind", "parent", "code", "sort_order", "active"]
    search_columns = ["name", "parent", "code", "active"]
    base_order = ("path", "asc")
    order_columns = ["name", "kind", "code"]
    org_choice_columns = {"parent": "any"}
    page_size = 50

    def validate_item(self, item: OrgUnit, is_new: bool) -> None:
        kind = OrgKind(item.kind)
        parent = item.parent
        allowed = ALLOWED_PARENTS[kind]
        if parent is None and allowed:
            raise DomainError(gettext("Choose what this unit belongs to"), field="parent")
        if parent is not None and OrgKind(parent.kind) not in allowed:
            raise DomainError(
                gettext(
                    "A %(kind)s cannot belong to a %(parent)s",
                    kind=kind.label,
                    parent=OrgKind(parent.kind).label,
                ),
                field="parent",
            )
        if parent is not None and not is_new and f"/{item.id}/" in (parent.path or ""):
            raise DomainError(gettext("A unit cannot belong to itself"), field="parent")
        if is_new:
            db.session.add(item)
            db.session.flush()
        item.set_parent(parent)


def register_views(appbuilder) -> None:
    from app.core.menu import add_menu_view

    add_menu_view(appbuilder, OrgUnitView, "Organisation", _l("Organisation"), "admin", "fa-sitemap")
