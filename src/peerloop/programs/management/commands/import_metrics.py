"""``peerloop import-metrics PATH [--dry-run]``: metric values per unit or person and period."""

from pathlib import Path
from typing import Any

from peerloop.core.management.importing import ImportCommand, Progress
from peerloop.core.roles import SYSTEM
from peerloop.core.tabular import ImportReport
from peerloop.programs.services import metric_value_import_file


class Command(ImportCommand):
    help = (
        "Import metric values from a CSV or JSON file (columns: metric, unit or person, "
        "period_start, period_end, value). The file is applied entirely or not at all; "
        "importing it again updates values instead of duplicating them."
    )
    progress_unit = "values"
    created_noun = "values"

    def run_import(
        self, *, path: Path, dry_run: bool, progress: Progress | None, options: dict[str, Any]
    ) -> ImportReport:
        return metric_value_import_file(actor=SYSTEM, path=path, dry_run=dry_run, progress=progress)
