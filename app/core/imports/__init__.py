"""Excel import: one declarative spec per kind of record, a Chinese template, all-or-nothing.

The package by job: jobs.py (the job and idempotency models), spec.py (the spec, rows and
errors), cells.py (cell parsers), sheets.py (template, upload checks,
reading, the error workbook), running.py (parsing, saving, the worker's run), views.py (the
pages: template, upload, progress, error report; imported on its own, not from here). Import from
`app.core.imports` as before.

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
  process (app/core/imports/views.py). A recycled web worker no longer cuts an import off. A job
  whose worker died (no heartbeat for STALE_AFTER) is queued again once (the import is
  all-or-nothing and idempotent, so starting over is safe), then marked failed with the reason.
- **Audit**: records are written with bulk statements (10,000 rows in seconds), which the audit
  log's flush capture does not see; each finished import sends `import_done` (who, which spec,
  file, counts, the new ids' range) and the audit log records it as one entry.
"""

# isort: off
from app.core.imports.jobs import (  # noqa: F401
    import_done,
    import_finished,
    PROGRESS_EVERY,
    MAX_ERRORS_KEPT,
    STALE_AFTER,
    MAX_ATTEMPTS,
    UNCLAIMED_AFTER,
    MAX_UNPACKED_BYTES,
    TEMPLATE_ROWS,
    JobStatus,
    RUNNING_STATUSES,
    ImportJob,
    ImportedRow,
)
from app.core.imports.spec import (  # noqa: F401
    CellError,
    Parser,
    _identity,
    ImportColumn,
    ImportContext,
    ParsedRow,
    RowError,
    masked_error,
    ImportSpec,
    _canonical,
    cell_text,
    _LIST_SPLIT,
    split_list,
)
from app.core.imports.cells import (  # noqa: F401
    text,
    integer,
    _DATE_RE,
    _DATETIME_RE,
    _EXCEL_EPOCH,
    _to_datetime,
    date_value,
    datetime_value,
    _labels,
    _norm,
    choice_labels,
    choice,
    id_number,
    phone,
    list_of,
)
from app.core.imports.sheets import (  # noqa: F401
    build_template,
    template_filename,
    xlsx_error,
    _open_sheet,
    _header_names,
    _header_map,
    _norm_header,
    check_upload,
    _mb,
    error_workbook,
)
from app.core.imports.running import (  # noqa: F401
    ImportResult,
    read_sheet,
    parse_rows,
    new_rows,
    save_rows,
    SPECS,
    JOB_PAGES,
    register_spec,
    _write_job,
    claim_job,
    recover_jobs,
    run_pending_imports,
    run_job,
    _tell_owner,
    _announce,
)
# isort: on
