"""Exports of any list to .csv and .xlsx — streamed, scoped, masked, in Chinese.

Every `ScopedModelView` gets `POST /export/csv` and `/export/xlsx` (permission `can_export`,
CSRF-protected like any state-changing request, since each export is logged): the
same filters, quick search, sort and scope as the list page the user is looking at, Chinese
column headers, a Chinese file name with the date, and personal data masked unless the user's
role handles cases. Rows are read in batches straight from SQL (no ORM objects, no per-row
queries) and written as they come, so memory does not grow with the number of rows: CSV and .xlsx alike are
streamed to the browser as they are written (app/core/xlsx.py writes the workbook row by row).

Each finished export sends the `export_done` signal (who, which list, filters, row count) — the
audit log listens to it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from blinker import Namespace
from flask import Response, stream_with_context
from flask_babel import gettext
from sqlalchemy import Enum, Integer, String
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import aliased
from sqlalchemy.orm.properties import ColumnProperty
from sqlalchemy.orm.relationships import RelationshipProperty

from app.core import clock
from app.core.choices import Choices
from app.core.privacy import mask_id_number, mask_phone

signals = Namespace()
export_done = signals.signal("export-done")

BATCH = 5000
MASKERS: dict[str, Callable[[str | None], str]] = {"id_number": mask_id_number, "phone": mask_phone}


@dataclass
class ExportColumn:
    """One column of an export: its header, the SQL expression and how a value is written."""

    header: str
    expression: Any
    formatter: Callable[[Any], Any] | None = None
    personal: str | None = None  # "id_number" / "phone": masked unless the user may see it


def cell(value: Any) -> Any:
    """A value as it reads in a spreadsheet: dates formatted, booleans 是/否, None blank."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return value


def export_columns(model: Any, names: Iterable[str], labels: dict[str, Any]) -> tuple[list[ExportColumn], list[tuple[Any, Any]]]:
    """Columns for `names` (plain columns or many-to-one relations shown by their name).

    Returns the columns and the outer joins the query needs, as (alias, on-clause) pairs.
    """
    mapper = sa_inspect(model)
    columns: list[ExportColumn] = []
    joins: list[tuple[Any, Any]] = []
    for name in names:
        header = str(labels.get(name, name))
        prop = mapper.attrs.get(name)
        if isinstance(prop, ColumnProperty):
            column = prop.columns[0]
            vocabulary = column.info.get("choices")
            formatter = vocabulary.label_of if vocabulary and issubclass(vocabulary, Choices) else None
            # A column may say how its values are written, e.g. an id as the number people quote.
            formatter = column.info.get("export_format", formatter)
            columns.append(ExportColumn(header, getattr(model, name), formatter, column.info.get("personal")))
        elif isinstance(prop, RelationshipProperty) and not prop.uselist:
            target = prop.mapper.class_
            alias = aliased(target)
            local = next(iter(prop.local_columns))
            if hasattr(target, "last_name") and hasattr(target, "first_name"):
                shown = alias.last_name + alias.first_name  # a person: 姓 + 名, as Chinese writes it
            else:
                shown = getattr(alias, "name", None) or getattr(alias, "number", None) or alias.id
            joins.append((alias, getattr(model, local.key) == alias.id))
            columns.append(ExportColumn(header, shown))
        # Properties and to-many relations are not exportable columns; they are skipped.
    return columns, joins


def _converter(column: ExportColumn, unmasked: bool) -> Callable[[Any], Any]:
    """How one column's raw values become cells — resolved once per export, not per cell.

    (Translating a vocabulary label per cell would dominate a million-row export.)
    """
    mask = None if (unmasked or not column.personal) else MASKERS.get(column.personal)
    if mask is not None:
        return mask
    fmt = column.formatter
    if fmt is not None:
        vocabulary = getattr(fmt, "__self__", None)
        if isinstance(vocabulary, type) and issubclass(vocabulary, Choices):
            labels = dict(vocabulary.choices())
            return lambda v: "" if v is None else labels.get(v, v)
        return lambda v: "" if v is None else cell(fmt(v))
    kind = getattr(column.expression, "type", None)
    if isinstance(kind, (String, Integer)) and not isinstance(kind, Enum):
        return _blank_if_none  # text and numbers are written as they are
    yes, no = gettext("Yes"), gettext("No")

    def plain(value: Any) -> Any:
        if value is None:
            return ""
        if value is True:
            return yes
        if value is False:
            return no
        if isinstance(value, datetime):
            return value.isoformat(" ", "minutes")
        return cell(value)

    return plain


def _blank_if_none(value: Any) -> Any:
    return "" if value is None else value


def rows_of(query: Any, columns: list[ExportColumn], unmasked: bool) -> Iterator[list[Any]]:
    """Stream the rows of `query` (already selecting the columns' expressions) in batches."""
    converters = [_converter(c, unmasked) for c in columns]
    # Core execution of the query's statement: plain tuples, none of the ORM's per-row work.
    connection = query.session.connection()
    result = connection.execution_options(stream_results=True, yield_per=BATCH).execute(query.statement)
    for row in result:
        yield [convert(value) for convert, value in zip(converters, row, strict=True)]


def download_name(title: str, extension: str) -> str:
    return f"{title}_{clock.today():%Y%m%d}.{extension}"


def _disposition(filename: str) -> str:
    # RFC 6266/5987: an ASCII fallback plus the UTF-8 Chinese name every current browser uses.
    ascii_name = filename.encode("ascii", "ignore").decode() or f"export.{filename.rsplit('.', 1)[-1]}"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


class _CountingRows:
    """Wraps a row iterator and counts what passed through (for the audit signal)."""

    def __init__(self, rows: Iterator[list[Any]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[list[Any]]:
        for row in self.rows:
            self.count += 1
            yield row


def csv_response(title: str, headers: list[str], rows: Iterator[list[Any]], on_done: Callable[[int], None]) -> Response:
    """UTF-8 CSV with a BOM (so Excel on Windows reads the Chinese), streamed."""
    counted = _CountingRows(rows)

    def generate() -> Iterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        yield "\ufeff".encode() + buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        for i, row in enumerate(counted, start=1):
            writer.writerow(row)
            if i % 1000 == 0:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode("utf-8")
        on_done(counted.count)

    response = Response(stream_with_context(generate()), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = _disposition(download_name(title, "csv"))
    response.headers["Cache-Control"] = "no-store"
    return response


def write_xlsx(path: str, sheet_title: str, headers: list[str], rows: Iterable[list[Any]]) -> int:
    """Write an .xlsx without holding rows in memory; returns the number of data rows."""
    from app.core import xlsx

    return xlsx.write(path, sheet_title, headers, rows)


def xlsx_response(title: str, headers: list[str], rows: Iterator[list[Any]], on_done: Callable[[int], None]) -> Response:
    """The .xlsx streamed while it is written (app/core/xlsx.py `stream`): the first bytes leave
    at once, so the page can show progress, and memory stays flat whatever the row count."""
    from app.core import xlsx

    counter = xlsx.Counter()

    def generate() -> Iterator[bytes]:
        yield from xlsx.stream(title, headers, rows, counter)
        on_done(counter.rows)

    response = Response(
        stream_with_context(generate()),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response.headers["Content-Disposition"] = _disposition(download_name(title, "xlsx"))
    response.headers["Cache-Control"] = "no-store"
    return response
