"""``peerloop import-people PATH [--dry-run] [--deactivate-missing]``."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from peerloop.core.management.importing import ImportCommand, Progress
from peerloop.core.roles import SYSTEM
from peerloop.core.tabular import ImportReport
from peerloop.people.columns import COLUMNS
from peerloop.people.importing import PersonImportReport
from peerloop.people.services import person_import_file


class Command(ImportCommand):
    help = (
        "Import people from a CSV or JSON file (a list of objects or JSON Lines). Every row is checked "
        "first; with any error nothing is written and every error is listed by line and column. "
        f"Columns: {', '.join(COLUMNS)}."
    )
    progress_label = "Checking"
    list_every_error = True  # the web preview shows the first ones and sends here for the rest

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="deactivate employees of the directory who are not in the file (and their logins)",
        )

    def run_import(
        self, *, path: Path, dry_run: bool, progress: Progress | None, options: dict[str, Any]
    ) -> PersonImportReport:
        return person_import_file(
            actor=SYSTEM,
            path=path,
            dry_run=dry_run,
            deactivate_missing=options["deactivate_missing"],
            progress=progress,
        )

    def failure(self, report: ImportReport, path: Path) -> str:
        assert isinstance(report, PersonImportReport)
        return report.summary()

    def success(self, report: ImportReport, dry_run: bool) -> str:
        assert isinstance(report, PersonImportReport)
        return report.summary()
