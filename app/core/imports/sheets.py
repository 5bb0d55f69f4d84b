"""The .xlsx side: the Chinese template, checking an upload, reading rows, the error workbook."""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import force_locale, gettext

from app.core.imports.cells import _norm
from app.core.imports.jobs import MAX_UNPACKED_BYTES, TEMPLATE_ROWS
from app.core.imports.spec import ImportColumn, ImportSpec, cell_text

log = logging.getLogger(__name__)

# --- the template -------------------------------------------------------------------------------


def build_template(spec: ImportSpec) -> bytes:
    """The Chinese .xlsx template: headers, drop-downs, date formats, an instructions sheet."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    title = str(spec.title)[:31]
    sheet = book.add_worksheet(title)
    head = book.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True,
                            "valign": "vcenter", "align": "center"})
    head_required = book.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True,
                                     "valign": "vcenter", "align": "center", "font_color": "#C00000"})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    text_format = book.add_format({"num_format": "@"})
    options_sheet = None
    options_col = 0
    sheet.set_row(0, 30)
    for index, column in enumerate(spec.columns):
        header = str(column.header)
        sheet.write(0, index, header, head_required if column.required else head)
        sheet.set_column(index, index, column.width, date_format if column.date else text_format)
        tip = str(column.hint or "")
        if column.required:
            tip = gettext("Required.") + (" " + tip if tip else "")
        options = column.options() if column.options else None
        if options:
            joined = ",".join(options)
            if len(joined) <= 250:
                source: Any = options
            else:
                # Excel limits an inline list to 255 characters: longer lists live on a sheet.
                if options_sheet is None:
                    options_sheet = book.add_worksheet(gettext("Options"))
                for row, option in enumerate(options):
                    # Options are names people typed (units, subjects): written as text, never
                    # as a formula (`=HYPERLINK(…)` as a unit's name), as every export is.
                    options_sheet.write_string(row, options_col, str(option))
                letter = xlsxwriter.utility.xl_col_to_name(options_col)
                source = f"='{options_sheet.get_name()}'!${letter}$1:${letter}${len(options)}"
                options_col += 1
            sheet.data_validation(1, index, TEMPLATE_ROWS, index, {
                "validate": "list", "source": source, "show_error": False,
                "input_title": header[:32], "input_message": tip[:250],
            })
        elif tip:
            sheet.data_validation(1, index, TEMPLATE_ROWS, index, {
                "validate": "any", "input_title": header[:32], "input_message": tip[:250],
            })
    sheet.freeze_panes(1, 0)

    guide = book.add_worksheet(gettext("Instructions"))
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    guide.set_column(0, 0, 22)
    guide.set_column(1, 1, 10)
    guide.set_column(2, 2, 70)
    guide.set_column(3, 3, 28)
    guide.write(0, 0, gettext("Fill in the sheet 「%(sheet)s」, one record per row, from row 2. Keep the header row as it is.", sheet=title))
    guide.write(1, 0, gettext("If any row has an error, nothing is imported and every error is listed. Rows already imported are skipped when the file is imported again."))
    for col, label in enumerate([gettext("Column"), gettext("Required"), gettext("How to fill it in"), gettext("Example")]):
        guide.write(3, col, label, head)
    for row, column in enumerate(spec.columns, start=4):
        allowed = column.options() if column.options else None
        how = str(column.hint or "")
        if allowed:
            how = (how + " " if how else "") + gettext("One of: %(values)s", values="、".join(allowed))
        guide.write(row, 0, str(column.header), wrap)
        guide.write(row, 1, gettext("Yes") if column.required else "", wrap)
        guide.write_string(row, 2, how, wrap)
        guide.write(row, 3, column.example, wrap)
    if options_sheet is not None:
        options_sheet.hide()
    book.close()
    return buffer.getvalue()


def template_filename(spec: ImportSpec) -> str:
    return gettext("%(title)s import template.xlsx", title=str(spec.title))


# --- checking an upload ---------------------------------------------------------------------------


def xlsx_error(data: bytes) -> str | None:
    """Why `data` is not a usable .xlsx workbook (judged by content, not by the file name)."""
    if not data:
        return gettext("The file is empty.")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return gettext("This is not an Excel .xlsx file (old .xls files: open in Excel and save as .xlsx).")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return gettext("The file is damaged and cannot be read.")
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        return gettext("This is not an Excel .xlsx file (old .xls files: open in Excel and save as .xlsx).")
    if unpacked > MAX_UNPACKED_BYTES:
        return gettext("The workbook is too large to import.")
    return None


def _open_sheet(spec: ImportSpec, data: bytes):
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    title = str(spec.title)[:31]
    sheet = book[title] if title in book.sheetnames else book.worksheets[0]
    return book, sheet


def _header_names(column: ImportColumn) -> set[str]:
    """The header in Chinese and in English (a template downloaded in either language works)."""
    names = {_norm_header(str(column.header))}
    for locale in ("zh", "en"):
        with force_locale(locale):
            names.add(_norm_header(str(column.header)))
    return names


def _header_map(spec: ImportSpec, header_row: Sequence[Any]) -> tuple[dict[str, int], list[str]]:
    """Column key → index in the file, and the required headers that are missing."""
    positions: dict[str, int] = {}
    wanted = {name: c for c in spec.columns for name in _header_names(c)}
    for index, cell in enumerate(header_row):
        column = wanted.get(_norm_header(cell_text(cell)))
        if column is not None and column.key not in positions:
            positions[column.key] = index
    missing = [str(c.header) for c in spec.columns if c.required and c.key not in positions]
    return positions, missing


def _norm_header(value: str) -> str:
    return _norm(value).lstrip("*＊")


def check_upload(spec: ImportSpec, data: bytes, max_bytes: int) -> str | None:
    """Refuse before any row is read: too large, not an xlsx, damaged, or another template."""
    if len(data) > max_bytes:
        return gettext("The file is larger than %(mb)s MB.", mb=_mb(max_bytes))
    error = xlsx_error(data)
    if error:
        return error
    try:
        book, sheet = _open_sheet(spec, data)
        header = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
        book.close()
    except Exception:  # noqa: BLE001 — openpyxl raises many kinds of errors on bad files
        log.info("unreadable workbook uploaded for %s", spec.name, exc_info=True)
        return gettext("The file is damaged and cannot be read.")
    positions, missing = _header_map(spec, header or ())
    if not positions:
        return gettext("This file is not the 「%(title)s」 template: its header row has none of the template's columns. Download the template and fill it in.", title=str(spec.title))
    if missing:
        return gettext("This file is not the 「%(title)s」 template: the columns %(columns)s are missing. Download the template and fill it in.", title=str(spec.title), columns="、".join(f"「{m}」" for m in missing))
    return None


def _mb(size: int) -> str:
    value = size / 1024 / 1024
    if value.is_integer():
        return f"{value:.0f}"
    return f"{value:.1f}" if value >= 1 else f"{value:.2f}"


def error_workbook(spec: ImportSpec, errors: Iterable[dict[str, Any]]) -> bytes:
    """The error list as a spreadsheet (row, column, value, problem) to fix the file against."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(gettext("Errors"))
    head = book.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1})
    for col, label in enumerate([gettext("Row"), gettext("Column"), gettext("Value"), gettext("Problem")]):
        sheet.write(0, col, label, head)
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 1, 18)
    sheet.set_column(2, 2, 30)
    sheet.set_column(3, 3, 70)
    for row, error in enumerate(errors, start=1):
        sheet.write(row, 0, error.get("row") or "")
        # As text, always: `write` would turn a cell beginning with "=" into a formula.
        sheet.write_string(row, 1, str(error.get("header") or ""))
        sheet.write_string(row, 2, str(error.get("value") or ""))
        sheet.write_string(row, 3, str(error.get("message") or ""))
    book.close()
    return buffer.getvalue()
