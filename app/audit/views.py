"""The audit log for the administrator: filter, read one entry's changes, export (the shared
list export, so an export of the log is itself logged).

Read-only by construction: the view has no add/edit/delete permissions at all (not even the
系统管理员, who otherwise gets every permission, can be granted what does not exist), and the
model refuses updates and deletes at the ORM and database level.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from flask import abort
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select

from app.audit.models import AuditEntry, AuditKind
from app.core import export as exporting
from app.core.display import display
from app.core.paging import ListInterface
from app.core.quick_search import QuickSearch
from app.core.scoping import Scope, current_scope, has_exclusion, scope_clause
from app.core.views import ScopedModelView
from app.extensions import db

# Tables without a view of their own (or whose view names them too loosely).
_TABLE_LABELS: dict[str, Any] = {
    "ab_user": _l("User"),
    "ab_role": _l("Role"),
    "ab_permission": _l("Permission"),
    "ab_view_menu": _l("View or menu"),
    "ab_permission_view": _l("Permission on a view"),
    "ab_api_key": _l("API key"),
    "case_attachment": _l("Case attachment"),
    "ledger_entry_attachment": _l("Ledger entry attachment"),
    "mediation_record_attachment": _l("Mediation record attachment"),
    "supervision_answer_attachment": _l("Supervision answer attachment"),
    "joint_meeting_attachment": _l("Joint meeting attachment"),
    "petitioner": _l("Petitioner"),
}
# Field names inside details that are not columns of the entry's own table.
_FIELD_LABELS: dict[str, Any] = {
    "id_number": _l("ID number"),
    "phone": _l("Phone"),
    "address": _l("Address"),
}
_DETAIL_LABELS: dict[str, Any] = {
    "reason": _l("Reason"),
    "failures": _l("Failed attempts in a row"),
    "locked": _l("Account locked"),
    "locks": _l("Locks since the last login"),
    "locked_until": _l("Locked until"),
    "fields": _l("Fields shown"),
    "note": _l("Note"),
    "list": _l("List"),
    "filters": _l("Filters"),
    "rows": _l("Rows"),
    "format": _l("Format"),
    "result": _l("Export outcome"),
    "start": _l("Started in entry"),
    "bulk": _l("Bulk change"),
    "values": _l("Values set"),
    "where": _l("Condition"),
}


# Fields every stamped/versioned record has; FAB would show them as "Created At", "Version".
_COMMON_FIELD_LABELS: dict[str, Any] = {
    "created_at": _l("Created at"),
    "created_by_id": _l("Created by"),
    "updated_at": _l("Changed on"),
    "updated_by_id": _l("Changed by"),
    "version": _l("Version"),
}
# FAB's permission names (and our actions'), as a role's rights read in the audit log.
_PERMISSION_LABELS: dict[str, Any] = {
    "can_list": _l("List"),
    "can_show": _l("Show"),
    "can_add": _l("Add"),
    "can_edit": _l("Edit"),
    "can_delete": _l("Delete"),
    "can_export": _l("Export"),
    "can_download": _l("Download"),
    "can_import": _l("Import"),
    "menu_access": _l("Menu access"),
    "can_step": _l("Workflow steps"),
    "can_this_form_get": _l("Open the form"),
    "can_this_form_post": _l("Submit the form"),
    "can_userinfo": _l("Own profile"),
    "userinfoedit": _l("Edit own profile"),
    "resetmypassword": _l("Change own password"),
    "resetpasswords": _l("Reset passwords"),
    "unlock": _l("Unlock"),
    "end_sessions": _l("End sessions"),
}
_PERMISSION_TABLES = ("ab_permission", "ab_view_menu", "ab_permission_view")


def _view_menu_labels() -> dict[str, str]:
    """FAB view and menu names (the names permissions are on) → what the menu calls them."""
    from flask import current_app

    appbuilder = current_app.appbuilder
    labels: dict[str, str] = {}
    for view in appbuilder.baseviews:
        title = getattr(view, "list_title", None) or getattr(view, "title", None)
        if title:
            labels.setdefault(view.class_permission_name, str(title))
    for category in appbuilder.menu.get_list():
        labels[category.name] = str(category.label)
        for item in category.childs or []:
            if item.name != "-":
                labels[item.name] = str(item.label)
                view = getattr(item, "baseview", None)
                if view is not None:
                    labels[view.class_permission_name] = str(item.label)
    return labels


def permission_label(text: str, table: str | None = "ab_permission_view") -> str:
    """A permission, a view/menu name or "can list on Holidays" (FAB's own wording, which the
    audit log keeps) as the administrator reads it: 列表 · 节假日与调休."""
    if table not in _PERMISSION_TABLES or not text:
        return text
    views = _view_menu_labels()

    def permission(name: str) -> str:
        key = name.strip().replace(" ", "_")
        return str(_PERMISSION_LABELS.get(key, name))

    if table == "ab_permission":
        return permission(text)
    if table == "ab_view_menu":
        return views.get(text, text)
    name, on, view = text.partition(" on ")
    if not on:
        return text
    return f"{permission(name)} · {views.get(view, view)}"


def _views_by_table() -> dict[str, Any]:
    from flask import current_app

    found: dict[str, Any] = {}
    for view in current_app.appbuilder.baseviews:
        datamodel = getattr(view, "datamodel", None)
        table = getattr(getattr(datamodel, "obj", None), "__tablename__", None)
        if table and table not in found:
            found[table] = view
    return found


def table_label(table: str | None) -> str:
    if not table:
        return ""
    if table in _TABLE_LABELS:
        return str(_TABLE_LABELS[table])
    view = _views_by_table().get(table)
    title = getattr(view, "show_title", None) if view is not None else None
    return str(title) if title else table


def field_label(table: str | None, field: str) -> str:
    if field in _COMMON_FIELD_LABELS:
        return str(_COMMON_FIELD_LABELS[field])
    view = _views_by_table().get(table or "")
    labels = getattr(view, "label_columns", None) or {}
    label = labels.get(field)
    if label is None and field.endswith("_id"):
        label = labels.get(field[:-3])
    return str(label) if label is not None else field


def _org_unit_name(org_unit_id: int | None) -> str:
    if org_unit_id is None:
        return ""
    from app.org.models import OrgUnit

    unit = db.session.get(OrgUnit, org_unit_id)
    return unit.name if unit is not None else str(org_unit_id)


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return "、".join(str(display(v)) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}: {_cell(v)}" for k, v in value.items())
    return str(display(value))


def render_details(entry: AuditEntry) -> Markup:
    """The entry's particulars as a small table (every value escaped)."""
    data = entry.details_data
    if not data:
        return Markup("")
    change_kinds = {AuditKind.CREATE, AuditKind.UPDATE, AuditKind.DELETE, AuditKind.PERMISSION}
    rows: list[str] = []
    if entry.kind in change_kinds and not data.get("bulk"):
        field, before, after = gettext("Field"), gettext("Before"), gettext("After")
        head = f"<tr><th>{escape(field)}</th><th>{escape(before)}</th><th>{escape(after)}</th></tr>"
        for field, change in data.items():
            label = escape(field_label(entry.model, field))
            if isinstance(change, dict) and field == "permissions":
                change = {k: [permission_label(str(v)) for v in change.get(k, [])] for k in ("added", "removed")}
            if isinstance(change, dict) and ("added" in change or "removed" in change):
                before = escape(gettext("Removed: %(items)s", items=_cell(change.get("removed", []))) if change.get("removed") else "")
                after = escape(gettext("Added: %(items)s", items=_cell(change.get("added", []))) if change.get("added") else "")
            elif isinstance(change, dict):
                before = escape(_cell(change.get("old")))
                after = escape(_cell(change.get("new")))
            else:
                before, after = Markup(""), escape(_cell(change))
            rows.append(f"<tr><td>{label}</td><td>{before}</td><td>{after}</td></tr>")
    else:
        head = ""
        for key, value in data.items():
            label = escape(str(_DETAIL_LABELS.get(key, key)))
            if key == "fields" and isinstance(value, list):
                value = [str(_FIELD_LABELS.get(f) or field_label(entry.model, f)) for f in value]
            rows.append(f"<tr><th>{label}</th><td>{escape(_cell(value))}</td></tr>")
    # Every piece of data above went through escape(); only our own tags are left raw.
    return Markup(  # noqa: S704
        '<table class="table table-condensed table-bordered xf-audit-details">'
        + head
        + "".join(rows)
        + "</table>"
    )


# --- entries of records the viewer may not open ------------------------------------------------------

# What an entry about a record the viewer may not open shows instead of the record (its id stays).
CONFIDENTIAL = _l("(confidential)")


def _excluding_models() -> dict[str, Any]:
    """Tables whose rows some users may not open whatever their scope (a 检举控告, its
    petitioners, events, attachments, the holdings and links naming it), by table name."""
    from flask_appbuilder import Model

    return {
        mapper.class_.__tablename__: mapper.class_
        for mapper in Model.registry.mappers
        if hasattr(mapper.class_, "id") and has_exclusion(mapper.class_)
    }


def confidential_entries(entries: Iterable[tuple[Any, str | None, str | None]],
                         scope: Scope | None = None) -> set[Any]:
    """Of (key, table, record id) triples, the keys of entries about a record the viewer may not
    open (信访工作条例 Art. 30: not even an administrator of the unit an accusation reports on) —
    one query per table. A record deleted since is judged by what is left: nothing to open."""
    scope = current_scope() if scope is None else scope
    models = _excluding_models()
    wanted: dict[str, dict[int, list[Any]]] = {}
    for key, table, record_id in entries:
        if table in models and record_id is not None and str(record_id).isdigit():
            wanted.setdefault(table, {}).setdefault(int(record_id), []).append(key)
    hidden: set[Any] = set()
    for table, by_id in wanted.items():
        model = models[table]
        visible = set(db.session.execute(
            select(model.id).where(model.id.in_(list(by_id)), scope_clause(model, scope))
        ).scalars())
        for record_id, keys in by_id.items():
            if record_id not in visible:
                hidden.update(keys)
    return hidden


def _without_confidential(rows: Iterator[list[Any]], table_at: int, record_at: int, masked: list[int],
                          scope: Scope) -> Iterator[list[Any]]:
    """Export rows with the summary and details of confidential entries replaced (batch by batch)."""
    shown = str(CONFIDENTIAL)
    while batch := list(islice(rows, 1000)):
        hidden = confidential_entries(
            ((i, row[table_at], row[record_at]) for i, row in enumerate(batch)), scope)
        for i, row in enumerate(batch):
            if i in hidden:
                for at in masked:
                    row[at] = shown
            yield row


def _kind_clause(value: str):
    return AuditEntry.kind == value if value in AuditKind.codes() else None


def _date_clause(value: str, after: bool):
    try:
        day = datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        return None
    return AuditEntry.at >= day if after else AuditEntry.at < day + timedelta(days=1)


def _model_choices() -> list[tuple[str, str]]:
    tables = sorted(set(_views_by_table()) | set(_TABLE_LABELS))
    return sorted(((t, table_label(t)) for t in tables), key=lambda pair: pair[1])


QUICK_SEARCH = (
    QuickSearch("kind", _l("Kind"), _kind_clause, kind="select", choices=AuditKind.choices),
    QuickSearch(
        "username", _l("Login name"), lambda v: AuditEntry.username == v.strip(), width=2
    ),
    QuickSearch(
        "model", _l("Record type"), lambda v: AuditEntry.model == v, kind="select",
        choices=_model_choices,
    ),
    QuickSearch("record", _l("Record ID"), lambda v: AuditEntry.record_id == v.strip(), width=1),
    QuickSearch("from", _l("From"), lambda v: _date_clause(v, True), kind="date"),
    QuickSearch("to", _l("To"), lambda v: _date_clause(v, False), kind="date"),
)


class AuditEntryView(ScopedModelView):
    """系统管理员 only (group "audit" is granted to no other role)."""

    datamodel = ListInterface(AuditEntry)  # county-wide by nature; access is limited by the permission instead
    permission_group = "audit"
    route_base = "/audit"
    base_permissions = ["can_list", "can_show", "can_export"]
    export_columns = [
        "at", "kind", "username", "model", "record_id", "summary", "details", "method", "path", "ip",
    ]
    list_template = "xf/audit/list.html"
    list_title = _l("Audit log")
    show_title = _l("Audit entry")
    label_columns = {
        "at": _l("Time"),
        "kind": _l("Kind"),
        "username": _l("Login name"),
        "user_id": _l("User ID"),
        "org_unit_id": _l("Org unit"),
        "model": _l("Record type"),
        "record_id": _l("Record ID"),
        "summary": _l("Record"),
        "details": _l("Details"),
        "method": _l("Method"),
        "path": _l("Page address"),
        "ip": _l("Client address"),
    }
    list_columns = ["at", "kind", "username", "model", "record_id", "summary", "ip"]
    show_columns = [
        "at", "kind", "username", "user_id", "org_unit_id", "model", "record_id", "summary",
        "method", "path", "ip",
    ]
    search_columns = ["at", "kind", "username", "model", "record_id", "path", "ip"]
    order_columns = ["at", "kind", "username"]
    base_order = ("id", "desc")
    page_size = 50
    formatters_columns = {"model": table_label, "org_unit_id": _org_unit_name}
    quick_search = QUICK_SEARCH

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        item = self.get_scoped_item(pk)
        widgets = self._get_show_widget(pk, item)
        hidden = bool(confidential_entries([(item.id, item.model, item.record_id)]))
        if hidden or item.model in _PERMISSION_TABLES:
            summary = str(CONFIDENTIAL) if hidden else permission_label(item.summary or "", item.model)
            show = widgets["show"].template_args
            show["value_columns"] = [
                summary if name == "summary" else value
                for name, value in zip(self.show_columns, show["value_columns"], strict=True)
            ]
        self.update_redirect()
        return self.render_template(
            "xf/audit/show.html",
            pk=pk,
            title=self.show_title,
            widgets=widgets,
            details=Markup("") if hidden else render_details(item),
            item=item,
        )

    def _get_list_widget(self, filters, **kwargs):
        """The list, with entries about records the viewer may not open read as "（保密）"."""
        widgets = super()._get_list_widget(filters, **kwargs)
        listed = widgets["list"].template_args
        rows = listed["value_columns"] = list(listed["value_columns"])
        hidden = confidential_entries((i, row.get("model"), row.get("record_id")) for i, row in enumerate(rows))
        for i, row in enumerate(rows):
            if i in hidden:
                rows[i] = {**row, "summary": str(CONFIDENTIAL)}
            elif row.get("model") in _PERMISSION_TABLES:
                rows[i] = {**row, "summary": permission_label(row.get("summary") or "", row.get("model"))}
        return widgets

    def export_rows(self, rows: Iterator[list[Any]], columns: list[exporting.ExportColumn]) -> Iterator[list[Any]]:
        """Entries about records the viewer may not open read "（保密）" (record and details);
        then the record type as a name (the check needs the table's own name)."""
        names = [getattr(c.expression, "key", "") for c in columns]
        table_at = names.index("model")
        checked = _without_confidential(rows, table_at, names.index("record_id"),
                                        [names.index(n) for n in ("summary", "details") if n in names],
                                        current_scope())
        for row in checked:
            row[table_at] = table_label(row[table_at]) if row[table_at] else ""
            yield row

    # Entries are written by the system only. (The permission names keep FAB's list page
    # asking "may the user add/edit/delete?" — the answer is always no.)
    @expose("/add", methods=["GET", "POST"])
    @permission_name("add")
    def add(self):
        abort(404)

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @permission_name("edit")
    def edit(self, pk):  # noqa: ARG002
        abort(404)

    @expose("/delete/<pk>", methods=["GET", "POST"])
    @permission_name("delete")
    def delete(self, pk):  # noqa: ARG002
        abort(404)


def register_views(appbuilder) -> None:
    from app.core.menu import add_menu_view

    add_menu_view(appbuilder, AuditEntryView, "AuditLog", _l("Audit log"), "admin", "fa-clipboard-list")

