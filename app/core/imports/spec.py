"""The import spec: columns, the parsing context, parsed rows and their errors; a cell as text."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from app.core import clock
from app.core.clock import now
from app.core.errors import DomainError
from app.core.scoping import Scope

log = logging.getLogger(__name__)

# --- the spec ------------------------------------------------------------------------------------


class CellError(Exception):
    """A cell's value cannot be used; `message` is translated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


Parser = Callable[[Any, "ImportContext"], Any]


def _identity(value: Any, ctx: ImportContext) -> Any:  # noqa: ARG001
    return value


@dataclass(frozen=True)
class ImportColumn:
    """One column of the spreadsheet.

    key: the name the value has in a row's `values` (use the form field's name, so a rule's
      DomainError(field=…) points at the right column);
    header: the Chinese header in the template (a lazy string; matched after normalising spaces,
      brackets and a leading "*");
    parse: turns a non-blank cell into a Python value or raises CellError (see the factories
      below); blank cells become None without calling it;
    required: a blank cell is an error;
    hint / example: shown in the template's instructions sheet and as the column's input tip;
    options: the drop-down values offered in the template (e.g. a vocabulary's labels);
    date: format the template column as a date;
    personal: "id_number" / "phone" — the values are masked in the error report, as in any list.
    """

    key: str
    header: Any
    parse: Parser = _identity
    required: bool = False
    hint: Any = ""
    example: str = ""
    options: Callable[[], list[str]] | None = None
    date: bool = False
    personal: str | None = None
    width: int = 16


@dataclass
class ImportContext:
    """What parsers and rules may use: who imports, their scope, 'today', cached look-ups."""

    scope: Scope
    user_id: int | None
    org_unit_id: int | None
    session: Any
    today: date = field(default_factory=clock.today)
    now: datetime = field(default_factory=now)
    cache: dict[str, Any] = field(default_factory=dict)
    job_id: int | None = None


@dataclass
class ParsedRow:
    number: int  # the Excel row number the user sees
    values: dict[str, Any]
    fingerprint: str = ""


@dataclass
class RowError:
    row: int
    column: str | None
    header: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "header": self.header, "value": self.value,
                "message": self.message}


def masked_error(spec: ImportSpec, error: RowError) -> RowError:
    """The error as the report shows it (page and workbook, and as the job keeps it): ID numbers
    and phones masked like in every list — the cell of a personal column entry by entry, any
    other cell and the message wherever a number is written into them."""
    from app.core.privacy import MASKERS, mask_free_text

    column = spec.column(error.column) if error.column else None
    mask = MASKERS.get(getattr(column, "personal", None) or "")
    value, message = error.value, error.message
    if mask is not None and value:
        parts = split_list(value) or [value]
        for part in sorted(parts, key=len, reverse=True):
            message = message.replace(part, mask(part))
        value = "、".join(mask(part) for part in parts)
    return RowError(error.row, error.column, error.header, mask_free_text(value), mask_free_text(message))


class ImportSpec:
    """Declare a spreadsheet import; see the module docstring."""

    name: str = ""
    title: Any = ""
    table: str = ""  # the main table the records go to (named in the audit log)
    columns: Sequence[ImportColumn] = ()
    key_columns: Sequence[str] = ()
    max_rows: int = 20000

    def prepare(self, ctx: ImportContext) -> None:
        """Load look-ups once before the rows are checked (e.g. org names → ids into ctx.cache)."""

    def check_row(self, values: dict[str, Any], ctx: ImportContext) -> list[DomainError]:
        """Cross-field and database-backed rules for one row (the form's rules)."""
        return []

    def save(self, rows: list[ParsedRow], ctx: ImportContext) -> list[int]:
        """Create the records for `rows` (all valid, none imported before); return their ids in order."""
        raise NotImplementedError

    # A file the uploader may take exactly once after a finished import (e.g. the initial
    # passwords of imported users): its button's label, and the file itself.
    one_time_result: Any = None

    def take_result(self, record_ids: list[int], ctx: ImportContext) -> tuple[str, bytes]:
        """The one-time result for the records a job created: (file name, .xlsx bytes). Runs in
        the request that takes it; the caller commits and marks the job's result taken."""
        raise NotImplementedError

    # --- derived ---------------------------------------------------------------------------------

    def column(self, key: str) -> ImportColumn | None:
        return next((c for c in self.columns if c.key == key), None)

    def header_of(self, key: str | None) -> str:
        column = self.column(key) if key else None
        return str(column.header) if column else ""

    def fingerprint(self, values: dict[str, Any]) -> str:
        keys = self.key_columns or [c.key for c in self.columns]
        parts = [_canonical(values.get(k)) for k in keys]
        raw = json.dumps([self.name, *parts], ensure_ascii=False)
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _canonical(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "|".join(_canonical(v) for v in value)
    return re.sub(r"\s+", " ", str(value)).strip()


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a trailing '.0', dates as YYYY-MM-DD, spaces trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != time.min else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()



_LIST_SPLIT = re.compile(r"[、，,；;/\n]+")


def split_list(value: Any) -> list[str]:
    """'张三、李四' / '张三,李四' / one per line → ['张三', '李四']."""
    return [part.strip() for part in _LIST_SPLIT.split(cell_text(value)) if part.strip()]

