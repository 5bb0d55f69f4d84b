"""Excel import: one declarative spec per kind of record, a Chinese template, all-or-nothing.

County offices keep their ledgers in Excel. An area declares what its spreadsheet looks like and
how a row becomes records; this module does the rest, the same way for every area:

    class LedgerImport(ImportSpec):
        name = "ledger_entries"                      # stable: keys the idempotency records
        title = _l("Dispute ledger")                 # page title, template file and sheet name
        table = "ledger_entry"                       # named in the audit log
        columns = (
            ImportColumn("township", _l("Township"), required=True, parse=text(50)),
            ImportColumn("found_on", _l("Found on"), required=True, parse=date_value()),
            ImportColumn("level", _l("List level"), parse=choice(ListLevel)),
            ...
        )
        key_columns = ("township", "title", "found_on")   # natural key (default: every column)

        def prepare(self, ctx): ...                  # load look-ups once (names → ids)
        def check_row(self, values, ctx): ...        # the form's rules; return [DomainError(field=key)]
        def save(self, rows, ctx): ...               # create the records; return their ids

- **Template**: `build_template(spec)` writes an .xlsx with the Chinese headers, drop-downs for
  vocabulary columns, date formats, and a second sheet explaining every column.
- **Checks before anything is read**: the upload must be a real .xlsx (a zip holding the
  workbook parts, not judged by its name), within `MAX_CONTENT_LENGTH`, and its header row must
  be this spec's template (`check_upload`).
- **All or nothing**: every row is parsed and checked first (cell parsers reuse
  app/core/validators.py and the same `Choices` vocabularies as the forms); one error anywhere
  and nothing is saved — the user gets the list of errors by row and column, in Chinese. Only a
  clean file is saved, in one transaction.
- **Idempotent**: each row's natural key is hashed into a fingerprint; `ImportedRow` remembers
  the fingerprints imported per spec (unique), so importing the same file again skips those rows,
  and two imports of the same file racing each other cannot both insert them.
- **Progress across processes**: `ImportJob` rows hold the upload, the phase and the counts. The
  web request only records the job; the worker process (`flask xf worker`, app/worker/) claims it
  with one atomic update, runs it and writes its progress; the page polls the job through any
  process (app/core/import_views.py). A recycled web worker no longer cuts an import off. A job
  whose worker died (no heartbeat for STALE_AFTER) is queued again once (the import is
  all-or-nothing and idempotent, so starting over is safe), then marked failed with the reason.
- **Audit**: records are written with bulk statements (10,000 rows in seconds), which the audit
  log's flush capture does not see; each finished import sends `import_done` (who, which spec,
  file, counts, the new ids' range) and the audit log records it as one entry.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from blinker import Namespace
from flask import Flask
from flask_appbuilder import Model
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import deferred

from app.core import clock
from app.core.choices import Choices
from app.core.clock import now
from app.core.errors import DomainError
from app.core.scoping import Scope, ScopeSpec
from app.core.validators import (
    REQUIRED_MESSAGE,
    future_error,
    id_number_error,
    normalize_id_number,
    normalize_phone,
    phone_error,
)

log = logging.getLogger(__name__)
import_done = Namespace().signal("import-done")

# How often the validating thread writes its progress (rows), and how many errors it keeps.
PROGRESS_EVERY = 500
MAX_ERRORS_KEPT = 2000
# A running job whose heartbeat is older than this lost its worker (stopped, killed, restarted).
STALE_AFTER = timedelta(minutes=5)
# How often a job is started before it is given up (the first run and one resumption).
MAX_ATTEMPTS = 2
# A queued job no worker has claimed for this long: the page says the worker seems not to run.
UNCLAIMED_AFTER = timedelta(minutes=2)
# A zip whose parts unpack to more than this is refused (zip bombs), whatever its own size.
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
# Template rows that get drop-downs and date formats.
TEMPLATE_ROWS = 20000


# --- jobs and idempotency records ----------------------------------------------------------------


class JobStatus(Choices):
    QUEUED = "queued", _l("Queued")
    VALIDATING = "validating", _l("Checking rows")
    SAVING = "saving", _l("Saving")
    DONE = "done", _l("Imported")
    FAILED = "failed", _l("Not imported")


RUNNING_STATUSES = frozenset({JobStatus.QUEUED.value, JobStatus.VALIDATING.value, JobStatus.SAVING.value})


class ImportJob(Model):
    """One uploaded file and what became of it. The upload itself is dropped once processed."""

    __tablename__ = "import_job"
    __scope__ = ScopeSpec(org_unit="org_unit_id")
    __table_args__ = (Index("ix_import_job_user_spec", "created_by_id", "spec", "created_at"),)

    id = Column(Integer, primary_key=True)
    spec = Column(String(40), nullable=False)
    status = Column(String(16), nullable=False, default=JobStatus.QUEUED.value)
    filename = Column(String(200), nullable=False, default="")
    size = Column(Integer, nullable=False, default=0)
    payload = deferred(Column(LargeBinary, nullable=True))
    total_rows = Column(Integer, nullable=False, default=0)
    processed_rows = Column(Integer, nullable=False, default=0)
    imported_count = Column(Integer, nullable=False, default=0)
    skipped_count = Column(Integer, nullable=False, default=0)
    error_count = Column(Integer, nullable=False, default=0)
    # JSON list of {"row", "column", "header", "value", "message"} (at most MAX_ERRORS_KEPT).
    errors = deferred(Column(Text, nullable=True))
    message = Column(Text, nullable=True)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    org_unit_id = Column(Integer, ForeignKey("org_unit.id"), nullable=True)
    created_at = Column(DateTime, nullable=False, default=now)
    started_at = Column(DateTime, nullable=True)
    finished_at = Column(DateTime, nullable=True)
    heartbeat_at = Column(DateTime, nullable=True)
    # The worker process running it (app/worker/lease.worker_name) and how often it was started.
    worker = Column(String(100), nullable=True)
    attempts = Column(Integer, nullable=False, default=0, server_default="0")

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES

    @property
    def is_stale(self) -> bool:
        """Started, but its worker has not written for STALE_AFTER: the worker died."""
        beat = self.heartbeat_at or self.created_at
        return (self.status in (JobStatus.VALIDATING.value, JobStatus.SAVING.value)
                and beat is not None and now() - beat > STALE_AFTER)

    @property
    def is_unclaimed(self) -> bool:
        """Queued for a while and no worker took it: the worker process seems not to run."""
        return (self.status == JobStatus.QUEUED.value and self.created_at is not None
                and now() - self.created_at > UNCLAIMED_AFTER)

    @property
    def error_list(self) -> list[dict[str, Any]]:
        return json.loads(self.errors) if self.errors else []


class ImportedRow(Model):
    """A row fingerprint already imported for a spec, and the record it became.

    Bookkeeping only — no county data beyond a hash and an id; never served by a view.
    """

    __tablename__ = "imported_row"
    __table_args__ = (UniqueConstraint("spec", "fingerprint", name="uq_imported_row_fingerprint"),)

    id = Column(Integer, primary_key=True)
    spec = Column(String(40), nullable=False)
    fingerprint = Column(String(64), nullable=False)
    record_id = Column(Integer, nullable=True)
    job_id = Column(Integer, ForeignKey("import_job.id", ondelete="SET NULL"), nullable=True)


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


# --- cell parsers (factories) --------------------------------------------------------------------


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


def text(max_length: int | None = None) -> Parser:
    def parse(value: Any, ctx: ImportContext) -> str:  # noqa: ARG001
        result = cell_text(value)
        if max_length is not None and len(result) > max_length:
            raise CellError(
                gettext("At most %(max)d characters (now %(n)d)", max=max_length, n=len(result))
            )
        return result

    return parse


def integer(minimum: int | None = None, maximum: int | None = None) -> Parser:
    def parse(value: Any, ctx: ImportContext) -> int:  # noqa: ARG001
        if isinstance(value, bool):
            raise CellError(gettext("Enter a whole number"))
        if isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        else:
            raw = cell_text(value)
            if not re.fullmatch(r"[+-]?\d+", raw):
                raise CellError(gettext("Enter a whole number"))
            number = int(raw)
        if minimum is not None and number < minimum:
            raise CellError(gettext("Must be at least %(min)d", min=minimum))
        if maximum is not None and number > maximum:
            raise CellError(gettext("Must be at most %(max)d", max=maximum))
        return number

    return parse


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATETIME_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s+(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2})秒?)?$"
)
_EXCEL_EPOCH = datetime(1899, 12, 30)


def _to_datetime(value: Any) -> datetime | None:
    """Excel dates come as datetime (formatted cells), serial numbers, or typed text."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time.min)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel's range: 1900-01-01 … 9999-12-31
            return (_EXCEL_EPOCH + timedelta(days=float(value))).replace(microsecond=0)
        return None
    raw = cell_text(value)
    if re.fullmatch(r"\d{8}", raw):
        raw = f"{raw[:4]}-{raw[4:6]}-{raw[6:]}"
    try:
        if m := _DATETIME_RE.match(raw):
            y, mo, d, h, mi, s = m.groups()
            return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0))
        if m := _DATE_RE.match(raw):
            y, mo, d = m.groups()
            return datetime(int(y), int(mo), int(d))
    except ValueError:
        return None
    return None


def date_value(not_future: bool = True) -> Parser:
    def parse(value: Any, ctx: ImportContext) -> date:
        moment = _to_datetime(value)
        if moment is None:
            raise CellError(gettext("Not a date; write it as 2026-03-15"))
        day = moment.date()
        if not_future:
            error = future_error(day, ctx.now)
            if error:
                raise CellError(error)
        return day

    return parse


def datetime_value(not_future: bool = True) -> Parser:
    def parse(value: Any, ctx: ImportContext) -> datetime:
        moment = _to_datetime(value)
        if moment is None:
            raise CellError(gettext("Not a date; write it as 2026-03-15 or 2026-03-15 09:30"))
        if not_future:
            error = future_error(moment, ctx.now)
            if error:
                raise CellError(error)
        return moment

    return parse


def _labels(vocabulary: type[Choices]) -> dict[str, str]:
    """Every spelling a user may type for a vocabulary value → its code."""
    known: dict[str, str] = {}
    for member in vocabulary:
        known[_norm(member.value)] = member.value
        for locale in ("zh", "en"):
            with force_locale(locale):
                known[_norm(str(member.label))] = member.value
    return known


def _norm(value: str) -> str:
    return re.sub(r"\s+", "", str(value)).replace("（", "(").replace("）", ")").lower()


def choice_labels(vocabulary: type[Choices]) -> Callable[[], list[str]]:
    """The labels of a vocabulary in the current locale (template drop-downs)."""
    return lambda: [str(m.label) for m in vocabulary]


def choice(
    vocabulary: type[Choices], aliases: Callable[[], dict[str, str]] | None = None
) -> Parser:
    """A vocabulary value, given by its Chinese label, English label or code, or an alias
    (`aliases()` → {spelling: code}, called once per import in the import's locale)."""

    def parse(value: Any, ctx: ImportContext) -> str:
        cache_key = f"choices:{vocabulary.__module__}.{vocabulary.__name__}"
        known = ctx.cache.get(cache_key)
        if known is None:
            known = _labels(vocabulary)
            for alias, code in (aliases() if aliases else {}).items():
                known[_norm(alias)] = code
            ctx.cache[cache_key] = known
        raw = cell_text(value)
        code = known.get(_norm(raw))
        if code is None:
            allowed = "、".join(str(m.label) for m in vocabulary)
            raise CellError(gettext("「%(value)s」 is not one of: %(allowed)s", value=raw, allowed=allowed))
        return code

    return parse


def id_number() -> Parser:
    def parse(value: Any, ctx: ImportContext) -> str:  # noqa: ARG001
        raw = cell_text(value)
        error = id_number_error(raw)
        if error:
            raise CellError(error)
        return normalize_id_number(raw)

    return parse


def phone() -> Parser:
    def parse(value: Any, ctx: ImportContext) -> str:  # noqa: ARG001
        raw = cell_text(value)
        error = phone_error(raw)
        if error:
            raise CellError(error)
        return normalize_phone(raw)

    return parse


_LIST_SPLIT = re.compile(r"[、，,；;/\n]+")


def split_list(value: Any) -> list[str]:
    """'张三、李四' / '张三,李四' / one per line → ['张三', '李四']."""
    return [part.strip() for part in _LIST_SPLIT.split(cell_text(value)) if part.strip()]


def list_of(item: Parser, max_items: int = 50) -> Parser:
    """Several values in one cell (separated by 、 , ; or new lines), each parsed by `item`.

    Used for several people in one row: names, ID numbers and phones in three columns, matched
    by position.
    """

    def parse(value: Any, ctx: ImportContext) -> list[Any]:
        parts = split_list(value)
        if len(parts) > max_items:
            raise CellError(gettext("At most %(max)d entries in one cell", max=max_items))
        result = []
        for position, part in enumerate(parts, start=1):
            try:
                result.append(item(part, ctx))
            except CellError as exc:
                raise CellError(
                    gettext("Entry %(n)d (%(value)s): %(message)s", n=position, value=part, message=exc.message)
                ) from None
        return result

    return parse


# --- org names → ids (every import places its records in the org tree) ----------------------------


class OrgDirectory:
    """Org units by name, loaded once per import (a county has a few hundred)."""

    def __init__(self, session: Any) -> None:
        from app.org.models import OrgKind, OrgUnit

        rows = session.execute(
            select(OrgUnit.id, OrgUnit.name, OrgUnit.kind, OrgUnit.parent_id, OrgUnit.township_id,
                   OrgUnit.village_id).where(OrgUnit.active.is_(True))
        ).all()
        self.by_id = {r.id: r for r in rows}
        self.townships = {_norm(r.name): r for r in rows if r.kind == OrgKind.TOWNSHIP.value}
        self.villages = {(r.township_id, _norm(r.name)): r for r in rows if r.kind == OrgKind.VILLAGE.value}
        self.hamlets = {(r.village_id, _norm(r.name)): r for r in rows if r.kind == OrgKind.HAMLET.value}
        # Units that may be responsible (属事); township offices are named with their township.
        from app.org.models import RESPONSIBLE_KINDS

        responsible = {k.value for k in RESPONSIBLE_KINDS}
        self.units = {_norm(r.name): r for r in rows if r.kind in responsible}

    def township(self, name: str) -> Any:
        return self.townships.get(_norm(name))

    def village(self, township_id: int, name: str) -> Any:
        return self.villages.get((township_id, _norm(name)))

    def hamlet(self, village_id: int, name: str) -> Any:
        return self.hamlets.get((village_id, _norm(name)))

    def unit(self, name: str) -> Any:
        return self.units.get(_norm(name))

    @staticmethod
    def of(ctx: ImportContext) -> OrgDirectory:
        directory = ctx.cache.get("org")
        if directory is None:
            directory = ctx.cache["org"] = OrgDirectory(ctx.session)
        return directory


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
                    options_sheet.write(row, options_col, option)
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
        guide.write(row, 2, how, wrap)
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


# --- parsing and saving ---------------------------------------------------------------------------


@dataclass
class ImportResult:
    rows: list[ParsedRow]
    errors: list[RowError]
    error_count: int
    total: int


def read_sheet(spec: ImportSpec, data: bytes) -> tuple[tuple[Any, ...], list[tuple[int, tuple[Any, ...]]]]:
    """The header row, and the non-blank data rows as (Excel row number, cells)."""
    book, sheet = _open_sheet(spec, data)
    try:
        header: tuple[Any, ...] = ()
        rows = []
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number == 1:
                header = cells or ()
            elif cells and any(c is not None and str(c).strip() for c in cells):
                rows.append((number, cells))
        return header, rows
    finally:
        book.close()


def parse_rows(
    spec: ImportSpec,
    data: bytes,
    ctx: ImportContext,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Parse and check every row; nothing is written to the database here."""
    header, raw_rows = read_sheet(spec, data)
    positions, _missing = _header_map(spec, header)
    total = len(raw_rows)
    errors: list[RowError] = []
    error_count = 0
    parsed: list[ParsedRow] = []
    if total > spec.max_rows:
        message = gettext("At most %(max)d rows can be imported at once; this file has %(n)d.", max=spec.max_rows, n=total)
        return ImportResult([], [RowError(0, None, "", "", message)], 1, total)
    spec.prepare(ctx)

    def add(error: RowError) -> None:
        nonlocal error_count
        error_count += 1
        if len(errors) < MAX_ERRORS_KEPT:
            errors.append(masked_error(spec, error))

    for done, (number, cells) in enumerate(raw_rows, start=1):
        values: dict[str, Any] = {}
        row_ok = True
        raw_values: dict[str, str] = {}
        for column in spec.columns:
            index = positions.get(column.key)
            cell = cells[index] if index is not None and index < len(cells) else None
            shown = cell_text(cell)
            raw_values[column.key] = shown
            if cell is None or shown == "":
                values[column.key] = None
                if column.required:
                    add(RowError(number, column.key, str(column.header), "", str(REQUIRED_MESSAGE)))
                    row_ok = False
                continue
            try:
                values[column.key] = column.parse(cell, ctx)
            except CellError as exc:
                add(RowError(number, column.key, str(column.header), shown[:100], exc.message))
                values[column.key] = None
                row_ok = False
        # The rules need every required value; a cell already reported is not reported twice.
        failed = {column.key for column in spec.columns if values.get(column.key) is None and raw_values[column.key]}
        if all(values.get(c.key) is not None for c in spec.columns if c.required):
            for problem in spec.check_row(values, ctx):
                key = problem.field if problem.field and spec.column(problem.field) else None
                if key in failed:
                    continue
                add(RowError(number, key, spec.header_of(key), raw_values.get(key or "", "")[:100], problem.message))
                row_ok = False
        if row_ok:
            parsed.append(ParsedRow(number, values, spec.fingerprint(values)))
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
            progress(done, total)
    return ImportResult(parsed, errors, error_count, total)


def new_rows(spec: ImportSpec, rows: list[ParsedRow], session: Any) -> tuple[list[ParsedRow], int]:
    """Drop rows imported before (or repeated within the file); return the rest and how many went."""
    fingerprints = [r.fingerprint for r in rows]
    seen: set[str] = set()
    for chunk_start in range(0, len(fingerprints), 500):
        chunk = fingerprints[chunk_start:chunk_start + 500]
        seen.update(
            session.execute(
                select(ImportedRow.fingerprint).where(
                    ImportedRow.spec == spec.name, ImportedRow.fingerprint.in_(chunk)
                )
            ).scalars()
        )
    fresh = []
    for row in rows:
        if row.fingerprint in seen:
            continue
        seen.add(row.fingerprint)
        fresh.append(row)
    return fresh, len(rows) - len(fresh)


def save_rows(spec: ImportSpec, rows: list[ParsedRow], ctx: ImportContext) -> list[int]:
    """Create the records and remember their fingerprints (caller commits or rolls back)."""
    ids = spec.save(rows, ctx) if rows else []
    if rows:
        ctx.session.execute(
            ImportedRow.__table__.insert(),
            [
                {"spec": spec.name, "fingerprint": row.fingerprint, "record_id": record_id, "job_id": ctx.job_id}
                for row, record_id in zip(rows, ids, strict=True)
            ],
        )
    return ids


# --- the registry and the background run ---------------------------------------------------------

SPECS: dict[str, ImportSpec] = {}
# Each spec's pages (ImportView.route_base): where a finished job's result page is.
JOB_PAGES: dict[str, str] = {}


def register_spec(spec: ImportSpec) -> ImportSpec:
    SPECS[spec.name] = spec
    return spec


def _write_job(job_id: int, **values: Any) -> None:
    """Update the job row in its own short transaction (visible to every process at once)."""
    from app.core.database import write_transactions
    from app.extensions import db

    values.setdefault("heartbeat_at", now())
    with write_transactions(), db.engine.begin() as connection:
        connection.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))


def claim_job(job_id: int, worker: str) -> bool:
    """Take a queued job for this worker: one atomic update, so exactly one worker runs it."""
    from app.core.database import write_transactions
    from app.extensions import db

    moment = now()
    with write_transactions(), db.engine.begin() as connection:
        return connection.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id, ImportJob.status == JobStatus.QUEUED.value)
            .values(status=JobStatus.VALIDATING.value, worker=worker, attempts=ImportJob.attempts + 1,
                    started_at=moment, heartbeat_at=moment)
        ).rowcount == 1


def recover_jobs(app: Flask) -> int:
    """Jobs whose worker died (no heartbeat for STALE_AFTER): queue them again while attempts
    remain and the upload is kept, else mark them failed with the reason. Returns how many."""
    from app.core.database import write_transactions
    from app.extensions import db

    cutoff = now() - STALE_AFTER
    stale = (ImportJob.status.in_([JobStatus.VALIDATING.value, JobStatus.SAVING.value]),
             ImportJob.heartbeat_at < cutoff)
    with force_locale(app.config.get("BABEL_DEFAULT_LOCALE", "zh")), write_transactions(), \
            db.engine.begin() as connection:
        resumed = connection.execute(
            update(ImportJob)
            .where(*stale, ImportJob.attempts < MAX_ATTEMPTS, ImportJob.payload.is_not(None))
            .values(status=JobStatus.QUEUED.value, worker=None, processed_rows=0,
                    message=gettext("The worker running this import stopped; the import starts again."))
        ).rowcount
        # RETURNING: the jobs this worker failed, whose uploaders it tells (another worker
        # recovering at the same moment updates none of them).
        failing = connection.execute(
            update(ImportJob)
            .where(*stale)
            .values(status=JobStatus.FAILED.value, payload=None, finished_at=now(),
                    message=gettext("Nothing was imported: the worker running this import stopped %(n)d times. Upload the file again; rows already imported will be skipped.", n=MAX_ATTEMPTS))
            .returning(ImportJob.id)
        ).scalars().all()
    if resumed or failing:
        log.warning("import jobs of a stopped worker: %d queued again, %d marked failed", resumed, len(failing))
    for job_id in failing:
        _tell_owner(app, job_id)
    return resumed + len(failing)


def run_pending_imports(app: Flask, worker: str = "inline") -> int:
    """The worker's import job: recover the jobs of dead workers, then run every queued job this
    worker can claim, oldest first. Returns how many it ran. (Tests call it to run an upload.)"""
    from app.extensions import db

    ran = 0
    with app.app_context():
        recover_jobs(app)
        while True:
            queued = db.session.execute(
                select(ImportJob.id).where(ImportJob.status == JobStatus.QUEUED.value)
                .order_by(ImportJob.created_at, ImportJob.id).limit(20)
            ).scalars().all()
            db.session.remove()
            claimed = [job_id for job_id in queued if claim_job(job_id, worker)][:1]
            if not claimed:
                return ran
            run_job(app, claimed[0])
            ran += 1


def run_job(app: Flask, job_id: int) -> None:
    """Run a job this worker claimed (`claim_job`): validate every row, then save them all in
    one transaction — or save nothing. Rules see the scope of the user who uploaded the file."""
    from app.core.database import write_transactions
    from app.core.scoping import scope_for_user
    from app.extensions import db
    from app.security.models import AppUser

    ran = False
    with app.app_context():
        session = db.session
        try:
            job = session.get(ImportJob, job_id)
            if job is None or job.status != JobStatus.VALIDATING.value:
                return
            ran = True
            spec = SPECS[job.spec]
            data = job.payload or b""
            user = session.get(AppUser, job.created_by_id) if job.created_by_id else None
            scope = scope_for_user(user) if user is not None and user.active else Scope.none()
            ctx = ImportContext(scope=scope, user_id=job.created_by_id, org_unit_id=job.org_unit_id,
                                session=session, job_id=job_id)
            with force_locale(app.config.get("BABEL_DEFAULT_LOCALE", "zh")):
                _write_job(job_id, processed_rows=0)
                session.rollback()  # end the read transaction; the rows are checked in fresh ones

                def progress(done: int, total: int) -> None:
                    _write_job(job_id, processed_rows=done, total_rows=total)

                result = parse_rows(spec, data, ctx, progress)
                session.rollback()
                if result.error_count:
                    _write_job(
                        job_id, status=JobStatus.FAILED.value, total_rows=result.total,
                        processed_rows=result.total, error_count=result.error_count,
                        errors=json.dumps([e.as_dict() for e in result.errors], ensure_ascii=False),
                        message=gettext("Nothing was imported: %(n)d errors in the file.", n=result.error_count),
                        payload=None, finished_at=now(),
                    )
                    return
                _write_job(job_id, status=JobStatus.SAVING.value, total_rows=result.total,
                           processed_rows=result.total)
                with write_transactions():
                    fresh, skipped = new_rows(spec, result.rows, session)
                    save_rows(spec, fresh, ctx)
                    # The job is marked done in the same transaction as the records: both or neither.
                    session.execute(
                        update(ImportJob).where(ImportJob.id == job_id).values(
                            status=JobStatus.DONE.value, imported_count=len(fresh), skipped_count=skipped,
                            payload=None, finished_at=now(), heartbeat_at=now(),
                            message=gettext("%(n)d records imported, %(s)d rows skipped as already imported.", n=len(fresh), s=skipped),
                        )
                    )
                    session.commit()
                _announce(spec, job_id, fresh, skipped, ctx)
        except IntegrityError:
            session.rollback()
            log.warning("import job %s collided with another import", job_id, exc_info=True)
            with force_locale(app.config.get("BABEL_DEFAULT_LOCALE", "zh")):
                _write_job(job_id, status=JobStatus.FAILED.value, payload=None, finished_at=now(),
                           message=gettext("Nothing was imported: the same rows were being imported at the same time by another upload. Upload the file again; rows already imported will be skipped."))
        except Exception:
            session.rollback()
            log.exception("import job %s failed", job_id)
            with force_locale(app.config.get("BABEL_DEFAULT_LOCALE", "zh")):
                _write_job(job_id, status=JobStatus.FAILED.value, payload=None, finished_at=now(),
                           message=gettext("Nothing was imported: an unexpected error occurred. The error has been logged."))
        finally:
            if ran:
                _tell_owner(app, job_id)
            db.session.remove()


def _tell_owner(app: Flask, job_id: int) -> None:
    """IMPORT_FINISHED to the user who uploaded the file, with the counts, linking to the job's
    result page. Never fails the import: a notification lost is logged, the import stands."""
    from app.core.database import write_transactions
    from app.extensions import db
    from app.notifications import notify
    from app.notifications.models import NotificationKind
    from app.security.models import AppUser

    session = db.session
    try:
        session.rollback()
        job = session.get(ImportJob, job_id)
        if job is None or job.status not in (JobStatus.DONE.value, JobStatus.FAILED.value) or not job.created_by_id:
            return
        spec = SPECS.get(job.spec)
        page = JOB_PAGES.get(job.spec)
        with force_locale(app.config.get("BABEL_DEFAULT_LOCALE", "zh")), write_transactions():
            title = gettext(
                "%(title)s import (%(file)s): %(status)s, %(imported)d imported, %(errors)d errors",
                status=JobStatus.label_of(job.status), title=str(spec.title) if spec else job.spec,
                file=job.filename, imported=job.imported_count, errors=job.error_count,
            )
            notify(session, NotificationKind.IMPORT_FINISHED, record=job,
                   users=[session.get(AppUser, job.created_by_id)], title=title,
                   url=f"{page}/job/{job.id}" if page else None)
            session.commit()
    except Exception:  # noqa: BLE001 — the import is committed; only the message is lost
        session.rollback()
        log.exception("import job %s: the uploader could not be notified", job_id)


def _announce(spec: ImportSpec, job_id: int, rows: list[ParsedRow], skipped: int, ctx: ImportContext) -> None:
    """Tell listeners (the audit log) what an import created, after it is committed."""
    from app.extensions import db
    from app.security.models import AppUser

    job = db.session.get(ImportJob, job_id)
    ids = [r for r in db.session.execute(
        select(ImportedRow.record_id).where(ImportedRow.job_id == job_id)).scalars() if r is not None]
    import_done.send(
        spec,
        user=db.session.get(AppUser, ctx.user_id) if ctx.user_id else None,
        title=str(spec.title),
        filename=job.filename if job else "",
        job_id=job_id,
        imported=len(rows),
        skipped=skipped,
        first_id=min(ids) if ids else None,
        last_id=max(ids) if ids else None,
    )


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
