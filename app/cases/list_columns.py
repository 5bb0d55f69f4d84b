"""The case list's columns: the defaults, those a user may add (column chooser), the ones
computed for the page shown, and the export that follows the user's choice.

A column computed per page (`PAGE_COLUMNS`) reads the page's case ids in one query, never row
by row, and only when the user shows it; its export form is an SQL expression
(`export_expressions`), so the export stays one streamed query. Another area adds a column by
adding its name to `CHOOSABLE_COLUMNS` (read from the loaded rows), and if it is computed or
should not load with every page, to `PAGE_COLUMNS` and `export_expressions` as well.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from flask import abort, g, request
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access, permission_name
from markupsafe import Markup
from sqlalchemy import case, exists, select

from app.cases import backlog_views as marks
from app.cases import flags
from app.cases.cells import due_cell, flag_cell
from app.cases.list_models import ListColumnChoice
from app.cases.models import Case
from app.core import export as exporting
from app.core.clock import now
from app.core.database import reads_only
from app.core.scoping import current_actor
from app.extensions import db

# Today's list, in its order: what a user who never chose sees.
DEFAULT_COLUMNS: tuple[str, ...] = (
    "number", "received_at", "channel", "petitioner_names", "township", "category", "subject",
    "title", "handler", "next_due_at", "status", "needs_supervision", *marks.MARK_LIST_COLUMNS,
)
# Every column a user may show, in the order they are shown.
CHOOSABLE_COLUMNS: tuple[str, ...] = (
    "number", "received_at", "channel", "petitioner_names", "township", "responsible_unit",
    "category", "subject", "title", "handler", "next_due_at", "days_overdue", "status", "needs_supervision",
    "open_supervision", *marks.MARK_LIST_COLUMNS, *marks.MARK_EXPORT_COLUMNS,
)


def _open_order_exists():
    from app.supervision.models import OrderStatus, OrderTarget, SupervisionOrder

    return exists(
        select(OrderTarget.id)
        .join(SupervisionOrder, SupervisionOrder.id == OrderTarget.order_id)
        .where(
            OrderTarget.case_id == Case.id,
            SupervisionOrder.status.in_([OrderStatus.ISSUED.value, OrderStatus.ANSWERED.value]),
        )
    )


def _overdue_due(moment: datetime):
    """The deadline of a case overdue at `moment` (flags.overdue_clause), else NULL."""
    return case((flags.overdue_clause(moment), Case.next_due_at), else_=None)


def _page_units(ids: list[int]) -> dict[int, Any]:
    from app.org.models import OrgUnit

    rows = db.session.execute(
        select(Case.id, OrgUnit.name).join(OrgUnit, OrgUnit.id == Case.responsible_unit_id).where(Case.id.in_(ids))
    )
    return dict(rows.all())


def _page_days_overdue(ids: list[int]) -> dict[int, Any]:
    moment = now()
    rows = db.session.execute(select(Case.id, _overdue_due(moment)).where(Case.id.in_(ids)))
    return {pk: flags.days_overdue(due, moment) for pk, due in rows if due is not None}


def _page_open_orders(ids: list[int]) -> dict[int, Any]:
    from app.supervision.orders import open_order_case_ids

    return dict.fromkeys(open_order_case_ids(db.session, ids), True)


PAGE_COLUMNS: dict[str, Callable[[list[int]], dict[int, Any]]] = {
    "responsible_unit": _page_units,
    "days_overdue": _page_days_overdue,
    "open_supervision": _page_open_orders,
}


def _days_cell(days: int | None) -> Markup:
    if days is None:
        return Markup("")
    return Markup('<span class="text-danger xf-days-overdue">{}</span>').format(days)


def _order_cell(is_open: bool | None) -> Markup:
    if not is_open:
        return Markup("")
    from flask_babel import gettext

    return Markup('<span class="label label-info xf-supervised">{}</span>').format(gettext("Under supervision"))


def export_expressions(moment: datetime) -> dict[str, tuple[Any, Callable[[Any], Any] | None]]:
    return {
        "days_overdue": (_overdue_due(moment), lambda due: flags.days_overdue(due, moment)),
        "open_supervision": (_open_order_exists(), None),
    }


def clean_columns(names: Iterable[str]) -> list[str]:
    """The names that are columns of the list, in the list's order; none: the defaults."""
    wanted = set(names)
    chosen = [c for c in CHOOSABLE_COLUMNS if c in wanted]
    return chosen or list(DEFAULT_COLUMNS)


def chosen_columns(user_id: int | None, view: str = "CaseView") -> list[str]:
    """The columns `user_id` shows in the list (their choice, else the defaults)."""
    if user_id is None:
        return list(DEFAULT_COLUMNS)
    stored = db.session.get(ListColumnChoice, (user_id, view))
    return clean_columns(stored.columns.split(",")) if stored is not None else list(DEFAULT_COLUMNS)


def choose_columns(user_id: int, names: Iterable[str], view: str = "CaseView") -> list[str]:
    """Keep `user_id`'s choice (the caller commits); the defaults chosen keep nothing."""
    columns = clean_columns(names)
    stored = db.session.get(ListColumnChoice, (user_id, view))
    if columns == list(DEFAULT_COLUMNS):
        if stored is not None:
            db.session.delete(stored)
        return columns
    if stored is None:
        stored = ListColumnChoice(user_id=user_id, view=view)
        db.session.add(stored)
    stored.columns = ",".join(columns)
    return columns


class CaseColumnsMixin:
    """The list's columns as the user chose them, on the page and in the export (CaseView)."""

    # What the page reads from the loaded rows: every choosable column not computed per page.
    list_columns = [c for c in CHOOSABLE_COLUMNS if c not in PAGE_COLUMNS]
    formatters_columns = {
        "next_due_at": due_cell, "needs_supervision": flag_cell,
        "days_overdue": _days_cell, "open_supervision": _order_cell, **marks.MARK_FORMATTERS,
    }

    def shown_columns(self) -> list[str]:
        if "xf_case_columns" not in g:
            user = getattr(g, "user", None)
            g.xf_case_columns = chosen_columns(getattr(user, "id", None), self.__class__.__name__)
        return g.xf_case_columns

    def _get_list_widget(self, filters, **kwargs):
        widgets = super()._get_list_widget(filters, **kwargs)
        args = widgets["list"].template_args
        shown = self.shown_columns()
        rows = list(args["value_columns"])
        ids = [int(pk) for pk in args.get("pks", [])]
        for name in shown:
            if name in PAGE_COLUMNS and name not in self.list_columns:
                values = PAGE_COLUMNS[name](ids) if ids else {}
                for pk, row in zip(ids, rows, strict=True):
                    row[name] = values.get(pk)
        args["value_columns"] = rows
        args["include_columns"] = shown
        return widgets

    def list_context(self) -> dict[str, Any]:
        context = super().list_context()
        labels = self.label_columns
        context["column_choices"] = [(c, labels.get(c, c), c in self.shown_columns()) for c in CHOOSABLE_COLUMNS]
        return context

    @expose("/columns", methods=["POST"])
    @has_access
    @permission_name("list")
    def choose_columns(self):
        """Keep the columns the user ticked; back to the list as it was."""
        from flask import flash, redirect, url_for
        from flask_babel import gettext

        choose_columns(g.user.id, request.form.getlist("column"), self.__class__.__name__)
        db.session.commit()
        flash(gettext("The list shows the columns you chose."), "success")
        back = request.form.get("query", "")
        return redirect(url_for(".list") + ("?" + back if back else ""))

    @expose("/export/<fmt>", methods=["POST"])
    @has_access
    @reads_only
    def export(self, fmt: str):
        """ScopedModelView.export with the user's columns (computed ones included)."""
        if fmt not in ("csv", "xlsx"):
            abort(404)
        columns, joins = self.export_column_list(self.label_columns)
        rows = self.export_rows(
            exporting.rows_of(self.export_query(columns, joins), columns, self.may_export_personal_data()), columns
        )
        return exporting.download(
            self, str(self.list_title), fmt, [c.header for c in columns], rows, user=current_actor(),
            filters=request.args.to_dict(flat=False), model=self.datamodel.obj.__tablename__,
        )

    def export_column_list(self, labels: dict[str, Any]) -> tuple[list[exporting.ExportColumn], list[Any]]:
        """The export's columns: those the user shows, computed ones as SQL expressions."""
        model = self.datamodel.obj
        computed = export_expressions(now())
        columns: list[exporting.ExportColumn] = []
        joins: list[Any] = []
        shown = self.shown_columns()
        # A referral's body and number go with every export that shows the 积案/交办 marks.
        if any(name in shown for name in marks.MARK_LIST_COLUMNS):
            shown = [*shown, *(name for name in marks.MARK_EXPORT_COLUMNS if name not in shown)]
        for name in shown:
            if name in computed:
                expression, formatter = computed[name]
                columns.append(exporting.ExportColumn(str(labels.get(name, name)), expression, formatter))
                continue
            found, needed = exporting.export_columns(model, [name], labels)
            columns += found
            joins += needed
        return columns, joins

