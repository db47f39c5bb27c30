"""``peerloop import-metrics PATH [--dry-run]``: metric values per unit or person and period."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from peerloop.core.roles import SYSTEM
from peerloop.programs.services import metric_value_import_file

MAX_SHOWN = 200


class Command(BaseCommand):
    help = (
        "Import metric values from a CSV or JSON file (columns: metric, unit or person, "
        "period_start, period_end, value). The file is applied entirely or not at all; "
        "importing it again updates values instead of duplicating them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="a .csv, .json or .jsonl file")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, change nothing")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: object, **options: object) -> None:
        path = options["path"]
        assert isinstance(path, Path)
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        dry_run = bool(options["dry_run"])
        bar: tqdm | None = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if options["no_progress"]:
                return
            if bar is None:
                bar = tqdm(total=total, unit="values", file=self.stderr._out, leave=False)  # type: ignore[attr-defined]
            bar.update(done - bar.n)

        try:
            report = metric_value_import_file(actor=SYSTEM, path=path, dry_run=dry_run, progress=progress)
        finally:
            if bar is not None:
                bar.close()
        if report.errors:
            for error in report.errors[:MAX_SHOWN]:
                self.stderr.write(f"{path.name}: {error}")
            if len(report.errors) > MAX_SHOWN:
                self.stderr.write(f"… and {len(report.errors) - MAX_SHOWN} more")
            raise CommandError(f"{len(report.errors)} problem(s) in {path.name}; nothing was imported.")
        verb = "would be" if dry_run else "were"
        rows = "row" if report.rows == 1 else "rows"
        self.stdout.write(
            f"{report.rows} {rows}: {report.created} values {verb} created, {report.updated} {verb} updated, "
            f"{report.unchanged} unchanged." + (" (dry run: nothing changed)" if dry_run else "")
        )
