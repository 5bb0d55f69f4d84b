"""The list page of a model view and its export: the page itself (with the filters it had to
ignore), and the same rows as .csv / .xlsx."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import abort, flash, request
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_babel import gettext

from app.core import export as exporting
from app.core.database import reads_only
from app.core.scoping import current_actor
from app.extensions import db


class SortsByOfferedColumns:
    """Any list view (ours or FAB's own, e.g. the security views): sorted only by a column it
    offers. Every registered list view carries it (tests/core/test_sorting.py)."""

    def _get_list_widget(self, filters, order_column="", order_direction="", **kwargs):
        order_column, order_direction = self.sort_order(order_column, order_direction)
        return super()._get_list_widget(filters, order_column=order_column, order_direction=order_direction,
                                        **kwargs)

    def sort_order(self, column: str | None, direction: str | None) -> tuple[str, str]:
        """The order a list (and its export) is sorted by: one of the list's own sortable
        columns (`order_columns`), else the view's default. The column comes from the address
        (`_oc_<View>`): sorting by anything else would order by hidden values — the letter's
        content, a user's password hash — and an unknown name used to be a server error."""
        if column and column in (self.order_columns or ()):
            return column, "desc" if direction == "desc" else "asc"
        return tuple(self.base_order) if self.base_order else ("", "")  # type: ignore[return-value]


class ListPage(SortsByOfferedColumns):
    """The list and export endpoints of `ScopedModelView`. The rows, their count and the pages
    come from the view's interface (app/core/paging.py) through FAB's own list widget."""

    def _get_list_widget(self, filters, order_column="", order_direction="", **kwargs):
        """FAB's list widget, with the quick search among the filters (and the checked sort order)."""
        return super()._get_list_widget(self.quick_search_filters(filters), order_column=order_column,
                                        order_direction=order_direction, **kwargs)

    def ignored_filters(self) -> list[tuple[str, str]]:
        """(filter label, value) of the date filters this page could not use: a value that is not
        a date is left out of the query, and the user is told so (never dropped silently)."""
        from datetime import date

        from flask_appbuilder.models.sqla.filters import set_value_to_type

        ignored: list[tuple[str, str]] = []
        values = self.quick_search_values() if self.quick_search else {}
        for q in self.quick_search:
            value = values.get(q.name, "")
            if q.kind == "date" and value:
                try:
                    date.fromisoformat(value)
                except ValueError:
                    ignored.append((str(q.label), value))
        for flt, given in zip(self._filters.filters, self._filters.values, strict=False):
            name = getattr(flt, "column_name", "")
            if not name or not (self.datamodel.is_date(name) or self.datamodel.is_datetime(name)):
                continue
            for value in given if isinstance(given, list | tuple) else [given]:
                if isinstance(value, str) and value.strip() and set_value_to_type(self.datamodel, name, value) is None:
                    ignored.append((str(self.label_columns.get(name, name)), value))
        return ignored

    @expose("/list/")
    @has_access
    def list(self):
        self.update_redirect()
        widgets = self._list()
        for label, value in self.ignored_filters():
            flash(gettext("The filter “%(name)s” was ignored: “%(value)s” is not a date (write it like 2026-03-31).",
                          name=label, value=value[:40]), "warning")
        return self.render_template(
            self.list_template,
            title=self.list_title,
            widgets=widgets,
            quick_search=self.quick_search,
            quick_values=self.quick_search_values(),
            can_export=self.appbuilder.sm.has_access("can_export", self.class_permission_name),
            export_endpoint=f"{self.endpoint}.export",
            **self.list_context(),
        )

    def list_context(self) -> dict[str, Any]:
        """More for the list template: a view's own notes and tools (its `page_tools` block)."""
        return {}

    # --- export: the list as the user sees it, to .csv / .xlsx -----------------------------

    export_columns: Sequence[str] | None = None  # default: list_columns

    def export_query(self, columns: Sequence[exporting.ExportColumn], joins: Sequence[Any]) -> Any:
        """The list's query — scope, FAB filters, quick search, sort — selecting `columns`."""
        get_filter_args(self._filters)
        filters = self.quick_search_filters(self._filters).get_joined_filters(self._base_filters)
        model = self.datamodel.obj
        order = self.sort_order(*(get_order_args().get(self.__class__.__name__) or ("", "")))
        query = self.datamodel.apply_filters(db.session.query(model), filters)
        query = self.datamodel.apply_order_by(query, order[0], order[1])
        query = query.order_by(model.id.desc() if order[1] == "desc" else model.id)
        for alias, on_clause in joins:
            query = query.outerjoin(alias, on_clause)
        return query.with_entities(*[c.expression for c in columns])

    def export_rows(self, rows: Any, columns: Sequence[exporting.ExportColumn]) -> Any:
        """The rows as written (a view may rework them, e.g. entries the viewer may not read)."""
        return rows

    def may_export_personal_data(self) -> bool:
        """ID numbers and phones are masked in every export, whoever asks (issue 10): in full
        they appear only on a record's own page, to those handling it, and each view is logged."""
        return False

    @expose("/export/<fmt>", methods=["POST"])
    @has_access
    @reads_only
    def export(self, fmt: str):
        if fmt not in ("csv", "xlsx"):
            abort(404)
        names = list(self.export_columns or self.list_columns)
        columns, joins = exporting.export_columns(self.datamodel.obj, names, self.label_columns)
        rows = self.export_rows(
            exporting.rows_of(self.export_query(columns, joins), columns, self.may_export_personal_data()), columns
        )
        return exporting.download(
            self, str(self.list_title), fmt, [c.header for c in columns], rows, user=current_actor(),
            filters=request.args.to_dict(flat=False), model=self.datamodel.obj.__tablename__,
        )
