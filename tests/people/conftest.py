"""Helpers of the directory's tests: import files and rows."""

import csv
import io
from pathlib import Path

import pytest

from peerloop.people.importing import COLUMNS


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded import files go to a folder of the test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


def row(email: str, name: str, **fields: str) -> dict[str, str]:
    """An import row with every column, blank unless given."""
    values = dict.fromkeys(COLUMNS, "")
    values.update(email=email, name=name, **fields)
    return values


def csv_text(rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


@pytest.fixture
def write_file(tmp_path):
    """``write_file(text_or_bytes, name="people.csv")`` writes a file and returns its path."""

    def _write(content: str | bytes, name: str = "people.csv") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write
