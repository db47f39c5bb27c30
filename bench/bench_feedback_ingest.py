"""Bulk ingest of feedback items, durably stored, against a raw insert of the same rows.

Usage: .venv/bin/python bench/bench_feedback_ingest.py --db postgres|sqlite [--rows N] [--runs K]

Each run stores N generated items in a fresh table state (the items table emptied between
runs), in one transaction, committed:

- upload: ``item_import_file`` on the CSV of the N items: reading, checking every row
  (regions resolved, keys checked against the database and each other), storing (COPY on
  PostgreSQL, bulk INSERT on SQLite);
- store: ``items_store`` of the N rows already checked (what the API and webhook call);
- reference (same run, same table, same indexes and constraints): PostgreSQL a raw psycopg
  COPY of the same tuples; SQLite a raw sqlite3 ``executemany`` INSERT of them.

Prints items per second (median of the runs), the ratios and the process's peak memory.
"""

import argparse
import json
from pathlib import Path
import statistics
import sys
import time

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _feedback_setup as setup

COLUMNS = (
    "source_id", "idempotency_key", "text", "score", "channel", "segment", "product", "region_id", "unit_id",
    "occurred_at", "received_at", "attributes", "state", "in_fallback", "needs_triage", "submitted_by_id",
)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    setup.database(args.db)
    from django.db import connection, transaction
    from django.utils import timezone

    from peerloop.core.roles import SYSTEM
    from peerloop.core.tabular import ImportReport
    from peerloop.feedback.models import FeedbackItem
    from peerloop.feedback.services.ingest import (
        ItemInput,
        check_records,
        csv_of,
        item_import_file,
        items_store,
        processing_deferred,
    )
    from peerloop.feedback.services.sources import source_for_kind

    regions = setup.organization()
    source = source_for_kind(kind="upload")
    rows = setup.records(args.rows)
    data = csv_of(rows)
    table = FeedbackItem._meta.db_table

    def empty() -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"TRUNCATE {table} CASCADE")
            else:
                cursor.execute(f"DELETE FROM {table}")

    def checked() -> list[ItemInput]:
        report = ImportReport(dry_run=True)
        inputs = check_records(rows, source_id=source.pk, lines=range(2, len(rows) + 2), report=report)
        assert not report.errors, report.errors[:3]
        return inputs

    def tuples() -> list[tuple]:
        now = timezone.now()
        return [
            (source.pk, r["idempotency_key"], r["text"], float(r["score"]), "", r["segment"], "",
             regions[r["region"]], None, now, now, "{}", "new", False, False, None)
            for r in rows
        ]  # fmt: skip

    def run_upload() -> float:
        started = time.perf_counter()
        with processing_deferred():
            report = item_import_file(actor=SYSTEM, data=data, name="items.csv", dry_run=False, source_id=source.pk)
        elapsed = time.perf_counter() - started
        assert report.ok and report.created == len(rows), report.errors[:3]
        return elapsed

    def run_store() -> float:
        inputs = checked()
        started = time.perf_counter()
        with processing_deferred(), transaction.atomic():
            items_store(source_id=source.pk, inputs=inputs)
        return time.perf_counter() - started

    def run_bare_table() -> float:
        """The same raw insert into a table with the same columns and no index or constraint."""
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_bare_items")
            cursor.execute(f"CREATE TABLE bench_bare_items AS SELECT {', '.join(COLUMNS)} FROM {table} WHERE 1 = 0")
        return run_reference(into="bench_bare_items")

    def run_reference(into: str = table) -> float:
        values = tuples()
        started = time.perf_counter()
        if connection.vendor == "postgresql":
            statement = f"COPY {into} ({', '.join(COLUMNS)}) FROM STDIN"
            with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
                for value in values:
                    copy.write_row(value)
        else:
            import sqlite3

            raw = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
            raw.execute("PRAGMA journal_mode=WAL")
            raw.execute("PRAGMA synchronous=NORMAL")
            raw.execute("BEGIN IMMEDIATE")
            marks = ", ".join("?" for _ in COLUMNS)
            raw.executemany(f"INSERT INTO {into} ({', '.join(COLUMNS)}) VALUES ({marks})", values)
            raw.execute("COMMIT")
            raw.close()
        return time.perf_counter() - started

    results: dict[str, list[float]] = {"upload": [], "store": [], "reference": [], "bare table": []}
    for _ in range(args.runs):
        for name, work in (("reference", run_reference), ("upload", run_upload), ("store", run_store)):
            connection.close()
            empty()
            seconds = work()
            assert FeedbackItem.objects.count() == len(rows)
            results[name].append(seconds)
        results["bare table"].append(run_bare_table())
    rate = {name: len(rows) / statistics.median(times) for name, times in results.items()}
    reference = "raw COPY" if connection.vendor == "postgresql" else "raw executemany"
    print(f"{args.db}: {len(rows):,} items, median of {args.runs} runs")
    for name in ("upload", "store", "reference", "bare table"):
        times = ", ".join(f"{t:.2f} s" for t in results[name])
        print(f"  {name:10s} {rate[name]:>10,.0f} items/s  ({times})")
    print(f"  upload / {reference}: {rate['upload'] / rate['reference']:.2f}")
    print(f"  store / {reference}: {rate['store'] / rate['reference']:.2f}")
    print(f"  peak memory: {setup.peak_mib():.0f} MiB")
    print(json.dumps({k: round(v) for k, v in rate.items()}))


if __name__ == "__main__":
    main()
