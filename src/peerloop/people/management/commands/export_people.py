"""``peerloop export-people [PATH|-]``: the directory as CSV, in the import's columns."""

import os
from pathlib import Path
import sys
from typing import Any

from django.core.management.base import BaseCommand

from peerloop.people.exporting import write_csv


class Command(BaseCommand):
    help = (
        "Export every person as CSV in the import's columns (importing the file back changes nothing). "
        "Cells starting with = + - @ get a leading single quote so spreadsheets do not run them."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", nargs="?", default="-", help="the file to write, or - for standard output")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        if path == "-":
            try:
                write_csv(sys.stdout)
                sys.stdout.flush()
            except BrokenPipeError:
                # The reader stopped early (``| head``): not an error; silence the final flush.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return
        target = Path(path)
        with target.open("w", newline="", encoding="utf-8") as handle:
            count = write_csv(handle)
        if options["verbosity"]:
            self.stderr.write(f"Wrote {count} people to {target}.")
