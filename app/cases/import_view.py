"""信访件导入: the case import page (the shared Excel import, app/core/import_views.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.cases.importing import CASE_IMPORT
from app.core.import_views import ImportView


class CaseImportView(ImportView):
    spec = CASE_IMPORT
    permission_group = "case_import"
    route_base = "/cases/import"
    list_endpoint = "CaseView.list"


def register_views(appbuilder) -> None:
    from app.core.menu import add_menu_view

    add_menu_view(appbuilder, CaseImportView, "Case import", _l("Import cases from Excel"), "cases", "fa-file-import")
