"""Reading import files (CSV or JSON) into rows that know their line, without Django.

Imports of the vocabulary and of metric values read files through this one reader,
so they all name errors the same way: a line (the physical line where the record
starts; 1 is the CSV header) and a column.

``read_table(data, name=...)`` accepts:

- CSV with a header line, separated by commas, semicolons, tabs or pipes (sniffed
  from the header), in UTF-8 (with or without a byte-order mark) or UTF-16 with a BOM;
- a JSON array of objects, or JSON Lines (one object per line).

File-level problems (encoding, quoting, malformed JSON) raise :class:`TableError`
with the line and column where reading stopped.
"""

from collections.abc import Iterable, Iterator, Sequence
import csv
from dataclasses import dataclass, field
import io
import json
import math
from pathlib import Path
import re
from typing import Any, NamedTuple

DELIMITERS = (",", ";", "\t", "|")
FORMULA_STARTS = ("=", "+", "@", "\t", "\r")


class RowError(NamedTuple):
    """One problem of an import: the line it is on, the column, and what is wrong."""

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
    """What an import did (or, in a dry run, would do)."""

    dry_run: bool = True
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, line: int, column: str, message: str) -> None:
        self.errors.append(RowError(line, column, message))

    def sort_errors(self, columns: Sequence[str] = ()) -> None:
        """By line, then in the order of ``columns`` (the file's), then by name."""
        order = {c: i for i, c in enumerate(columns)}
        self.errors.sort(key=lambda e: (e.line, order.get(e.column, len(order)), e.column))

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
    """The file cannot be read at all; ``line``/``column`` say where reading stopped."""

    def __init__(self, message: str, *, line: int = 0, column: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def as_row_error(self) -> RowError:
        return RowError(self.line, self.column, self.message)


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class Table:
    columns: list[str]
    rows: list[Row]


def normalize_column(name: str) -> str:
    """Header names compare case-insensitively; spaces and hyphens read as underscores."""
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


def parse_number(text: str) -> float | None:
    """A finite number written with a dot as decimal separator, or None."""
    try:
        number = float(text.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def split_list(text: str, separators: str = ";") -> list[str]:
    """Split a cell holding several values; empty parts are dropped."""
    parts = re.split("[" + re.escape(separators) + "]", text) if text else []
    return [" ".join(p.split()) for p in parts if p.strip()]


def decode(data: bytes) -> str:
    """UTF-8 (BOM optional) or UTF-16 with a BOM; otherwise a TableError naming the line."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise TableError(f"The file is not valid UTF-16 ({exc.reason}).", line=1) from exc
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start : exc.start + 1].hex()
        raise TableError(
            f"Line {line} is not valid UTF-8 (byte 0x{byte}). Save the file as UTF-8 (CSV UTF-8 in spreadsheets).",
            line=line,
        ) from exc


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


def read_table(data: bytes | str, *, name: str = "") -> Table:
    """Read a CSV or JSON import file into a Table; raises TableError when unreadable."""
    text = decode(data) if isinstance(data, bytes) else data.lstrip("\ufeff")
    kind = detect_format(text, name)
    if kind == "json":
        return _table_from_records(_json_array(text))
    if kind == "jsonl":
        return _table_from_records(_json_lines(text))
    return _read_csv(text)


def read_table_path(path: Path | str) -> Table:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TableError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    return read_table(data, name=path.name)


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(text: str) -> Table:
    if not text.strip():
        raise TableError("The file is empty: it needs a header line and at least one row.", line=1)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(first_line), strict=True)
    rows: list[Row] = []
    columns: list[str] = []
    last_line = 0
    try:
        for record in reader:
            start = last_line + 1
            last_line = reader.line_num
            if not columns:
                columns = _check_header([normalize_column(c) for c in record], line=start)
                continue
            if not any(cell.strip() for cell in record):
                continue
            if len(record) > len(columns):
                raise TableError(
                    f"Line {start} has {len(record)} values but the header has {len(columns)} columns "
                    "(a separator inside a value must be quoted).",
                    line=start,
                )
            values = {col: (record[i].strip() if i < len(record) else "") for i, col in enumerate(columns)}
            rows.append(Row(start, values))
    except csv.Error as exc:
        line = reader.line_num or last_line + 1
        raise TableError(f"Line {line} cannot be read as CSV: {exc}.", line=line) from exc
    if not columns:
        raise TableError("The file has no header line.", line=1)
    return Table(columns, rows)


def _check_header(columns: list[str], *, line: int) -> list[str]:
    seen: set[str] = set()
    for position, column in enumerate(columns, start=1):
        if not column:
            raise TableError(f"Column {position} of the header has no name.", line=line)
        if column in seen:
            raise TableError(f"Column {column!r} appears twice in the header.", line=line, column=column)
        seen.add(column)
    return columns


def _cell(value: Any, *, line: int, column: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list) and all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
        return ";".join(str(v).strip() for v in value)
    raise TableError(f"Line {line}: the value of {column!r} must be text, a number or a list of texts.", line=line)


def _table_from_records(records: Iterable[tuple[int, Any]]) -> Table:
    columns: list[str] = []
    known: set[str] = set()
    rows: list[Row] = []
    for line, record in records:
        if not isinstance(record, dict):
            raise TableError(f"Line {line}: each record must be a JSON object.", line=line)
        values: dict[str, str] = {}
        for key, value in record.items():
            column = normalize_column(str(key))
            if not column:
                raise TableError(f"Line {line}: a key is empty.", line=line)
            if column not in known:
                known.add(column)
                columns.append(column)
            values[column] = _cell(value, line=line, column=column)
        rows.append(Row(line, values))
    if not rows:
        raise TableError("The file holds no records.", line=1)
    return Table(columns, [Row(r.line, {c: r.values.get(c, "") for c in columns}) for r in rows])


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _json_array(text: str) -> Iterator[tuple[int, Any]]:
    """Decode a JSON array item by item, so each record knows the line it starts on."""
    decoder = json.JSONDecoder()
    ws = re.compile(r"\s*")
    index = ws.match(text, 0).end()  # type: ignore[union-attr]
    if index >= len(text) or text[index] != "[":
        raise TableError("A JSON file must hold an array of objects.", line=_line_of(text, index))
    index = ws.match(text, index + 1).end()  # type: ignore[union-attr]
    if index < len(text) and text[index] == "]":
        return
    while True:
        try:
            item, end = decoder.raw_decode(text, index)
        except json.JSONDecodeError as exc:
            raise TableError(f"Line {exc.lineno}, character {exc.colno}: {exc.msg}.", line=exc.lineno) from exc
        yield _line_of(text, index), item
        index = ws.match(text, end).end()  # type: ignore[union-attr]
        if index < len(text) and text[index] == ",":
            index = ws.match(text, index + 1).end()  # type: ignore[union-attr]
            continue
        if index < len(text) and text[index] == "]":
            rest = text[index + 1 :].strip()
            if rest:
                line = _line_of(text, index + 1 + text[index + 1 :].index(rest[0]))
                raise TableError(f"Line {line}: unexpected text after the end of the array.", line=line)
            return
        line = _line_of(text, index)
        raise TableError(f"Line {line}: expected ',' or ']' between records.", line=line)


def _json_lines(text: str) -> Iterator[tuple[int, Any]]:
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            yield number, json.loads(raw)
        except json.JSONDecodeError as exc:
            raise TableError(f"Line {number}, character {exc.colno}: {exc.msg}.", line=number) from exc


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
