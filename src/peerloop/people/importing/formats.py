"""Reading a people import: CSV, a JSON list of objects, JSON Lines, or rows given directly.

The reading itself is the one of every import (peerloop.core.tabular); the people
import is stricter and words its problems its own way: comma-separated UTF-8 only, a header of
known columns, a line break in a value is a quote left open, and reading goes on
after a bad row so a preview lists every problem. Problems name the line (and
column) where they are: encoding, delimiter, headers, quotes, JSON syntax.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from peerloop.core.tabular import MESSAGES, Dialect, Table, cell_from_import, read_records
from peerloop.people.columns import COLUMNS, REQUIRED

MAX_ERRORS_PER_FILE = 100_000


def expected_headers() -> str:
    return ", ".join(COLUMNS)


def check_header(keys: list[str]) -> str | None:
    """Unknown, repeated and missing headers, in one message (None: the header is fine)."""
    problems = []
    unknown = [key for key in keys if key not in COLUMNS]
    if unknown:
        problems.append(f"unknown headers: {', '.join(unknown)}")
    duplicated = sorted({key for key in keys if keys.count(key) > 1})
    if duplicated:
        problems.append(f"repeated headers: {', '.join(duplicated)}")
    missing = [key for key in REQUIRED if key not in keys]
    if missing:
        problems.append(f"missing required headers: {', '.join(missing)}")
    if not problems:
        return None
    return "; ".join(problems) + f" (expected headers: {expected_headers()})"


_EXPECTED = expected_headers()
PEOPLE = Dialect(
    delimiters=(",",),
    utf16=False,
    multiline=False,
    pad_short_rows=False,
    clean=cell_from_import,
    columns=COLUMNS,
    check_header=check_header,
    max_errors=MAX_ERRORS_PER_FILE,
    require_records=False,
    messages={
        **MESSAGES,
        "unreadable_file": "cannot read the file: {error}",
        "utf16": "not UTF-8: the file is UTF-16; save it as CSV UTF-8",
        "not_utf8": "not UTF-8: byte 0x{byte:02x} at line {line}; save the file as UTF-8",
        "nul": "the file holds a NUL byte: it is not a text file",
        "empty": f"the file is empty; expected a header line: {_EXPECTED}",
        "wrong_delimiter": (
            "wrong delimiter: the header is separated by {words}; Peerloop reads comma-separated values "
            f"with the headers {_EXPECTED}"
        ),
        "header_unreadable": "the header line cannot be read: {error}",
        "unreadable": "unreadable CSV: {error}",
        "width": "expected {width} values, found {found} (a value holding a comma must be in double quotes)",
        "unbalanced": "unbalanced quotes: a quoted value opened on line {line} runs to {runs_to}",
        "json_syntax": "invalid JSON: {error} (column {char})",
        "json_separator": "invalid JSON: expected ',' or ']' between objects",
        "json_trailing": "invalid JSON: text after the closing ']'",
        "json_not_object": "expected an object with the person's fields",
        "json_value": "expected text, a number, true/false or a list of text",
        "json_unknown_key": f"unknown field (expected: {_EXPECTED})",
    },
)


def read_rows(rows: Iterable[Mapping[str, Any]]) -> Table:
    """Rows given directly (API, JSON objects): the line of a row is its position, from 1."""
    return read_records(rows, dialect=PEOPLE)
