"""``peerloop import-people PATH [--dry-run] [--deactivate-missing]``."""

from pathlib import Path
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from peerloop.core.roles import SYSTEM
from peerloop.people.importing import COLUMNS
from peerloop.people.services import person_import_file


class Command(BaseCommand):
    help = (
        "Import people from a CSV or JSON file (a list of objects or JSON Lines). Every row is checked "
        "first; with any error nothing is written and every error is listed by line and column. "
        f"Columns: {', '.join(COLUMNS)}."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path, help="the CSV or JSON file")
        parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="deactivate employees of the directory who are not in the file (and their logins)",
        )
        parser.add_argument("--no-progress", action="store_true", help="do not show a progress bar")

    def handle(
        self, *args: Any, path: Path, dry_run: bool, deactivate_missing: bool, no_progress: bool, **options: Any
    ) -> None:
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        quiet = no_progress or options["verbosity"] == 0
        bar = tqdm(unit=" rows", desc="Checking", disable=quiet, file=sys.stderr)
        rows = 0
        writing = False

        def progress(done: int, total: int) -> None:
            # Rows are counted twice: once checked, once written (the total grows when writing starts).
            nonlocal rows, writing
            rows = rows or total
            if not writing and total > rows and done >= rows:
                writing = True
                bar.set_description("Writing")
            if bar.total != total:
                bar.total = total
                bar.refresh()
            bar.update(done - bar.n)

        try:
            report = person_import_file(
                actor=SYSTEM, path=path, dry_run=dry_run, deactivate_missing=deactivate_missing, progress=progress
            )
        finally:
            bar.close()
        for error in report.errors:
            self.stderr.write(f"{path.name}: {error}")
        if report.errors:
            raise CommandError(report.summary(), returncode=1)
        self.stdout.write(report.summary())
