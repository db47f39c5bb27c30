"""``peerloop backup PATH``: the database and the uploaded files in one archive."""

from pathlib import Path
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from peerloop.core.backup import BackupError, backup_write


class Command(BaseCommand):
    help = "Write the whole database and the uploaded files to one zip archive."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path, help="the archive to write, e.g. peerloop-2025-01-31.zip")
        parser.add_argument("--database", default="default", help="the database alias (default: default)")
        parser.add_argument("--no-progress", action="store_true", help="do not show a progress bar")

    def handle(self, *args: Any, path: Path, database: str, no_progress: bool, **options: Any) -> None:
        quiet = no_progress or options["verbosity"] == 0
        bar = tqdm(unit=" rows", desc="Backing up", disable=quiet, file=sys.stderr)

        def on_total(total: int) -> None:
            bar.total = total
            bar.refresh()

        try:
            summary = backup_write(path=path, using=database, progress=bar.update, on_total=on_total)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        if options["verbosity"]:
            self.stdout.write(
                f"Wrote {summary.path}: {summary.rows} rows in {len(summary.counts)} tables, "
                f"{summary.media_files} uploaded files ({summary.media_bytes} bytes)."
            )
