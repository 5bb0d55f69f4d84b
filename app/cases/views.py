"""Generated CRUD for cases and the subject dictionary.

CaseView is put together from one mixin per page family: the list (`case_list`), the
registration and edit forms (`registration_view`), saved views of the list (`saved_views`), the case page and its steps
(`case_page_view`) and the list's bulk actions (`bulk_view`: assigning, printing notices)."""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l

from app.cases.bulk_view import BulkAssignMixin, PrintNoticesMixin
from app.cases.case_list import CaseListMixin
from app.cases.case_page_view import CasePageMixin
from app.cases.models import Case, CaseStatus, Category, Channel, Subject
from app.cases.registration_view import CaseRegistrationMixin
from app.cases.saved_views import SavedViewsMixin
from app.core.paging import ListInterface, ScopedInterface
from app.core.views import ScopedModelView

log = logging.getLogger(__name__)


class CaseView(SavedViewsMixin, CaseListMixin, CaseRegistrationMixin, CasePageMixin, BulkAssignMixin,
               PrintNoticesMixin, ScopedModelView):
    """信访件: registration and the case list."""

    datamodel = ScopedInterface(Case)
    permission_group = "cases"
    route_base = "/cases"
    exclude_route_methods = {"delete"}

    list_title = _l("Petition cases")
    show_title = _l("Petition case")
    add_title = _l("Register a petition")
    edit_title = _l("Edit petition registration")


class SubjectView(ScopedModelView):
    """The subject dictionary: county-wide, edited by the administrator."""

    datamodel = ListInterface(Subject)
    permission_group = "dictionaries"
    route_base = "/subjects"
    list_title = _l("Subjects")
    show_title = _l("Subject")
    add_title = _l("Add subject")
    edit_title = _l("Edit subject")
    label_columns = {"name": _l("Name"), "sort_order": _l("Sort order"), "active": _l("In use"),
                     "on_the_spot_allowed": _l("Closed at the window without a leader")}
    list_columns = ["name", "sort_order", "active", "on_the_spot_allowed"]
    add_columns = edit_columns = show_columns = ["name", "sort_order", "active", "on_the_spot_allowed"]
    base_order = ("sort_order", "asc")



def register_views(appbuilder) -> None:
    from app.cases.models import Mailbox, Satisfaction
    from app.cases.workflow_models import ClosureKind, PauseReason, ReviewKind, ReviewOutcome
    from app.core.display import register_vocabularies
    from app.core.menu import add_menu_view

    register_vocabularies(
        channel=Channel, category=Category, status=CaseStatus, satisfaction=Satisfaction,
        closure=ClosureKind, pause_reason=PauseReason, review_kind=ReviewKind,
        review_outcome=ReviewOutcome, mailbox=Mailbox,
    )
    add_menu_view(appbuilder, CaseView, "Cases", _l("Petition cases"), "cases", "fa-folder-open")
    add_menu_view(appbuilder, SubjectView, "Subjects", _l("Subjects"), "admin", "fa-tags")
