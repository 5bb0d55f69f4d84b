"""The base of every generated CRUD view: scoped, Chinese, and safe with bad input.

`ScopedModelView` is Flask-AppBuilder's `ModelView` with the gaps closed that matter here:

- scoping on everything: the view's `ScopedInterface` (app/core/paging.py) keeps every query
  FAB builds — list, count, show, edit, delete, actions, export — to the user's scope; we add
  org-unit select boxes (only places inside the user's scope can be chosen), and the creator's
  township as default;
- bad input never half-saves: a rule that refuses (`DomainError`) or a database error rolls the
  whole change back and shows the form again, with the user's input and the message next to the
  field — FAB would redirect away and lose the input;
- optimistic locking: models with a `version` column carry it through the edit form; a save based
  on an older version is refused instead of silently overwriting someone else's work;
- vocabularies (`info={"choices": …}`) become select boxes and translated list values;
- a quick-search bar (`quick_search`) in front of FAB's generic filter panel.

The jobs live in their own modules: the list page and its export (`app/core/listing.py`), the
quick search (`quick_search.py`), the scoped interface with paging and the capped count
(`paging.py`), the form fields (`fields.py`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import ModelView, expose
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.urltools import (
    get_filter_args,
    get_order_args,
    get_page_args,
    get_page_size_args,
)
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField
from wtforms.validators import DataRequired, Optional

from app.core.errors import DomainError, StaleRecordError, is_outage
from app.core.fields import COMMON_LABELS, ChoiceField, choice_loader, choices_of, polish_form
from app.core.listing import ListPage
from app.core.paging import ListInterface, ScopedInterface
from app.core.privacy import (
    free_text_columns,
    has_personal_data_role,
    keep_masked_values,
    mask_form_rows,
    shown_free_text,
)
from app.core.quick_search import QuickSearchList
from app.core.record_page import show_problem
from app.core.scoping import current_actor, current_scope
from app.extensions import db

log = logging.getLogger(__name__)

VERSION_FIELD = "row_version"

# What filters the org-unit select boxes (`org_choice_columns`): the org area's rule, handed over
# when the app is created (`use_org_choice_filter`, app/registry.py) — core names no area.
ORG_CHOICE_FILTER: list[type[BaseFilter]] = []


def use_org_choice_filter(filter_class: type[BaseFilter]) -> None:
    ORG_CHOICE_FILTER[:] = [filter_class]


class ScopedModelView(ListPage, QuickSearchList, ModelView):
    """Base of every model view. Set `permission_group` to the role grant that covers it, and
    `datamodel = ScopedInterface(Model)` (`ListInterface` for a county-wide table)."""

    permission_group: str = ""

    list_template = "xf/model/list.html"
    show_template = "xf/model/show.html"
    add_template = "xf/model/add.html"
    edit_template = "xf/model/edit.html"

    # relation name → what may be chosen there (app/org/choices.py): {"township": "township"}
    org_choice_columns: dict[str, str] = {}
    # relation set to the creator's township when left empty on create
    default_township_column: str | None = None
    # Titles shown on pages; subclasses give lazy_gettext strings.
    list_title = _l("List")
    show_title = _l("Details")
    add_title = _l("Add")
    edit_title = _l("Edit")

    def __init__(self, **kwargs: Any) -> None:
        model = self.datamodel.obj
        self._check_scoped(model)
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

    def _check_scoped(self, model: Any) -> None:
        """A scoped model is served through its scope: by a `ScopedInterface`, or (the user list,
        whose interface FAB makes) a base filter that applies the scope."""
        if not isinstance(self.datamodel, ListInterface):
            raise TypeError(f"{type(self).__name__}: serve {model.__name__} through ListInterface or ScopedInterface")
        scoped_by_filter = any(getattr(f[1], "applies_scope", False) for f in self.base_filters or ())
        if getattr(model, "__scope__", None) is not None and not (
            isinstance(self.datamodel, ScopedInterface) or scoped_by_filter
        ):
            raise TypeError(f"{type(self).__name__}: {model.__name__} is scoped; serve it through ScopedInterface")

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
                    choices=choice_loader(vocabulary, required),
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
        if self.org_choice_columns and not ORG_CHOICE_FILTER:
            raise RuntimeError("no org choice filter: app/registry.py hands it over at app creation")
        for relation, what in self.org_choice_columns.items():
            rule = [["id", ORG_CHOICE_FILTER[0], what]]
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

    # FAB's `action` and `action_post` find their records through the interface too (so within
    # the scope), but hand a record they cannot find to the action as None and answer a refusal
    # with a redirect: these answer 404 (one id outside the scope and nothing is done) and 403.

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name: str, pk: Any):
        """FAB's single-record action: a record outside the scope is not found (404)."""
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

    # --- add / edit that never lose input and never half-save ------------------------------

    def validate_item(self, item: Any, is_new: bool) -> None:
        """Cross-field and database-backed rules; raise DomainError(message, field=…)."""

    def prefill_add_form(self, form: Any) -> None:
        """Defaults shown on an empty add form: the creator's township, "received now" …"""
        column = self.default_township_column
        township_id = current_scope().default_township_id
        if column and township_id is not None and hasattr(form, column):
            place = sa_inspect(self.datamodel.obj).relationships[column].mapper.class_
            getattr(form, column).data = db.session.get(place, township_id)

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
            polish_form(form_class)

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

