"""Reading an import source: CSV, a JSON list of objects, JSON Lines, or rows given directly.

Problems name the line (and column) where they are: encoding, delimiter, headers,
quotes, JSON syntax.
"""

from collections.abc import Iterable, Mapping
import csv
import io
import json
from pathlib import Path
from typing import Any

from peerloop.people.importing.rows import (
    COLUMNS,
    MAX_ERRORS_PER_FILE,
    OTHER_DELIMITERS,
    REQUIRED,
    ParsedSource,
    RowError,
    SourceRow,
    cell_from_import,
    header_key,
    value_to_text,
)

# ---------------------------------------------------------------------------
# Sources


def read_rows(rows: Iterable[Mapping[str, Any]]) -> ParsedSource:
    """Rows given directly (API, JSON objects): the line of a row is its position, from 1."""
    parsed = ParsedSource()
    for position, row in enumerate(rows, start=1):
        _add_mapping(parsed, position, row)
    return parsed


def read_file(path: Path) -> ParsedSource:
    """Read a CSV or JSON (a list of objects, or JSON Lines) file, detected by its content."""
    return read_bytes(path.read_bytes())


def read_bytes(data: bytes) -> ParsedSource:
    text, problem = decode(data)
    if problem is not None:
        return ParsedSource(errors=[problem])
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return ParsedSource(errors=[RowError(line, "", "the file holds a NUL byte: it is not a text file")])
    start = text.lstrip()[:1]
    if start == "[":
        return read_json_list(text)
    if start == "{":
        return read_json_lines(text)
    return read_csv(text)


def decode(data: bytes) -> tuple[str, RowError | None]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "", RowError(1, "", "not UTF-8: the file is UTF-16; save it as CSV UTF-8")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return "", RowError(line, "", f"not UTF-8: byte 0x{data[exc.start]:02x} at line {line}; save the file as UTF-8")
    return text.removeprefix("\ufeff"), None


def expected_headers() -> str:
    return ", ".join(COLUMNS)


def read_csv(text: str) -> ParsedSource:
    parsed = ParsedSource()
    if not text.strip():
        parsed.errors.append(RowError(1, "", f"the file is empty; expected a header line: {expected_headers()}"))
        return parsed
    first_line = text.splitlines()[0]
    if "," not in first_line:
        for delimiter, words in OTHER_DELIMITERS.items():
            if delimiter in first_line:
                parsed.errors.append(
                    RowError(
                        1,
                        "",
                        f"wrong delimiter: the header is separated by {words}; Peerloop reads comma-separated "
                        f"values with the headers {expected_headers()}",
                    )
                )
                return parsed
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as exc:
        parsed.errors.append(RowError(1, "", f"the header line cannot be read: {exc}"))
        return parsed
    keys = [header_key(cell) for cell in header]
    if not _check_header(parsed, keys):
        return parsed
    parsed.columns = set(keys)
    shared_keys = tuple(keys)
    width = len(keys)
    previous_end = reader.line_num
    try:
        for record in reader:
            line = previous_end + 1
            end = reader.line_num
            previous_end = end
            if not record or all(not cell.strip() for cell in record):
                continue
            if len(parsed.errors) >= MAX_ERRORS_PER_FILE:
                break
            broken = next((i for i, cell in enumerate(record) if "\n" in cell or "\r" in cell), None)
            if broken is not None:
                column = keys[broken] if broken < width else ""
                runs_to = "the end of the file" if end >= _line_count(text) else f"line {end}"
                parsed.errors.append(
                    RowError(
                        line,
                        column,
                        f"unbalanced quotes: a quoted value opened on line {line} runs to {runs_to}",
                    )
                )
                continue
            if len(record) != width:
                parsed.errors.append(
                    RowError(
                        line,
                        "",
                        f"expected {width} values, found {len(record)} "
                        "(a value holding a comma must be in double quotes)",
                    )
                )
                continue
            parsed.rows.append(SourceRow(line, shared_keys, tuple(map(cell_from_import, record))))
    except csv.Error as exc:
        parsed.errors.append(RowError(previous_end + 1, "", f"unreadable CSV: {exc}"))
    return parsed


def _line_count(text: str) -> int:
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def _check_header(parsed: ParsedSource, keys: list[str]) -> bool:
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
    if problems:
        parsed.errors.append(RowError(1, "", "; ".join(problems) + f" (expected headers: {expected_headers()})"))
    return not problems


def read_json_list(text: str) -> ParsedSource:
    """A JSON array of objects; each object's line is found while decoding, for the errors."""
    parsed = ParsedSource()
    decoder = json.JSONDecoder()
    position = text.index("[") + 1
    length = len(text)

    def skip_space(at: int) -> int:
        while at < length and text[at] in " \t\r\n":
            at += 1
        return at

    position = skip_space(position)
    if position < length and text[position] == "]":
        return parsed
    while True:
        position = skip_space(position)
        line = text.count("\n", 0, position) + 1
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            parsed.errors.append(RowError(exc.lineno, "", f"invalid JSON: {exc.msg} (column {exc.colno})"))
            return parsed
        if isinstance(value, dict):
            _add_mapping(parsed, line, value)
        else:
            parsed.errors.append(RowError(line, "", "expected an object with the person's fields"))
        position = skip_space(position)
        if position < length and text[position] == ",":
            position += 1
            continue
        if position < length and text[position] == "]":
            break
        line = text.count("\n", 0, position) + 1
        parsed.errors.append(RowError(line, "", "invalid JSON: expected ',' or ']' between objects"))
        return parsed
    if text[position + 1 :].strip():
        line = text.count("\n", 0, position + 1) + 1
        parsed.errors.append(RowError(line, "", "invalid JSON: text after the closing ']'"))
    return parsed


def read_json_lines(text: str) -> ParsedSource:
    parsed = ParsedSource()
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            parsed.errors.append(RowError(line_number, "", f"invalid JSON: {exc.msg} (column {exc.colno})"))
            continue
        if isinstance(value, dict):
            _add_mapping(parsed, line_number, value)
        else:
            parsed.errors.append(RowError(line_number, "", "expected an object with the person's fields"))
    return parsed


def _add_mapping(parsed: ParsedSource, line: int, row: Mapping[str, Any]) -> None:
    values: dict[str, str] = {}
    ok = True
    for raw_key, raw_value in row.items():
        key = header_key(str(raw_key))
        if key not in COLUMNS:
            parsed.errors.append(RowError(line, str(raw_key), f"unknown field (expected: {expected_headers()})"))
            ok = False
            continue
        text = value_to_text(raw_value)
        if text is None:
            parsed.errors.append(RowError(line, key, "expected text, a number, true/false or a list of text"))
            ok = False
            continue
        values[key] = cell_from_import(text)
    parsed.columns.update(values)
    if ok:
        parsed.rows.append(SourceRow.of(line, values))
    else:
        # Keep the row so its other errors are found, but it will never be written.
        parsed.rows.append(SourceRow.of(line, values, invalid=True))
