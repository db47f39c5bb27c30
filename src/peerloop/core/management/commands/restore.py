"""``peerloop restore PATH``: an archive of ``peerloop backup`` into an empty database."""

from pathlib import Path
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from peerloop.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup archive into an empty database: migrate, load every row in one "
        "transaction, restore the uploaded files. Refuses a database with data unless --force."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path, help="the archive written by 'peerloop backup'")
        parser.add_argument("--database", default="default", help="the database alias (default: default)")
        parser.add_argument("--force", action="store_true", help="replace all data of a database that is not empty")
        parser.add_argument("--no-progress", action="store_true", help="do not show a progress bar")

    def handle(self, *args: Any, path: Path, database: str, force: bool, no_progress: bool, **options: Any) -> None:
        quiet = no_progress or options["verbosity"] == 0
        bar = tqdm(unit=" rows", desc="Restoring", disable=quiet, file=sys.stderr)

        def on_total(total: int) -> None:
            bar.total = total
            bar.refresh()

        try:
            summary = backup_restore(path=path, using=database, force=force, progress=bar.update, on_total=on_total)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        if options["verbosity"]:
            rows = sum(summary.counts.values())
            forward = " and migrated it forward" if summary.migrated_forward else ""
            self.stdout.write(
                f"Restored {rows} rows in {len(summary.counts)} tables and {summary.media_files} "
                f"uploaded files from {path}{forward}."
            )
