"""What the import commands share: ``PATH [--dry-run] [--no-progress]``, a progress bar,
the problems listed by line and column, and a failing exit when there are any.

A command subclasses :class:`ImportCommand` and says how to run its import
(:meth:`ImportCommand.run_import`) and, if it likes, how to sum up its report.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from peerloop.core.tabular import ImportReport

Progress = Callable[[int, int], None]


class ImportCommand(BaseCommand):
    # What the progress bar counts ("rows", "values"); None: the import reports no progress.
    progress_unit: str | None = "rows"
    # The bar's label while rows are checked; it reads "Writing" once the writes are counted too.
    progress_label: str | None = None
    # What the summary calls created rows ("values" gives "4 values were created").
    created_noun: str = ""
    # True: every problem is listed; False: the report's first ones (ImportReport.errors_shown).
    list_every_error: bool = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="a .csv, .json or .jsonl file")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, change nothing")
        if self.progress_unit:
            parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def run_import(
        self, *, path: Path, dry_run: bool, progress: Progress | None, options: dict[str, Any]
    ) -> ImportReport:
        """Run the import of ``path``; ``progress(done, total)`` moves the bar (None when it is off)."""
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        dry_run = bool(options["dry_run"])
        quiet = not self.progress_unit or options.get("no_progress") or options["verbosity"] == 0
        bar = _ProgressBar(self, unit=self.progress_unit or "", label=self.progress_label) if not quiet else None
        try:
            report = self.run_import(path=path, dry_run=dry_run, progress=bar.update if bar else None, options=options)
        finally:
            if bar is not None:
                bar.close()
        if report.errors:
            errors = report.errors if self.list_every_error else report.errors_shown
            for error in errors:
                self.stderr.write(f"{path.name}: {error}")
            hidden = len(report.errors) - len(errors)
            if hidden:
                self.stderr.write(f"… and {hidden} more")
            raise CommandError(self.failure(report, path), returncode=1)
        self.stdout.write(self.success(report, dry_run))

    def failure(self, report: ImportReport, path: Path) -> str:
        return f"{len(report.errors)} problem(s) in {path.name}; nothing was imported."

    def success(self, report: ImportReport, dry_run: bool) -> str:
        verb = "would be" if dry_run else "were"
        rows = "row" if report.rows == 1 else "rows"
        created = f"{report.created} {self.created_noun} " if self.created_noun else f"{report.created} "
        return (
            f"{report.rows} {rows}: {created}{verb} created, {report.updated} {verb} updated, "
            f"{report.unchanged} unchanged." + (" (dry run: nothing changed)" if dry_run else "")
        )


class _ProgressBar:
    """A tqdm bar on the command's stderr, shown from the first progress on.

    An import counts its rows once checked, then again once written: when the total
    grows past the rows, the bar says it is writing.
    """

    def __init__(self, command: BaseCommand, *, unit: str, label: str | None) -> None:
        self.command, self.unit, self.label = command, unit, label
        self.bar: tqdm | None = None
        self.rows = 0

    def update(self, done: int, total: int) -> None:
        if self.bar is None:
            self.rows = total
            stream = self.command.stderr._out  # type: ignore[attr-defined]
            self.bar = tqdm(total=total, unit=f" {self.unit}", desc=self.label, file=stream, leave=False)
        elif total != self.bar.total:
            if total > self.rows and self.label:
                self.bar.set_description("Writing")
            self.bar.total = total
            self.bar.refresh()
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
