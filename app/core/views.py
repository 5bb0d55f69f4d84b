"""The base of every generated CRUD view: scoped, Chinese, and safe with bad input.

`ScopedModelView` is Flask-AppBuilder's `ModelView` with the gaps closed that matter here:

- scoping on everything: `base_filters` covers list/show/edit/delete; we add the bulk and
  single-record actions (FAB loads those records *without* base filters), org-unit select boxes
  (only places inside the user's scope can be chosen), and the creator's township as default;
- bad input never half-saves: a rule that refuses (`DomainError`) or a database error rolls the
  whole change back and shows the form again, with the user's input and the message next to the
  field — FAB would redirect away and lose the input;
- optimistic locking: models with a `version` column carry it through the edit form; a save based
  on an older version is refused instead of silently overwriting someone else's work;
- vocabularies (`info={"choices": …}`) become select boxes and translated list values;
- a quick-search bar (`quick_search`) in front of FAB's generic filter panel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import ModelView, expose
from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import (
    get_filter_args,
    get_order_args,
    get_page_args,
    get_page_size_args,
)
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.elements import ColumnElement
from wtforms import BooleanField, DateField, DateTimeLocalField, HiddenField, SelectField
from wtforms import DateField as WTFDateField
from wtforms import DateTimeField as WTFDateTimeField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, InputRequired, Optional

from app.core import export as exporting
from app.core.choices import Choices
from app.core.database import reads_only
from app.core.errors import DomainError, StaleRecordError, is_outage
from app.core.privacy import (
    free_text_columns,
    has_personal_data_role,
    keep_masked_values,
    mask_form_rows,
    shown_free_text,
)
from app.core.record_page import show_problem
from app.core.scoping import (
    ScopeFilter,
    current_actor,
    current_scope,
    disjoint_scope_parts,
)
from app.extensions import db
from app.org.choices import OrgChoiceFilter

log = logging.getLogger(__name__)

VERSION_FIELD = "row_version"


class ClauseFilter(BaseFilter):
    """Applies a ready SQL condition (the value) — how quick-search criteria reach FAB's query.
    A `QueryStep` value is applied as it is (a join the condition needs)."""

    name = "clause"

    def apply(self, query, value):
        if isinstance(value, QueryStep):
            return value.apply(query)
        return query.filter(value)


class QueryStep:
    """A criterion that changes the query itself rather than adding a condition (see
    `QuickSearch.count_build`): `apply(query)` returns the new query."""

    def apply(self, query: Any) -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class QuickSearch:
    """One input of the quick-search bar above a list.

    `build(value)` returns the SQL condition for a non-empty value (or None to ignore it);
    `choices` (a callable returning (value, label) pairs) makes the input a select box;
    `kind` is "text", "select" or "date".
    """

    name: str
    label: Any
    build: Callable[[str], ColumnElement | None]
    kind: str = "text"
    choices: Callable[[], list[tuple[str, str]]] | None = None
    placeholder: Any = ""
    width: int = 2  # bootstrap columns
    # While this input is used, the list's count stops here (e.g. a common keyword: counting
    # its thousands of matches costs more than finding the page).
    count_cap: int | None = None
    # The criterion the count uses instead of `build`'s when this input is the only one used and
    # another form counts faster: a keyword's matches read off the search index in its own order
    # (next to other inputs, the list's indexes narrow faster). A condition or a QueryStep.
    count_build: Callable[[str], ColumnElement | QueryStep | None] | None = None

    def options(self) -> list[tuple[str, str]]:
        return self.choices() if self.choices else []


# From this many rows skipped on, a list page is read in two steps (see _get_list_widget).
DEEP_PAGE_OFFSET = 200
# Up to this many rows from the start, the page of a scope with several branches is found branch
# by branch (see ScopedModelView._page_query); config LIST_BRANCH_PAGE_ROWS.
BRANCH_PAGE_ROWS = 1_000


class CappedCount(int):
    """A row count that stopped counting: reads "10,000+" on the page, counts as a number."""

    def __str__(self) -> str:
        return f"{int(self) - 1:,}+"


def count_disjoint(inners: Iterable[Any], cap: int) -> int:
    """The rows of the disjoint selects (or ORM queries) `inners` together, each counted as far
    as the cap still allows; past the cap a CappedCount. Part by part, each count can be one
    indexed read where their OR would not be."""
    counted = 0
    for inner in inners:
        counted += db.session.execute(
            select(func.count()).select_from(inner.limit(cap + 1 - counted).subquery())
        ).scalar()
        if counted > cap:
            return CappedCount(counted)
    return counted


class LocalDateTimeField(DateTimeLocalField):
    """<input type="datetime-local"> to the second (an edit must not round a stored time);
    also accepts "2026-01-02 09:30[:00]" typed or posted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"])
        super().__init__(*args, **kwargs)

    def _value(self) -> str:
        return self.data.strftime("%Y-%m-%dT%H:%M:%S") if self.data else super()._value()

    def __call__(self, **kwargs: Any) -> Any:
        kwargs.setdefault("class", "form-control")
        kwargs.setdefault("step", "1")
        return super().__call__(**kwargs)


class LocalDateField(DateField):
    """<input type="date">, localised by the browser."""

    def __call__(self, **kwargs: Any) -> Any:
        kwargs.setdefault("class", "form-control")
        kwargs.setdefault("type", "date")
        return super().__call__(**kwargs)


class ChoiceField(SelectField):
    """A vocabulary select box; the blank option stores NULL, not an empty string."""

    def populate_obj(self, obj: Any, name: str) -> None:
        setattr(obj, name, self.data or None)


def choices_of(model: Any) -> dict[str, type[Choices]]:
    """Columns of `model` that declare a vocabulary."""
    return {
        column.key: column.info["choices"]
        for column in model.__table__.columns
        if "choices" in column.info
    }


# Labels of the columns every model inherits (Stamped, Versioned, org-owned records): without
# them Flask-AppBuilder invents English ones from the column names ("Created At", "Org Unit") in
# show pages and the filter menu.
COMMON_LABELS = {
    "created_at": _l("Created at"),
    "created_by": _l("Created by"),
    "updated_at": _l("Last changed"),
    "updated_by": _l("Changed by"),
    "version": _l("Version"),
    "org_unit": _l("Org unit"),
}


class ScopedModelView(ModelView):
    """Base of every model view. Set `permission_group` to the role grant that covers it."""

    permission_group: str = ""
    base_filters = [["id", ScopeFilter, None]]

    list_template = "xf/model/list.html"
    show_template = "xf/model/show.html"
    add_template = "xf/model/add.html"
    edit_template = "xf/model/edit.html"

    # relation name → what may be chosen there (app/org/choices.py): {"township": "township"}
    org_choice_columns: dict[str, str] = {}
    # relation set to the creator's township when left empty on create
    default_township_column: str | None = None
    quick_search: Sequence[QuickSearch] = ()
    # Titles shown on pages; subclasses give lazy_gettext strings.
    list_title = _l("List")
    show_title = _l("Details")
    add_title = _l("Add")
    edit_title = _l("Edit")

    def __init__(self, **kwargs: Any) -> None:
        model = self.datamodel.obj
        self.label_columns = {**COMMON_LABELS, **(self.label_columns or {})}
        self._vocabularies = choices_of(model)
        self.add_form_extra_fields = dict(self.add_form_extra_fields or {})
        self.edit_form_extra_fields = dict(self.edit_form_extra_fields or {})
        self.formatters_columns = dict(self.formatters_columns or {})
        self.add_form_query_rel_fields = dict(self.add_form_query_rel_fields or {})
        self.edit_form_query_rel_fields = dict(self.edit_form_query_rel_fields or {})
        self.search_form_query_rel_fields = dict(self.search_form_query_rel_fields or {})
        self._configure_vocabularies(model)
        self._configure_org_choices()
        # Free text (content, notes, measures …) in lists and show pages: numbers masked for
        # roles that see masks (app/core/privacy.py), like the petitioners' own fields.
        for name in free_text_columns(model):
            self.formatters_columns.setdefault(name, shown_free_text)
        super().__init__(**kwargs)
        self._versioned = "version" in model.__table__.columns

    # --- configuration ----------------------------------------------------------------------

    def _configure_vocabularies(self, model: Any) -> None:
        labels = self.label_columns or {}
        for name, vocabulary in self._vocabularies.items():
            column = model.__table__.columns[name]
            required = not column.nullable and column.default is None
            for extra in (self.add_form_extra_fields, self.edit_form_extra_fields):
                if name in extra:
                    continue
                extra[name] = ChoiceField(
                    labels.get(name, name),
                    choices=_choice_loader(vocabulary, required),
                    validators=[DataRequired()] if required else [Optional()],
                    default=column.default.arg if column.default is not None and not callable(column.default.arg) else None,
                    description=(self.description_columns or {}).get(name, ""),
                    widget=Select2Widget(),
                )
            self.formatters_columns.setdefault(name, vocabulary.label_of)
        # A column may say how it reads on a page, e.g. a summary of linked case numbers that
        # shows only the cases the viewer may open (app/cases/references.py LINKED_NUMBERS).
        for column in model.__table__.columns:
            shown = column.info.get("display_format")
            if shown is not None:
                self.formatters_columns.setdefault(column.key, shown)

    def _configure_org_choices(self) -> None:
        for relation, what in self.org_choice_columns.items():
            rule = [["id", OrgChoiceFilter, what]]
            self.add_form_query_rel_fields.setdefault(relation, rule)
            self.edit_form_query_rel_fields.setdefault(relation, rule)
            self.search_form_query_rel_fields.setdefault(relation, rule)

    # --- scoped look-ups ----------------------------------------------------------------------

    def get_scoped_item(self, pk: Any) -> Any:
        """The record if it is inside the user's scope; 404 otherwise (never 'forbidden')."""
        item = self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters)
        if item is None:
            abort(404)
        return item

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name: str, pk: Any):
        """FAB's single-record action, but the record is looked up through the scope."""
        if not self.is_get_mutation_allowed():
            abort(405)
        action = self.actions.get(name)
        if action is None:
            abort(404)
        if not self.appbuilder.sm.has_access(
            self.get_action_permission_name(name), self.class_permission_name
        ):
            abort(403)
        return action.func(self.get_scoped_item(pk))

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        """FAB's bulk action, scoped: one id outside the scope and nothing is done at all."""
        name = request.form.get("action", "")
        action = self.actions.get(name)
        if action is None:
            abort(404)
        if not self.appbuilder.sm.has_access(
            self.get_action_permission_name(name), self.class_permission_name
        ):
            abort(403)
        pks = request.form.getlist("rowid")
        if not pks:
            flash(gettext("Select at least one record first."), "warning")
            return redirect(self.get_redirect())
        items = [self.get_scoped_item(pk) for pk in pks]
        return action.func(items)

    # --- list with quick search ----------------------------------------------------------------

    def quick_search_values(self) -> dict[str, str]:
        return {
            q.name: request.args.get(f"q_{q.name}", "").strip()
            for q in self.quick_search
        }

    def quick_search_clauses(self) -> list[ColumnElement]:
        return self.quick_search_criteria()[0]

    def quick_search_criteria(self) -> tuple[list[ColumnElement], list[ColumnElement | QueryStep]]:
        """The quick search's conditions for the list, and those for its count (the same, unless
        a single input is used that counts another way: `QuickSearch.count_build`)."""
        values = self.quick_search_values()
        used = [q for q in self.quick_search if values[q.name]]
        listed = [c for c in (q.build(values[q.name]) for q in used) if c is not None]
        if len(used) == 1 and used[0].count_build is not None:
            counting = used[0].count_build(values[used[0].name])
            return listed, [counting] if counting is not None else []
        return listed, listed

    # Counting every matching row of a big list costs more than showing the page (388,000 rows
    # of one township: ~40 ms in SQLite). Past this many rows the list says "10,000+" instead;
    # the count stays exact below it, and always reaches past the page being shown.
    count_cap: int | None = 10_000

    def _get_list_widget(
        self, filters, actions=None, order_column="", order_direction="", page=None,
        page_size=None, widgets=None, **kwargs,
    ):
        """FAB's list widget with the quick search applied and a capped count."""
        counted_filters = filters
        if self.quick_search:
            listed, counted = self.quick_search_criteria()
            if listed:
                filters = filters.copy()
                for clause in listed:
                    filters.add_filter("id", ClauseFilter, clause)
            if counted:
                counted_filters = counted_filters.copy()
                for clause in counted:
                    counted_filters.add_filter("id", ClauseFilter, clause)
        widgets = widgets or {}
        actions = actions or self.actions
        page_size = page_size or self.page_size
        order_column, order_direction = self.sort_order(order_column, order_direction)
        joined = filters.get_joined_filters(self._base_filters)
        datamodel = self.datamodel
        query = datamodel.session.query(datamodel.obj)
        count = self._count(query, counted_filters.get_joined_filters(self._base_filters), page or 0, page_size)
        paged = self._page_query(query, joined, order_column, order_direction, page or 0, page_size)
        if (page or 0) * page_size >= DEEP_PAGE_OFFSET and "." not in (order_column or ""):
            # Deep pages: find the page's keys on the index alone, then load those rows with
            # their related names. Loading them in one go would join every skipped row too.
            key = getattr(datamodel.obj, datamodel.get_pk_name())
            keys = [k for (k,) in paged.with_entities(key)]
            found = {getattr(r, key.key): r for r in query.filter(key.in_(keys))} if keys else {}
            rows = [found[k] for k in keys if k in found]
        else:
            rows = paged.all()
        pks = [self._serialize_pk_if_composite(pk) for pk in datamodel.get_keys(rows)]
        widgets["list"] = self.list_widget(
            label_columns=self.label_columns,
            include_columns=self.list_columns,
            value_columns=datamodel.get_values(rows, self.list_columns),
            order_columns=self.order_columns,
            formatters_columns=self.formatters_columns,
            page=page,
            page_size=page_size,
            count=count,
            pks=pks,
            actions=actions,
            filters=filters,
            modelview_name=self.__class__.__name__,
            **kwargs,
        )
        return widgets

    def sort_order(self, column: str | None, direction: str | None) -> tuple[str, str]:
        """The order a list (and its export) is sorted by: one of the list's own sortable
        columns (`order_columns`), else the view's default. The column comes from the address
        (`_oc_<View>`): sorting by anything else would order by hidden values — the letter's
        content, a user's password hash — and an unknown name used to be a server error."""
        if column and column in (self.order_columns or ()):
            return column, "desc" if direction == "desc" else "asc"
        return tuple(self.base_order) if self.base_order else ("", "")  # type: ignore[return-value]

    def _page_query(self, query: Any, filters: Any, order_column: str, order_direction: str,
                    page: int, page_size: int) -> Any:
        """The query of the page shown. When the scope has several branches (a handler's unit,
        and its 会审 co-unit cases) and the page is near the start, each branch's first rows
        are read on its own index and the page is ordered from those candidates: SQLite would
        otherwise gather every row of the OR and sort them all before the first page (31 → 3 ms
        for a unit with 12,000 cases in handling). The order is the database's either way."""
        datamodel = self.datamodel
        reach = (page + 1) * page_size
        limit = current_app.config.get("LIST_BRANCH_PAGE_ROWS", BRANCH_PAGE_ROWS)
        parts = self._scope_parts(filters) if reach <= limit and "." not in (order_column or "") else []
        if len(parts) > 1:
            key = getattr(datamodel.obj, datamodel.get_pk_name())
            candidates: set[Any] = set()
            for part in parts:
                first = datamodel.apply_all(query, part, order_column, order_direction, page=0, page_size=reach)
                candidates.update(k for (k,) in first.with_entities(key))
            filters = filters.copy()
            filters.add_filter("id", ClauseFilter, key.in_(candidates) if candidates else false())
        return datamodel.apply_all(query, filters, order_column, order_direction, page=page, page_size=page_size)

    def _count(self, query: Any, filters: Any, page: int, page_size: int) -> int:
        cap = current_app.config.get("LIST_COUNT_CAP", self.count_cap)
        if not cap:
            return self.datamodel.query_count(query, filters)
        values = self.quick_search_values() if self.quick_search else {}
        caps = [q.count_cap for q in self.quick_search if q.count_cap and values.get(q.name)]
        if caps:
            cap = min([cap, *caps])
        cap = max(cap, (page + 2) * page_size)
        # The primary key, not a constant: with nothing to filter (a county-wide user's scope is
        # everything) `SELECT 1` would lose its FROM and count one row.
        key = getattr(self.datamodel.obj, self.datamodel.get_pk_name())
        return count_disjoint(
            (self.datamodel.apply_filters(query, part).with_entities(key)
             for part in self._scope_parts(filters)),
            cap,
        )

    def _scope_parts(self, filters: Any) -> list[Any]:
        """The list's filters, one copy per disjoint part of the scope (`disjoint_scope_parts`):
        each part is one indexed read where the OR of the parts would not be."""
        scoped = [isinstance(f, ScopeFilter) for f in filters.filters]
        if not any(scoped):
            return [filters]
        scope_parts = disjoint_scope_parts(self.datamodel.obj)
        if len(scope_parts) < 2:
            return [filters]
        rest = filters.copy()
        rest.filters = [f for f, s in zip(filters.filters, scoped, strict=True) if not s]
        rest.values = [v for v, s in zip(filters.values, scoped, strict=True) if not s]
        parts = []
        for scope_part in scope_parts:
            part = rest.copy()
            part.add_filter("id", ClauseFilter, scope_part)
            parts.append(part)
        return parts

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
        filters = self._filters.get_joined_filters(self._base_filters)
        for clause in self.quick_search_clauses():
            filters.add_filter("id", ClauseFilter, clause)
        model = self.datamodel.obj
        order = self.sort_order(*(get_order_args().get(self.__class__.__name__) or ("", "")))
        query = filters.apply_all(db.session.query(model))
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

    # --- add / edit that never lose input and never half-save ------------------------------

    def validate_item(self, item: Any, is_new: bool) -> None:
        """Cross-field and database-backed rules; raise DomainError(message, field=…)."""

    def prefill_add_form(self, form: Any) -> None:
        """Defaults shown on an empty add form: the creator's township, "received now" …"""
        column = self.default_township_column
        township_id = current_scope().default_township_id
        if column and township_id is not None and hasattr(form, column):
            from app.org.models import OrgUnit

            getattr(form, column).data = db.session.get(OrgUnit, township_id)

    def _apply_place_default(self, item: Any) -> None:
        column = self.default_township_column
        if not column or getattr(item, column, None) is not None:
            return
        township_id = current_scope().default_township_id
        if township_id is not None:
            setattr(item, f"{column}_id", township_id)

    def _save(self, form: Any, item: Any, is_new: bool) -> bool:
        """Populate, check and commit in one transaction. False (and errors shown) on refusal."""
        try:
            form.populate_obj(item)
            if is_new:
                self._apply_place_default(item)
                self.pre_add(item)
            else:
                self.pre_update(item)
            self.validate_item(item, is_new)
            if is_new:
                db.session.add(item)
            self.pre_commit(item, is_new)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            self._show_error(form, exc)
            return False
        except StaleDataError:
            db.session.rollback()
            self._show_error(form, StaleRecordError())
            return False
        except SQLAlchemyError as exc:
            db.session.rollback()
            if is_outage(exc):
                raise  # the 503 page: the input was not the problem
            log.exception("Saving %s failed", self.datamodel.obj.__name__)
            flash(gettext("The record could not be saved. Please check the input and try again."), "danger")
            return False
        if is_new:
            self.post_add(item)
            flash(gettext("Saved."), "success")
        else:
            self.post_update(item)
            flash(gettext("Changes saved."), "success")
        return True

    def pre_commit(self, item: Any, is_new: bool) -> None:
        """Checked and added, not yet committed: what must be written in the same transaction."""

    @staticmethod
    def _show_error(form: Any, exc: DomainError) -> None:
        show_problem(form, exc)

    def _add(self):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        if request.method == "POST":
            self._fill_form_exclude_cols(exclude_cols, form)
            if form.validate():
                self.process_form(form, True)
                item = self.datamodel.obj()
                if self._save(form, item, is_new=True):
                    return None
        else:
            self.prefill_add_form(form)
            self.update_redirect()
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    def _edit(self, pk):
        pages, page_sizes, orders = get_page_args(), get_page_size_args(), get_order_args()
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        item = self.get_scoped_item(pk)
        pk = self.datamodel.get_pk_value(item)

        masked = bool(self.personal_rows) and not self.shows_personal_data_in_form(item)
        if request.method == "POST":
            form = self.edit_form.refresh(request.form)
            if masked:
                self._personal_rows(form, item, keep_masked_values)
            self._fill_form_exclude_cols(exclude_cols, form)
            form._id = pk
            if form.validate():
                self.process_form(form, False)
                if self._check_version(form, item) and self._save(form, item, is_new=False):
                    return None
            if masked:  # shown again with its errors: the stored values masked again
                self._personal_rows(form, item, mask_form_rows)
        else:
            form = self.edit_form.refresh(obj=item)
            self.prefill_form(form, pk)
            if masked:
                self._personal_rows(form, item, mask_form_rows)
            if self._versioned:
                form[VERSION_FIELD].data = item.version
            self.update_redirect()

        widgets = self._get_edit_widget(form=form, exclude_cols=exclude_cols)
        return self._get_related_views_widgets(
            item, filters={}, orders=orders, pages=pages, page_sizes=page_sizes, widgets=widgets
        )

    # Rows of people on the edit form (FieldLists named like the item's relationship, e.g.
    # "petitioners"): their ID numbers and phones follow the page's masking rule.
    personal_rows: Sequence[str] = ()

    def shows_personal_data_in_form(self, item: Any) -> bool:  # noqa: ARG002 — views narrow it by item
        """Does the user see `item`'s people in full on its edit form? As on its page: only a
        role that handles petitioners (a view may narrow it, e.g. to the cases it handles).
        Everyone else sees masks, and a mask sent back unchanged keeps the stored value."""
        return has_personal_data_role(current_actor())

    def _personal_rows(self, form: Any, item: Any, apply: Callable[[Any, Any], None]) -> None:
        for name in self.personal_rows:
            if name in form:
                apply(form[name], getattr(item, name))

    def _check_version(self, form: Any, item: Any) -> bool:
        if not self._versioned:
            return True
        submitted = form[VERSION_FIELD].data
        if str(submitted) != str(item.version):
            self._show_error(form, StaleRecordError())
            return False
        # Keep the marker out of populate_obj; the mapper's version_id_col guards the UPDATE.
        return True

    def _init_forms(self):
        if "version" in self.datamodel.obj.__table__.columns:
            self.edit_form_extra_fields = dict(self.edit_form_extra_fields)
            self.edit_form_extra_fields[VERSION_FIELD] = HiddenField()
            if self.edit_columns is not None and VERSION_FIELD not in self.edit_columns:
                self.edit_columns = [*self.edit_columns, VERSION_FIELD]
        super()._init_forms()
        for form_class in (self.add_form, self.edit_form):
            _polish_form(form_class)

    def _init_properties(self):
        super()._init_properties()
        if "version" in self.datamodel.obj.__table__.columns and VERSION_FIELD not in self.edit_columns:
            self.edit_columns = [*self.edit_columns, VERSION_FIELD]

    def _delete(self, pk):
        item = self.get_scoped_item(pk)
        try:
            self.pre_delete(item)
            db.session.delete(item)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return
        except SQLAlchemyError as exc:
            db.session.rollback()
            if is_outage(exc):
                raise  # the 503 page: nothing refers to the record as far as anyone knows
            log.exception("Deleting %s failed", self.datamodel.obj.__name__)
            flash(
                gettext("This record cannot be deleted because other records refer to it."),
                "danger",
            )
            return
        self.post_delete(item)
        flash(gettext("Deleted."), "success")
        self.update_redirect()

    def post_add_redirect(self):
        return redirect(url_for(f"{self.endpoint}.list"))


def _polish_form(form_class: Any) -> None:
    """Fix what FAB's form generator gets wrong for us, before any form is instantiated.

    - A non-nullable Boolean column gets InputRequired, so an unticked box would be refused;
    - an optional relation's blank option shows as "__None" in the select box;
    - date/time columns get a jQuery date picker in English that drops the time of a datetime:
      the browser's own date and time inputs are localised and keep the time.
    """
    for name in dir(form_class):
        unbound = getattr(form_class, name, None)
        if not isinstance(unbound, UnboundField):
            continue
        if unbound.field_class is WTFDateTimeField:
            unbound.field_class = LocalDateTimeField
            unbound.kwargs.pop("widget", None)
        elif unbound.field_class is WTFDateField:
            unbound.field_class = LocalDateField
            unbound.kwargs.pop("widget", None)
        elif issubclass(unbound.field_class, BooleanField):
            unbound.kwargs["validators"] = [
                v for v in unbound.kwargs.get("validators", []) or []
                if not isinstance(v, InputRequired | DataRequired)
            ]
        elif issubclass(unbound.field_class, QuerySelectField) and unbound.kwargs.get("allow_blank"):
            unbound.kwargs["blank_text"] = "—"


def _choice_loader(vocabulary: type[Choices], required: bool) -> Callable[[], list[tuple[str, str]]]:
    def load() -> list[tuple[str, str]]:
        options = vocabulary.choices()
        return options if required else [("", "—"), *options]

    return load
