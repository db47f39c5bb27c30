"""Reading import files (CSV or JSON) into rows that know their line, without Django.

Every import of Peerloop (people, the vocabulary, metric values) reads its files
here, so problems are named alike: the line where the record starts (1 is the CSV
header) and the column.

:func:`read_table` accepts:

- CSV with a header line, in UTF-8 (with or without a byte-order mark) or UTF-16
  with a BOM, separated by commas, semicolons, tabs or pipes (sniffed from the header);
- a JSON array of objects, or JSON Lines (one object per line).

What an import accepts beyond that, and the words of its messages, is its
:class:`Dialect`: people accept commas and UTF-8 only and keep reading after a bad
row, so a preview lists every problem; the vocabulary and metric values stop at the
first problem of the file (:data:`DIALECT`).

Rows keep their cells in a tuple beside column names shared by the whole file: a
dict per row would cost a large file hundreds of megabytes.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
import csv
from dataclasses import dataclass, field
import io
import json
import math
from pathlib import Path
import re
from typing import Any, ClassVar, NamedTuple, NoReturn

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_WORDS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes"}
# Spreadsheets run a cell starting with one of these as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "@", "\t", "\r")
_ESCAPED_FORMULA = re.compile(r"^'+[=+\-@]")
_FORMULA_LIKE = re.compile(r"^'*[=+\-@]")
_JSON_SPACE = re.compile(r"[ \t\n\r]*")


class RowError(NamedTuple):
    """One problem of an import: the line it is on (0: the whole import), the column, what is wrong."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do).

    ``errors`` holds every problem found; when it is not empty nothing was written.
    """

    dry_run: bool = True
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    errors: list[RowError] = field(default_factory=list)
    shown_errors: ClassVar[int] = 200

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, line: int, column: str, message: str) -> None:
        self.errors.append(RowError(line, column, message))

    def sort_errors(self, columns: Sequence[str] = ()) -> None:
        """By line, then in the order of ``columns`` (the file's), then by name."""
        order = {c: i for i, c in enumerate(columns)}
        self.errors.sort(key=lambda e: (e.line, order.get(e.column, len(order)), e.column))

    @property
    def errors_shown(self) -> list[RowError]:
        """The errors a page or a command lists: the first :attr:`shown_errors`."""
        return self.errors[: self.shown_errors]

    @property
    def errors_hidden(self) -> int:
        return max(0, len(self.errors) - self.shown_errors)

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deactivated": self.deactivated,
            "errors": [{"line": e.line, "column": e.column, "message": e.message} for e in self.errors],
        }


class TableError(ValueError):
    """Reading stops here: the problem is the last of ``Table.errors``."""


@dataclass(slots=True)
class Row:
    """A row as read, with the line it starts on; ``invalid`` when reading it found a problem."""

    line: int
    keys: tuple[str, ...]
    cells: tuple[str, ...]
    invalid: bool = False

    @classmethod
    def of(cls, line: int, values: Mapping[str, str], *, invalid: bool = False) -> "Row":
        return cls(line, tuple(values), tuple(values.values()), invalid)

    @property
    def values(self) -> dict[str, str]:
        return dict(zip(self.keys, self.cells, strict=True))

    def get(self, column: str) -> str:
        """The cell of ``column``; empty when the row has no such column."""
        try:
            return self.cells[self.keys.index(column)]
        except ValueError:
            return ""


@dataclass
class Table:
    """The rows of a file, its columns (in the file's order) and the problems found reading it."""

    columns: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


# What the reader says about a file it cannot read, as str.format templates; an
# import may speak its own way (Dialect.messages).
MESSAGES: Mapping[str, str] = {
    "unreadable_file": "Cannot read the file: {error}.",
    "utf16": "The file is UTF-16; save it as UTF-8.",
    "utf16_invalid": "The file is not valid UTF-16 ({error}).",
    "not_utf8": (
        "Line {line} is not valid UTF-8 (byte 0x{byte:02x}). Save the file as UTF-8 (CSV UTF-8 in spreadsheets)."
    ),
    "nul": "Line {line} holds a NUL byte: the file is not a text file.",
    "empty": "The file is empty: it needs a header line and at least one row.",
    "wrong_delimiter": "The header is separated by {words}; separate the values with commas.",
    "no_header": "The file has no header line.",
    "header_unnamed": "Column {position} of the header has no name.",
    "header_twice": "Column {column!r} appears twice in the header.",
    "header_unreadable": "Line {line} cannot be read as CSV: {error}.",
    "unreadable": "Line {line} cannot be read as CSV: {error}.",
    "width": (
        "Line {line} has {found} values but the header has {width} columns (a separator inside a value must be quoted)."
    ),
    "unbalanced": "Line {line}: a quoted value runs to {runs_to}.",
    "json_not_array": "A JSON file must hold an array of objects.",
    "json_syntax": "Line {line}, character {char}: {error}.",
    "json_separator": "Line {line}: expected ',' or ']' between records.",
    "json_trailing": "Line {line}: unexpected text after the end of the array.",
    "json_not_object": "Line {line}: each record must be a JSON object.",
    "json_value": "Line {line}: the value of {column!r} must be text, a number or a list of texts.",
    "json_empty_key": "Line {line}: a key is empty.",
    "json_unknown_key": "Line {line}: unknown key {column!r}.",
    "no_records": "The file holds no records.",
}


@dataclass(frozen=True)
class Dialect:
    """How an import reads its files: what it accepts, and how it names what it cannot read."""

    delimiters: tuple[str, ...] = DELIMITERS
    utf16: bool = True  # False: a UTF-16 file is refused
    # True: a quoted value may hold line breaks. False: a line break in a value can
    # only be a quote left open, and is named so.
    multiline: bool = True
    pad_short_rows: bool = True  # False: a row with fewer values than the header is a problem
    clean: Callable[[str], str] = str.strip  # applied to every cell read
    # The keys a JSON record may have (None: any key); a CSV header is checked by
    # check_header, which returns a message (None: the header is fine).
    columns: tuple[str, ...] | None = None
    check_header: Callable[[list[str]], str | None] | None = None
    max_errors: int = 1  # reading stops at this many problems
    require_records: bool = True  # False: a JSON file without records is read as no rows
    messages: Mapping[str, str] = field(default_factory=lambda: MESSAGES)


DIALECT = Dialect()


# ---------------------------------------------------------------------------
# Cells


def normalize_column(name: str) -> str:
    """Header names compare case-insensitively; spaces and hyphens read as underscores
    ("Manager email" and "manager-email" mean manager_email)."""
    return re.sub(r"[\s\-]+", "_", name.strip().lstrip("\ufeff").strip().lower())


def looks_like_formula(value: str) -> bool:
    """A cell a spreadsheet would run as a formula (=, +, @, or - before a non-number)."""
    if not value:
        return False
    if value.startswith(FORMULA_STARTS):
        return True
    if value.startswith("-"):
        try:
            float(value)
        except ValueError:
            return True
    return False


def cell_for_export(value: str) -> str:
    """Neutralize a cell a spreadsheet would run as a formula, by prefixing a single quote.

    Values already starting with quotes before a formula character get one more, so
    :func:`cell_from_import` (which strips exactly one) gives back the original.
    """
    return "'" + value if _FORMULA_LIKE.match(value) else value


def cell_from_import(value: str) -> str:
    """The inverse of :func:`cell_for_export`: strip one neutralizing quote. Never evaluates anything."""
    value = value.strip()
    return value[1:] if _ESCAPED_FORMULA.match(value) else value


def parse_number(text: str) -> float | None:
    """A finite number written with a dot as decimal separator, or None."""
    try:
        number = float(text.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def split_list(text: str, separators: str = ";") -> list[str]:
    """Split a cell holding several values; empty parts are dropped, inner spaces collapsed."""
    parts = re.split("[" + re.escape(separators) + "]", text) if text else []
    return [" ".join(p.split()) for p in parts if p.strip()]


def cell_text(value: Any) -> str | None:
    """A JSON value as the text of a cell, or None when it cannot be one (objects)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
        return ";".join(str(v).strip() for v in value)
    return None


# ---------------------------------------------------------------------------
# Tables


def read_table(data: bytes | str, *, name: str = "", dialect: Dialect = DIALECT) -> Table:
    """Read a CSV or JSON import file, told apart by ``name``'s suffix, else by content.

    Never raises: what cannot be read is in ``errors``, by line and column; reading
    stops at ``dialect.max_errors`` problems.
    """
    reading = _Reading(dialect)
    try:
        text = reading.decode(data) if isinstance(data, bytes) else data.lstrip("\ufeff")
        if "\x00" in text:
            reading.stop("nul", _line_at(text, text.index("\x00")))
        kind = detect_format(text, name)
        if kind == "csv":
            reading.read_csv(text)
        else:
            reading.read_json(text, lines=kind == "jsonl")
    except TableError:
        pass
    return reading.table


def read_file(
    *, path: Path | str | None = None, data: bytes | None = None, name: str = "", dialect: Dialect = DIALECT
) -> Table:
    """Read an import file given as a path, or as bytes with its file name (see :func:`read_table`)."""
    if path is not None:
        path = Path(path)
        name = name or path.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            message = dialect.messages["unreadable_file"].format(error=exc.strerror or exc)
            return Table(errors=[RowError(0, "", message)])
    return read_table(data or b"", name=name, dialect=dialect)


def read_records(records: Iterable[Mapping[str, Any]], *, dialect: Dialect = DIALECT, first_line: int = 1) -> Table:
    """Rows given directly (JSON objects of an API request), numbered from ``first_line``;
    their values are read as those of a JSON file."""
    reading = _Reading(dialect)
    try:
        for line, record in enumerate(records, start=first_line):
            reading.add_record(line, record)
    except TableError:
        pass
    return reading.table


def rows_from_mappings(rows: Iterable[Mapping[str, Any] | Row], *, first_line: int = 2) -> list[Row]:
    """Rows given as mappings of column to value (or as Rows, which know their line),
    the mappings numbered from ``first_line``; keys lower-cased, values as text."""
    result = []
    for offset, row in enumerate(rows):
        if isinstance(row, Row):
            result.append(row)
        else:
            values = {str(k).strip().lower(): ("" if v is None else str(v).strip()) for k, v in row.items()}
            result.append(Row.of(first_line + offset, values))
    return result


def check_columns(table: Table, *, required: Sequence[str], optional: Sequence[str], report: ImportReport) -> bool:
    """Report unknown and missing columns (line 1); True when the header is usable."""
    allowed = set(required) | set(optional)
    ok = True
    for column in table.columns:
        if column not in allowed:
            report.error(1, column, f"Unknown column {column!r}; the columns are: {', '.join([*required, *optional])}.")
            ok = False
    for column in required:
        if column not in table.columns:
            report.error(1, column, f"The column {column!r} is missing.")
            ok = False
    return ok


def detect_format(text: str, name: str = "") -> str:
    """'json', 'jsonl' or 'csv', from the file name first and the content otherwise."""
    suffix = Path(name).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    stripped = text.lstrip()
    if suffix == ".json" or stripped.startswith("["):
        return "json" if stripped.startswith("[") or not stripped else "jsonl"
    if stripped.startswith("{"):
        return "jsonl"
    return "csv"


def _line_at(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _sniff_delimiter(header_line: str, allowed: tuple[str, ...]) -> str | None:
    """The allowed delimiter the header uses most; None when it uses only others."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    used = [d for d in allowed if counts.get(d)]
    if used:
        return max(used, key=lambda d: counts[d])
    if any(counts[d] for d in DELIMITERS if d not in allowed):
        return None
    return allowed[0]


class _Reading:
    """One reading of a file: the table so far, and the dialect's policy on problems."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.table = Table()
        self.known = frozenset(dialect.columns) if dialect.columns is not None else None
        self.seen: set[str] = set()

    def problem(self, code: str, line: int, column: str = "", **fields: Any) -> None:
        """Note a problem; reading stops once the dialect's maximum is reached."""
        message = self.dialect.messages[code].format(line=line, column=column, **fields)
        self.table.errors.append(RowError(line, column, message))
        if len(self.table.errors) >= self.dialect.max_errors:
            raise TableError(message)

    def stop(self, code: str, line: int, column: str = "", **fields: Any) -> NoReturn:
        message = self.dialect.messages[code].format(line=line, column=column, **fields)
        self.table.errors.append(RowError(line, column, message))
        raise TableError(message)

    def decode(self, data: bytes) -> str:
        """UTF-8 (BOM optional), or UTF-16 with a BOM when the dialect reads it."""
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            if not self.dialect.utf16:
                self.stop("utf16", 1)
            try:
                return data.decode("utf-16")
            except UnicodeDecodeError as exc:
                self.stop("utf16_invalid", 1, error=exc.reason)
        try:
            return data.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            self.stop("not_utf8", line, byte=data[exc.start])

    # --- CSV ---------------------------------------------------------------

    def read_csv(self, text: str) -> None:
        dialect = self.dialect
        # The first line that is not blank, found without splitting the whole file.
        header_line = next((line for line in io.StringIO(text, newline="") if line.strip()), "")
        if not header_line:
            self.stop("empty", 1)
        delimiter = _sniff_delimiter(header_line, dialect.delimiters)
        if delimiter is None:
            other = next(d for d in DELIMITERS if d not in dialect.delimiters and d in header_line)
            self.stop("wrong_delimiter", 1, words=DELIMITER_WORDS[other])
        multiline, pad, clean = dialect.multiline, dialect.pad_short_rows, dialect.clean
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=multiline)
        # Without multi-line values, only a record running over several lines, or
        # reaching the end of the file, can hold a line break: the others are not searched.
        last_line = 0 if multiline else _count_lines(text)
        rows = self.table.rows
        keys: tuple[str, ...] = ()
        width = 0
        end = 0
        try:
            for record in reader:
                line = end + 1
                end = reader.line_num
                if not keys:
                    if record:  # blank lines before the header are skipped
                        keys = self.read_header(record, line)
                        width = len(keys)
                    continue
                # Blank lines are skipped; the first cell is almost always filled.
                if not record or (not record[0].strip() and not any(cell.strip() for cell in record)):
                    continue
                if not multiline and (end != line or end >= last_line):
                    broken = next((i for i, cell in enumerate(record) if "\n" in cell or "\r" in cell), None)
                    if broken is not None:
                        runs_to = "the end of the file" if end >= last_line else f"line {end}"
                        self.problem("unbalanced", line, keys[broken] if broken < width else "", runs_to=runs_to)
                        continue
                if len(record) != width:
                    if len(record) > width or not pad:
                        self.problem("width", line, found=len(record), width=width)
                        continue
                    record += [""] * (width - len(record))
                rows.append(Row(line, keys, tuple(map(clean, record))))
        except csv.Error as exc:
            self.stop("unreadable" if keys else "header_unreadable", end + 1, error=exc)
        if not keys:
            self.stop("no_header", 1)

    def read_header(self, record: list[str], line: int) -> tuple[str, ...]:
        columns = [normalize_column(cell) for cell in record]
        if self.dialect.check_header is not None:
            message = self.dialect.check_header(columns)
            if message:
                self.table.errors.append(RowError(line, "", message))
                raise TableError(message)
        else:
            seen: set[str] = set()
            for position, column in enumerate(columns, start=1):
                if not column:
                    self.stop("header_unnamed", line, position=position)
                if column in seen:
                    self.stop("header_twice", line, column)
                seen.add(column)
        self.table.columns = columns
        return tuple(columns)

    # --- JSON --------------------------------------------------------------

    def read_json(self, text: str, *, lines: bool) -> None:
        if lines:
            self.read_json_lines(text)
        else:
            self.read_json_array(text)
        if self.dialect.require_records and not self.table.rows and not self.table.errors:
            self.stop("no_records", 1)

    def read_json_array(self, text: str) -> None:
        """Decode a JSON array item by item, so each record knows the line it starts on."""
        decoder = json.JSONDecoder()
        length = len(text)
        # Lines are counted forward from the last record, not from the start each time.
        counted, line = 0, 1

        def line_at(index: int) -> int:
            nonlocal counted, line
            line += text.count("\n", counted, index)
            counted = index
            return line

        index = _JSON_SPACE.match(text, 0).end()  # type: ignore[union-attr]
        if index >= length or text[index] != "[":
            self.stop("json_not_array", line_at(index))
        index = _JSON_SPACE.match(text, index + 1).end()  # type: ignore[union-attr]
        if index < length and text[index] == "]":
            return
        while True:
            start = line_at(index)
            try:
                value, end = decoder.raw_decode(text, index)
            except json.JSONDecodeError as exc:
                self.stop("json_syntax", exc.lineno, char=exc.colno, error=exc.msg)
            self.add_record(start, value)
            index = _JSON_SPACE.match(text, end).end()  # type: ignore[union-attr]
            if index < length and text[index] == ",":
                index = _JSON_SPACE.match(text, index + 1).end()  # type: ignore[union-attr]
                continue
            if index < length and text[index] == "]":
                rest = _JSON_SPACE.match(text, index + 1).end()  # type: ignore[union-attr]
                if rest < length:
                    self.problem("json_trailing", line_at(rest))
                return
            self.stop("json_separator", line_at(index))

    def read_json_lines(self, text: str) -> None:
        for number, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                self.problem("json_syntax", number, char=exc.colno, error=exc.msg)
                continue
            self.add_record(number, value)

    def add_record(self, line: int, record: Any) -> None:
        """One JSON object (or mapping given directly) as a row; a row with a problem is
        kept as invalid, so its other problems are found."""
        if not isinstance(record, Mapping):
            self.problem("json_not_object", line)
            return
        known, clean = self.known, self.dialect.clean
        values: dict[str, str] = {}
        invalid = False
        for raw_key, raw_value in record.items():
            key = normalize_column(str(raw_key))
            if known is not None and key not in known:
                invalid = True
                self.problem("json_unknown_key", line, str(raw_key))
                continue
            if not key:
                invalid = True
                self.problem("json_empty_key", line)
                continue
            text = cell_text(raw_value)
            if text is None:
                invalid = True
                self.problem("json_value", line, key)
                continue
            values[key] = clean(text)
            if key not in self.seen:
                self.seen.add(key)
                self.table.columns.append(key)
        self.table.rows.append(Row.of(line, values, invalid=invalid))


def _count_lines(text: str) -> int:
    return text.count("\n") + (0 if text.endswith("\n") else 1)
