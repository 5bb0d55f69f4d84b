"""Exports of any list or report to .csv and .xlsx — streamed, scoped, masked, safe, in Chinese.

Every `ScopedModelView` gets `POST /export/csv` and `/export/xlsx` (permission `can_export`,
CSRF-protected like any state-changing request, since each export is logged): the
same filters, quick search, sort and scope as the list page the user is looking at, Chinese
column headers, a Chinese file name with the date, and personal data masked unless the user's
role handles cases. Rows are read in batches straight from SQL (no ORM objects, no per-row
queries) and written as they come, so memory does not grow with the number of rows: CSV and .xlsx alike are
streamed to the browser as they are written (app/core/xlsx.py writes the workbook row by row).

Every download, of a list or of a report table, is sent by `download()`, which makes it safe
whatever the caller does:
- no cell is a formula: every cell passes `neutralise` (a title typed as `=HYPERLINK(…)` is text);
- the stream reads on its own session and releases its connection however the download ends
  (completed, cut off by the browser half-way, failed) — a streamed response that kept the
  view's session would revive it after the request closed it and hold its connection until a
  garbage collection, and the pool ran dry;
- it is announced twice: `export_started` before the first byte, `export_done` (row count,
  completed or not) once the connection is back in the pool — the audit log listens to both, so
  a cancelled export is logged too, each entry on its own short transaction.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from blinker import Namespace
from flask import Response, current_app, stream_with_context
from flask_babel import gettext
from sqlalchemy import Enum, Integer, String
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import aliased
from sqlalchemy.orm.properties import ColumnProperty
from sqlalchemy.orm.relationships import RelationshipProperty

from app.core import clock
from app.core.choices import Choices
from app.core.display import display
from app.core.privacy import MASKERS, free_text_columns, free_text_in_full, mask_free_text

signals = Namespace()
export_started = signals.signal("export-started")
export_done = signals.signal("export-done")

BATCH = 5000


@dataclass
class ExportColumn:
    """One column of an export: its header, the SQL expression and how a value is written."""

    header: str
    expression: Any
    formatter: Callable[[Any], Any] | None = None
    personal: str | None = None  # "id_number" / "phone": masked unless the user may see it
    # Sentences people write (the model's `free_text_columns`): the ID numbers and phones written
    # into them are masked for roles that see masks, as on the list page.
    free_text: bool = False


# A cell whose text starts like this is read as a formula by Excel, WPS and LibreOffice when a
# CSV is opened (CWE-1236, OWASP "CSV injection"): `=HYPERLINK(…)` in a petition's title would
# run on the reader's machine. A tab or CR in front hides such a start from a first glance.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# …but a plain signed number ("-3", "+17.5%") is no formula and reads better left alone.
_SIGNED_NUMBER = re.compile(r"[+-]\d+(?:\.\d+)?%?")


def neutralise(value: Any) -> Any:
    """A cell as text that no spreadsheet evaluates: a leading apostrophe before a formula start
    (the spreadsheets' own sign for "this is text"). Every exported cell passes here, CSV and
    .xlsx alike, whatever list or report it comes from."""
    if value.__class__ is str and value.startswith(_FORMULA_START) and not _SIGNED_NUMBER.fullmatch(value):
        return "'" + value
    return value


def export_columns(model: Any, names: Iterable[str], labels: dict[str, Any]) -> tuple[list[ExportColumn], list[tuple[Any, Any]]]:
    """Columns for `names` (plain columns or many-to-one relations shown by their name).

    Returns the columns and the outer joins the query needs, as (alias, on-clause) pairs.
    """
    mapper = sa_inspect(model)
    prose = set(free_text_columns(model))
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
            columns.append(ExportColumn(header, getattr(model, name), formatter, column.info.get("personal"),
                                        free_text=name in prose))
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


def _converter(column: ExportColumn, unmasked: bool, text_in_full: bool = False) -> Callable[[Any], Any]:
    """How one column's raw values become cells — resolved once per export, not per cell.

    (Translating a vocabulary label per cell would dominate a million-row export.) Every
    converter that can return text someone typed returns it through `neutralise`; a free-text
    column's numbers are masked unless `text_in_full` (the viewer's rule, `free_text_in_full`).
    """
    mask = None if (unmasked or not column.personal) else MASKERS.get(column.personal)
    if mask is not None:
        return lambda v: neutralise(mask(v))  # "+86 1****5678" starts like a formula too
    if column.free_text and not text_in_full:
        inner = _converter(column, unmasked, text_in_full=True)
        return lambda v: inner(mask_free_text(v) if isinstance(v, str) else v)
    fmt = column.formatter
    if fmt is not None:
        vocabulary = getattr(fmt, "__self__", None)
        if isinstance(vocabulary, type) and issubclass(vocabulary, Choices):
            labels = dict(vocabulary.choices())
            return lambda v: "" if v is None else labels.get(v, v)
        return lambda v: "" if v is None else neutralise(display(fmt(v)))
    kind = getattr(column.expression, "type", None)
    if isinstance(kind, String) and not isinstance(kind, Enum):
        return _text_cell
    if isinstance(kind, Integer):
        return _blank_if_none  # numbers are written as they are
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
        return neutralise(display(value))

    return plain


def _blank_if_none(value: Any) -> Any:
    return "" if value is None else value


def _text_cell(value: Any) -> Any:
    # `neutralise` inlined for the common case: text columns are most of a million-row export.
    if value is None:
        return ""
    if value.__class__ is str and value.startswith(_FORMULA_START):
        return neutralise(value)
    return value


class NeutralRows:
    """Rows whose cells have been through `neutralise` already (`rows_of`'s converters):
    `download` does not pass them through it a second time."""

    def __init__(self, rows: Iterator[list[Any]]) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[list[Any]]:
        return self._rows


def rows_of(query: Any, columns: list[ExportColumn], unmasked: bool) -> NeutralRows:
    """Stream the rows of `query` (already selecting the columns' expressions) in batches.

    The rows are read when the download runs, after the view has returned: on the session of
    the stream's own context (`download` releases it however the stream ends), never on
    `query.session` — the view's session, closed with its request, which would open a new
    connection that nobody closes.
    """
    from app.extensions import db

    text_in_full = unmasked or free_text_in_full()  # settled now, in the view's request
    converters = [_converter(c, unmasked, text_in_full) for c in columns]
    statement = query.statement

    def read() -> Iterator[list[Any]]:
        # Core execution of the query's statement: plain tuples, none of the ORM's per-row work.
        connection = db.session.connection()
        result = connection.execution_options(stream_results=True, yield_per=BATCH).execute(statement)
        try:
            for row in result:
                yield [convert(value) for convert, value in zip(converters, row, strict=True)]
        finally:
            result.close()

    return NeutralRows(read())


def download_name(title: str, extension: str) -> str:
    return f"{title}_{clock.today():%Y%m%d}.{extension}"


def _disposition(filename: str) -> str:
    # RFC 6266/5987: an ASCII fallback plus the UTF-8 Chinese name every current browser uses.
    ascii_name = filename.encode("ascii", "ignore").decode() or f"export.{filename.rsplit('.', 1)[-1]}"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


@dataclass
class Download:
    """One export on its way to the browser, as its listeners (the audit log) see it."""

    sender: Any
    title: str
    fmt: str
    user: Any
    filters: Mapping[str, Any]
    model: str | None = None
    rows: int = 0  # data rows written so far
    completed: bool = False
    ended: bool = False
    # What a listener keeps from the start to the end (the audit log: its start entry).
    notes: dict[str, Any] = field(default_factory=dict)

    def end(self, completed: bool) -> None:
        """Release the stream's connection, then announce the end — once, however it came."""
        if self.ended:
            return
        self.ended = True
        self.completed = completed
        from app.extensions import db

        # The reading is over: its connection goes back to the pool before anything else is
        # written, so a download never holds two connections at once.
        db.session.remove()
        export_done.send(self.sender, download=self, user=self.user, title=self.title, fmt=self.fmt,
                         filters=self.filters, rows=self.rows, completed=completed)


def _cells(export: Download, rows: Iterable[list[Any]], text_in_full: bool) -> Iterator[list[Any]]:
    """`rows` counted, every cell through `neutralise` (unless `rows_of` did it already).

    A report table's rows come with no column declarations: any text cell may be a sentence
    someone wrote (an accountability reason, a case title), so each has the ID numbers and phones
    in it masked unless the viewer sees free text in full — as on the report's page."""
    if isinstance(rows, NeutralRows):
        for row in rows:
            export.rows += 1
            yield row
        return
    for row in rows:
        export.rows += 1
        if text_in_full:
            yield [neutralise(value) for value in row]
        else:
            yield [neutralise(mask_free_text(value) if value.__class__ is str else value) for value in row]


def _csv_chunks(headers: list[str], rows: Iterator[list[Any]]) -> Iterator[bytes]:
    """UTF-8 CSV with a BOM (so Excel on Windows reads the Chinese), a chunk per 1,000 rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    yield "\ufeff".encode() + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for i, row in enumerate(rows, start=1):
        writer.writerow(row)
        if i % 1000 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def download(sender: Any, title: str, fmt: str, headers: list[str], rows: Iterable[list[Any]], *,
             user: Any, filters: Mapping[str, Any] | None = None, model: str | None = None) -> Response:
    """`rows` under `headers` as a streamed .csv or .xlsx file named after `title`.

    The .xlsx is streamed while it is written (app/core/xlsx.py `stream`): the first bytes
    leave at once, so the page can show progress, and memory stays flat whatever the row count.
    """
    from app.core import xlsx

    export = Download(sender, title, fmt, user, dict(filters or {}), model)
    export_started.send(sender, download=export)
    cells = _cells(export, rows, free_text_in_full())
    chunks = _csv_chunks(headers, cells) if fmt == "csv" else xlsx.stream(title, headers, cells)

    def generate() -> Iterator[bytes]:
        completed = False
        try:
            yield from chunks
            completed = True
        finally:  # the last row, the browser gone half-way (GeneratorExit), or an error
            export.end(completed)

    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def closed_before_start() -> None:
        # A download closed before its first byte never ran `generate` (nor its finally):
        # it ends here, outside the request, in an application context of its own.
        if not export.ended:
            with app.app_context():
                export.end(False)

    response = Response(stream_with_context(generate()), mimetype=MIMETYPES[fmt])
    response.call_on_close(closed_before_start)
    response.headers["Content-Disposition"] = _disposition(download_name(title, fmt))
    response.headers["Cache-Control"] = "no-store"
    return response


def write_xlsx(path: str, sheet_title: str, headers: list[str], rows: Iterable[list[Any]]) -> int:
    """Write an .xlsx without holding rows in memory; returns the number of data rows."""
    from app.core import xlsx

    return xlsx.write(path, sheet_title, headers, ([neutralise(v) for v in row] for row in rows))
