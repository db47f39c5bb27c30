"""Background tagging and routing throughput: the outbox processor over N new items.

Usage: .venv/bin/python bench/bench_feedback_processing.py --db postgres|sqlite [--rows N] [--runs K] [--batch B]
    [--workers W]

Each run stores N generated items in state ``new`` (not timed), then times
``outbox_drain`` in one worker, and again in W worker threads at once as the queue's
consumer runs it (PEERLOOP_WORKERS, 2 by default; on PostgreSQL the workers claim
different batches, and one's database time overlaps the other's Python). Batches of B,
each one transaction: vocabulary rules, routing rules resolved to the heads of the item's
region with load balancing, tags, owners, transition rows and ``feedback.routed`` events
written. The same run times, as references, the pure part alone (``Rulebook.tag`` over
the same texts, in memory) and a bare UPDATE of the same items' state in batches of B.
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

    def drain_in_workers(count: int) -> int:
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

    processed, pooled, tag_only, update_only = [], [], [], []
    for _ in range(args.runs):
        fresh()
        started = time.perf_counter()
        done = outbox_drain(batch=args.batch)
        processed.append(time.perf_counter() - started)
        assert done == len(rows) and not FeedbackItem.objects.filter(state="new").exists()
        fresh()
        started = time.perf_counter()
        done = drain_in_workers(args.workers)
        pooled.append(time.perf_counter() - started)
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
    rate = n / statistics.median(processed)
    print(f"{args.db}: {n:,} items, batches of {args.batch}, median of {args.runs} runs; {owners:,} got an owner")
    print(f"  tag + route + write, one worker: {rate:,.0f} items/s  ({', '.join(f'{t:.2f} s' for t in processed)})")
    print(
        f"  tag + route + write, {args.workers} workers: {n / statistics.median(pooled):,.0f} items/s  "
        f"({', '.join(f'{t:.2f} s' for t in pooled)})"
    )
    print(f"  reference, rules alone in memory: {n / statistics.median(tag_only):,.0f} items/s")
    print(f"  reference, a bare UPDATE per batch: {n / statistics.median(update_only):,.0f} items/s")
    reference = statistics.median(update_only)
    print(
        f"  processor / bare UPDATE: {reference / statistics.median(processed):.2f} (one worker), "
        f"{reference / statistics.median(pooled):.2f} ({args.workers} workers)"
    )
    print(f"  tags {FeedbackTag.objects.count():,}, events {Interaction.objects.count():,}")
    print(f"  peak memory: {setup.peak_mib():.0f} MiB")


if __name__ == "__main__":
    main()
