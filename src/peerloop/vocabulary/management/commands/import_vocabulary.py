"""``peerloop import-vocabulary PATH [--dry-run]``: topics, segments and values from CSV or JSON."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerloop.core.roles import SYSTEM
from peerloop.vocabulary.services import vocabulary_import_file

MAX_SHOWN = 200


class Command(BaseCommand):
    help = (
        "Import topics, segments and company values from a CSV or JSON file "
        "(columns: kind, name, slug, parent, synonyms, description). "
        "The file is applied entirely or not at all; importing it twice changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="a .csv, .json or .jsonl file")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, change nothing")

    def handle(self, *args: object, **options: object) -> None:
        path = options["path"]
        assert isinstance(path, Path)
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        dry_run = bool(options["dry_run"])
        report = vocabulary_import_file(actor=SYSTEM, path=path, dry_run=dry_run)
        if report.errors:
            for error in report.errors[:MAX_SHOWN]:
                self.stderr.write(f"{path.name}: {error}")
            if len(report.errors) > MAX_SHOWN:
                self.stderr.write(f"… and {len(report.errors) - MAX_SHOWN} more")
            raise CommandError(f"{len(report.errors)} problem(s) in {path.name}; nothing was imported.")
        verb = "would be" if dry_run else "were"
        rows = "row" if report.rows == 1 else "rows"
        self.stdout.write(
            f"{report.rows} {rows}: {report.created} {verb} created, {report.updated} {verb} updated, "
            f"{report.unchanged} unchanged." + (" (dry run: nothing changed)" if dry_run else "")
        )
