"""``peerloop manage canonical_export [PATH]``: all data as sorted, stable JSON, to compare databases."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from peerloop.core.backup import canonical_export_json


class Command(BaseCommand):
    help = "Write all data as sorted, stable JSON (primary keys included), to compare two databases."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", nargs="?", type=Path, help="the file to write (default: standard output)")
        parser.add_argument("--database", default="default", help="the database alias (default: default)")

    def handle(self, *args: Any, path: Path | None, database: str, **options: Any) -> None:
        text = canonical_export_json(database)
        if path is None:
            self.stdout.write(text, ending="")
        else:
            path.write_text(text, encoding="utf-8")
