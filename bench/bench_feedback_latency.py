"""Time from ingest to the owner's inbox at a sustained 200 items per second.

Usage: .venv/bin/python bench/bench_feedback_latency.py --db postgres|sqlite [--rate R] [--seconds S]

A real task consumer (``peerloop worker``, Huey on its SQLite storage, in a process of
its own) runs beside this process, which ingests (in 4 threads sharing one clock) one item per call of the API's service
(``items_ingest``, one committed transaction each; bench_feedback_api.py measures the
HTTP layer) at R items per second for S seconds, paced by the clock. Each commit enqueues
the outbox processor; the worker tags and routes. Latency is ``routed_at - received_at``
of each item as stored (both written by the database's clients on this machine): the
moment the item shows in the owner's inbox query. Prints the achieved rate and the latency percentiles.
"""

import argparse
import os
from pathlib import Path
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _feedback_setup as setup


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * (len(values) - 1) + 0.5))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="sqlite")
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--producers", type=int, default=4, help="threads sharing the paced sends")
    args = parser.parse_args()
    setup.database(args.db, name="feedback_latency")
    from peerloop.accounts.services import api_token_create, user_ensure
    from peerloop.core.roles import SYSTEM
    from peerloop.feedback import services
    from peerloop.feedback.models import FeedbackItem
    from peerloop.people.models import Person
    from peerloop.people.queries import actor_for_user

    setup.organization()
    user = user_ensure(email="ingest@example.org", role="program_owner")
    Person.objects.create(email="ingest@example.org", name="Ingest", user=user)
    _, secret = api_token_create(actor=SYSTEM, user=user, name="bench", scope="write")
    _ = secret
    actor = actor_for_user(user)
    worker = subprocess.Popen(
        [sys.executable, "-m", "peerloop", "worker"], env={**os.environ, "PEERLOOP_WORKERS": "2"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(3)  # the consumer starts
        total = int(args.rate * args.seconds)
        rows = setup.records(total, prefix="l")
        started = time.perf_counter()

        def produce(share: list[tuple[int, dict]]) -> None:
            from django.db import connection

            for n, r in share:
                pause = started + n / args.rate - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                item = {"text": r["text"], "score": float(r["score"]), "region": r["region"],
                        "idempotency_key": r["idempotency_key"]}  # fmt: skip
                services.items_ingest(actor=actor, records=[item])
            connection.close()

        numbered = list(enumerate(rows))
        threads = [
            threading.Thread(target=produce, args=(numbered[k :: args.producers],)) for k in range(args.producers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        sent_seconds = time.perf_counter() - started
        deadline = time.time() + 120
        while FeedbackItem.objects.filter(state="new").exists() and time.time() < deadline:
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
    pairs = FeedbackItem.objects.filter(routed_at__isnull=False).values_list("received_at", "routed_at")
    latencies = [(routed - received).total_seconds() for received, routed in pairs]
    left = FeedbackItem.objects.filter(state="new").count()
    print(f"{args.db}: {total:,} items sent in {sent_seconds:.1f} s ({total / sent_seconds:,.0f} items/s achieved)")
    print(f"  routed {len(latencies):,}, left unrouted {left}")
    for q in (0.5, 0.9, 0.99):
        print(f"  p{int(q * 100)}: {percentile(latencies, q) * 1000:,.0f} ms")
    print(f"  max: {max(latencies) * 1000:,.0f} ms")


if __name__ == "__main__":
    main()
