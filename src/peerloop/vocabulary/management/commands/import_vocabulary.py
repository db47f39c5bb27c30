"""``peerloop import-vocabulary PATH [--dry-run]``: topics, segments and values from CSV or JSON."""

from pathlib import Path
from typing import Any

from peerloop.core.management.importing import ImportCommand, Progress
from peerloop.core.roles import SYSTEM
from peerloop.core.tabular import ImportReport
from peerloop.vocabulary.services import vocabulary_import_file


class Command(ImportCommand):
    help = (
        "Import topics, segments and company values from a CSV or JSON file "
        "(columns: kind, name, slug, parent, synonyms, description). "
        "The file is applied entirely or not at all; importing it twice changes nothing."
    )
    progress_unit = None  # the vocabulary is small: it is read and written at once

    def run_import(
        self, *, path: Path, dry_run: bool, progress: Progress | None, options: dict[str, Any]
    ) -> ImportReport:
        return vocabulary_import_file(actor=SYSTEM, path=path, dry_run=dry_run)
