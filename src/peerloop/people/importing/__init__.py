"""Reading and checking a people import: file formats, row validation, the plan, the report.

Everything here reads; the writes live in ``peerloop.people.services``
(person_import, person_import_file).
"""

from peerloop.core.tabular import Row, RowError, Table, cell_for_export, cell_from_import
from peerloop.people.columns import COLUMNS, REQUIRED
from peerloop.people.importing.formats import PEOPLE, expected_headers, read_rows
from peerloop.people.importing.plan import ImportPlan, Key, PlannedUpdate, plan_import
from peerloop.people.importing.rows import (
    PersonImportReport,
    PersonRow,
    code_for,
    is_email,
    known_timezones,
    normalize_row,
    split_list,
)

__all__ = [
    "COLUMNS",
    "PEOPLE",
    "REQUIRED",
    "ImportPlan",
    "Key",
    "PersonImportReport",
    "PersonRow",
    "PlannedUpdate",
    "Row",
    "RowError",
    "Table",
    "cell_for_export",
    "cell_from_import",
    "code_for",
    "expected_headers",
    "is_email",
    "known_timezones",
    "normalize_row",
    "plan_import",
    "read_rows",
    "split_list",
]
