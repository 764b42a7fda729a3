"""Enterprise import from xlsx/csv: what the views and tasks call, re-exported from the modules that define it.

An import has two phases. Validation streams the file and writes only to the ImportJob (progress committed every few
hundred rows, so the page can poll it). Apply re-reads the same file, checked against its SHA-256, re-validates it
against the current reference data and saves every valid row in one transaction: an import is all or nothing. Its
progress goes through the cache, because nobody outside the transaction can see the rows it is writing.

    cells      how a spreadsheet cell reads as text
    columns    the column spec (template headers, hints, aliases) and header matching
    parsing    reading xlsx/CSV and turning each row into an EnterpriseInput or reasons
    progress   heartbeat, progress and stall detection through the cache
    pipeline   create, validate, confirm, apply, cancel, restart
    selectors  reads for the pages
    files      template downloads and the error report

Tests that replace a name (monkeypatch) patch it on the module that looks it up, e.g. `pipeline.enterprise_save_many`.
"""

from .columns import COLUMN_BY_KEY, COLUMNS, EXAMPLE_USCC, ImportFileError
from .files import error_report_xlsx, import_error_report_export, template_csv, template_xlsx
from .parsing import ALLOWED_EXTENSIONS
from .pipeline import (
    CANCELLABLE_STATUSES,
    MAX_STORED_ERRORS,
    PREVIEW_ROWS,
    import_apply,
    import_job_cancel,
    import_job_confirm,
    import_job_create,
    import_job_fail,
    import_job_restart,
    import_validate,
)
from .progress import STALL_SECONDS, import_progress, progress_cache_key
from .selectors import (
    import_errors,
    import_job_visible_to,
    import_jobs_for,
    preview_table,
    previous_import_of_same_file,
)

__all__ = [
    "ALLOWED_EXTENSIONS",
    "CANCELLABLE_STATUSES",
    "COLUMNS",
    "COLUMN_BY_KEY",
    "EXAMPLE_USCC",
    "MAX_STORED_ERRORS",
    "PREVIEW_ROWS",
    "STALL_SECONDS",
    "ImportFileError",
    "error_report_xlsx",
    "import_apply",
    "import_error_report_export",
    "import_errors",
    "import_job_cancel",
    "import_job_confirm",
    "import_job_create",
    "import_job_fail",
    "import_job_restart",
    "import_job_visible_to",
    "import_jobs_for",
    "import_progress",
    "import_validate",
    "preview_table",
    "previous_import_of_same_file",
    "progress_cache_key",
    "template_csv",
    "template_xlsx",
]
