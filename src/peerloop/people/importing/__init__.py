"""Reading and checking a people import: file formats, row validation, the plan, the report.

Everything here reads; the writes live in ``peerloop.people.services``
(person_import, person_import_file).
"""

from peerloop.people.importing.formats import decode, expected_headers, read_bytes, read_file, read_rows
from peerloop.people.importing.plan import ImportPlan, Key, PlannedUpdate, plan_import
from peerloop.people.importing.rows import (
    COLUMNS,
    REQUIRED,
    ImportReport,
    ParsedSource,
    PersonRow,
    RowError,
    SourceRow,
    cell_for_export,
    cell_from_import,
    code_for,
    is_email,
    known_timezones,
    normalize_row,
    split_list,
)

__all__ = [
    "COLUMNS",
    "REQUIRED",
    "ImportPlan",
    "ImportReport",
    "Key",
    "ParsedSource",
    "PersonRow",
    "PlannedUpdate",
    "RowError",
    "SourceRow",
    "cell_for_export",
    "cell_from_import",
    "code_for",
    "decode",
    "expected_headers",
    "is_email",
    "known_timezones",
    "normalize_row",
    "plan_import",
    "read_bytes",
    "read_file",
    "read_rows",
    "split_list",
]
