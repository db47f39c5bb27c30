"""Background tagging and routing throughput: the outbox processor over N new items.

Usage: .venv/bin/python bench/bench_feedback_processing.py --db postgres|sqlite [--rows N] [--runs K] [--batch B]
    [--workers W]

Each run stores N generated items in state ``new`` (not timed), then times
``outbox_drain`` three ways: in one worker; in W threads of one consumer, as the queue's
consumer runs it by default (PEERLOOP_WORKERS, 2 by default); and in W processes, as W
consumers (``peerloop worker``) run it. Threads share one interpreter, so their Python
work takes turns; processes do not. On PostgreSQL the workers claim different batches,
and one's database time overlaps the other's Python. Batches of B, each one transaction:
vocabulary rules, routing rules resolved to the heads of the item's region with load
balancing, tags, owners, transition rows and ``feedback.routed`` events written. The same
run times, as references, the pure part alone (``Rulebook.tag`` over the same texts, in
memory) and a bare UPDATE of the same items' state in batches of B.
Prints items per second (median), the ratios and the peak memory.
"""

import argparse
from pathlib import Path
import statistics
import sys
import time

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _feedback_setup as setup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    setup.database(args.db)
    import threading

    from django.db import connection, connections, transaction

    from peerloop.core.models import Interaction
    from peerloop.feedback.models import FeedbackItem, FeedbackTag, FeedbackTransition
    from peerloop.feedback.services import outbox_drain
    from peerloop.feedback.services.ingest import ItemInput, items_store, processing_deferred
    from peerloop.feedback.services.processing import rulebook
    from peerloop.feedback.services.sources import source_for_kind

    regions = setup.organization()
    source = source_for_kind(kind="api")
    rows = setup.records(args.rows)
    inputs = [
        ItemInput(
            text=r["text"],
            score=float(r["score"]),
            segment=r["segment"],
            region_id=regions[r["region"]],
            idempotency_key=r["idempotency_key"],
        )
        for r in rows
    ]

    def fresh() -> None:
        with connection.cursor() as cursor:
            for model in (FeedbackTag, FeedbackTransition, Interaction, FeedbackItem):
                cursor.execute(f"DELETE FROM {model._meta.db_table}")
        with processing_deferred(), transaction.atomic():
            items_store(source_id=source.pk, inputs=inputs)
        if connection.vendor == "postgresql":
            # Every run starts from the same state: the last run's dead rows vacuumed away
            # (the development server runs without autovacuum).
            with connection.cursor() as cursor:
                for model in (FeedbackTag, FeedbackTransition, Interaction, FeedbackItem):
                    cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")

    def drain_in_processes(count: int) -> int:
        """As ``count`` consumers do, each its own process (``peerloop worker``)."""
        import multiprocessing

        connections.close_all()
        context = multiprocessing.get_context("fork")
        with context.Pool(count) as pool:
            results = [pool.apply_async(_drain_process, (args.batch,)) for _ in range(count)]
            return sum(r.get() for r in results)

    def drain_in_workers(count: int) -> int:
        """As one consumer's ``count`` worker threads do, in one interpreter."""
        done: list[int] = []

        def work() -> None:
            try:
                done.append(outbox_drain(batch=args.batch))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=work) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sum(done)

    processed, threads, processes, tag_only, update_only = [], [], [], [], []
    for _ in range(args.runs):
        for times, drain in (
            (processed, lambda: outbox_drain(batch=args.batch)),
            (threads, lambda: drain_in_workers(args.workers)),
            (processes, lambda: drain_in_processes(args.workers)),
        ):
            fresh()
            started = time.perf_counter()
            done = drain()
            times.append(time.perf_counter() - started)
            assert done == len(rows) and not FeedbackItem.objects.filter(state="new").exists()
        book = rulebook()
        texts = [i.text for i in inputs]
        started = time.perf_counter()
        for text in texts:
            book.tag(text)
        tag_only.append(time.perf_counter() - started)
        ids = list(FeedbackItem.objects.order_by("id").values_list("id", flat=True))
        started = time.perf_counter()
        for offset in range(0, len(ids), args.batch):
            with transaction.atomic():
                FeedbackItem.objects.filter(id__in=ids[offset : offset + args.batch]).update(state="new")
        update_only.append(time.perf_counter() - started)
    n = len(rows)
    owners = FeedbackItem.objects.filter(owner__isnull=False).count()
    reference = statistics.median(update_only)
    print(f"{args.db}: {n:,} items, batches of {args.batch}, median of {args.runs} runs; {owners:,} got an owner")
    for label, times in (
        ("one worker", processed),
        (f"one consumer, {args.workers} threads", threads),
        (f"{args.workers} consumer processes", processes),
    ):
        print(
            f"  tag + route + write, {label}: {n / statistics.median(times):,.0f} items/s, "
            f"{reference / statistics.median(times):.2f} of the bare UPDATE  ({', '.join(f'{t:.2f} s' for t in times)})"
        )
    print(f"  reference, rules alone in memory: {n / statistics.median(tag_only):,.0f} items/s")
    print(f"  reference, a bare UPDATE per batch: {n / reference:,.0f} items/s")
    print(f"  tags {FeedbackTag.objects.count():,}, events {Interaction.objects.count():,}")
    print(f"  peak memory: {setup.peak_mib():.0f} MiB")


def _drain_process(batch: int) -> int:
    from django.db import connections

    from peerloop.feedback.services import outbox_drain

    try:
        return outbox_drain(batch=batch)
    finally:
        connections.close_all()


if __name__ == "__main__":
    main()
