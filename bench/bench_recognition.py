"""Recognition: kudos throughput, and balance and statement reads on a ledger of about
1,000,000 postings.

Usage: .venv/bin/python bench/bench_recognition.py [--people N] [--postings P] [--kudos K]
       [--runs R] [--database-url postgres://...] [--seed S]

Builds a fresh database (SQLite in a temporary folder, or the PostgreSQL database given,
which is emptied by migrating it from zero) with N people in 100 units and a ledger of about
P postings: a year of monthly allowance grants for everyone, and kudos entries moving 1-3
points from one person's allowance to another's received points (bulk inserted), then this
month's grant by ``allowance_grant`` (what the monthly task does); setup, not timed. Then, timed:

- kudos throughput: K calls of ``recognition.services.kudos_give`` (one transaction each, with
  its allowance lock, cap and balance checks, entry, postings, kudos row, interaction and
  notification), median of R runs; reference in the same run: K transactions that each record
  one interaction with ``core.services.interaction_record``.
- balance: ``recognition.queries.balances_for`` of 300 people; statement: the first page (50
  rows) of ``statement_for``; medians. Reference: ``people.queries.person_get`` (a primary-key
  read) of the same people.
- the whole-ledger check ``ledger_total()`` (sum of every posting) once.

Prints the sizes, medians, ratios and the peak resident memory of the process.
"""

import argparse
import os
from pathlib import Path
import platform
import random
import resource
import statistics
import sys
import tempfile
import time

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def _setup_django(data_dir: Path, database_url: str | None) -> None:
    os.environ["PEERLOOP_DATA_DIR"] = str(data_dir)
    os.environ["PEERLOOP_DEBUG"] = "0"  # no query log
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerloop.settings")
    import django

    django.setup()


def _peak_rss_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def build(people: int, postings: int, seed: int) -> list[int]:
    """Migrate from zero and fill the ledger; returns the people's ids."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from peerloop.people.models import Person, Unit
    from peerloop.recognition.models import Account, AllowancePolicy, JournalEntry, Posting

    if connection.vendor == "postgresql":
        call_command("migrate", "recognition", "zero", verbosity=0)
    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    units = Unit.objects.bulk_create([Unit(name=f"Unit {i}", code=f"unit-{i}") for i in range(100)])
    Person.objects.bulk_create(
        [
            Person(name=f"Person {i}", email=f"p{i}@bench.example", unit=units[i % 100], level=1 + i % 9)
            for i in range(people)
        ],
        batch_size=5000,
    )
    ids = list(Person.objects.order_by("id").values_list("id", flat=True))
    AllowancePolicy.objects.create(scope="everyone", amount=100_000, per_recipient_cap=100_000)
    Account.objects.bulk_create(
        [Account(kind=kind, person_id=pid) for pid in ids for kind in ("allowance", "points")], batch_size=10000
    )
    issuance = Account.objects.create(kind="issuance")
    allowance = dict(Account.objects.filter(kind="allowance").values_list("person_id", "id"))
    points = dict(Account.objects.filter(kind="points").values_list("person_id", "id"))
    months = 12
    grants = [(pid, f"2025-{m:02d}") for m in range(1, months + 1) for pid in ids]
    kudos = max(0, (postings - 2 * len(grants)) // 2)
    batch = 20000
    legs: list[list[tuple[int, int]]] = []
    entries: list[JournalEntry] = []

    def flush() -> None:
        with transaction.atomic():
            created = JournalEntry.objects.bulk_create(entries)
            Posting.objects.bulk_create(
                [
                    Posting(entry_id=e.pk, account_id=acc, amount=amt)
                    for e, pair in zip(created, legs, strict=True)
                    for acc, amt in pair
                ],
                batch_size=batch,
            )
        entries.clear()
        legs.clear()

    for pid, period in grants:
        entries.append(JournalEntry(kind="grant", key=f"grant:{pid}:{period}", memo=f"Allowance for {period}"))
        legs.append([(allowance[pid], 10_000), (issuance.pk, -10_000)])
        if len(entries) >= batch:
            flush()
    for _ in range(kudos):
        giver, recipient = rng.sample(ids, 2)
        amount = rng.randint(1, 3)
        entries.append(JournalEntry(kind="kudos", memo="Kudos"))
        legs.append([(allowance[giver], -amount), (points[recipient], amount)])
        if len(entries) >= batch:
            flush()
    if entries:
        flush()
    # This month's allowance, as the monthly task grants it (kudos then take the steady path).
    from peerloop.recognition import services

    services.allowance_grant()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return ids


def time_kudos(ids: list[int], count: int, rng: random.Random) -> tuple[float, float]:
    from peerloop.core.roles import SYSTEM
    from peerloop.core.services import interaction_record
    from peerloop.recognition import services

    pairs = [rng.sample(ids, 2) for _ in range(count)]
    started = time.perf_counter()
    for giver, recipient in pairs:
        services.kudos_give(actor=SYSTEM, giver_id=giver, recipient_id=recipient, amount=1, message="Thanks")
    kudos_s = time.perf_counter() - started
    from django.db import transaction

    started = time.perf_counter()
    for giver, recipient in pairs:
        with transaction.atomic():
            interaction_record(kind="bench.reference", actor_id=giver, target_ids=[recipient])
    reference_s = time.perf_counter() - started
    return count / kudos_s, count / reference_s


def time_reads(ids: list[int], rng: random.Random) -> dict[str, float]:
    from peerloop.people import queries as people_queries
    from peerloop.recognition import queries

    sample = rng.sample(ids, 300)
    balance, statement, reference = [], [], []
    for pid in sample:
        t0 = time.perf_counter()
        queries.balances_for(person_id=pid)
        t1 = time.perf_counter()
        rows = list(queries.statement_for(person_id=pid)[:50])
        t2 = time.perf_counter()
        people_queries.person_get(person_id=pid)
        t3 = time.perf_counter()
        assert rows
        balance.append(t1 - t0)
        statement.append(t2 - t1)
        reference.append(t3 - t2)
    return {"balance": _ms(balance), "statement": _ms(statement), "reference": _ms(reference)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--postings", type=int, default=1_000_000)
    parser.add_argument("--kudos", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--database-url", default=None, help="PostgreSQL database to empty and use (default: SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="peerloop-bench-recognition-") as tmp:
        _setup_django(Path(tmp), args.database_url)
        from django.db import connection

        from peerloop.recognition import queries
        from peerloop.recognition.models import Posting

        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {connection.vendor}")
        started = time.perf_counter()
        ids = build(args.people, args.postings, args.seed)
        print(
            f"setup: {len(ids):,} people, {Posting.objects.count():,} postings in {time.perf_counter() - started:.1f} s"
        )
        rng = random.Random(args.seed + 1)
        throughput, references = [], []
        for run in range(args.runs):
            rate, reference = time_kudos(ids, args.kudos, rng)
            throughput.append(rate)
            references.append(reference)
            print(f"run {run + 1}: {rate:.0f} kudos/s (reference {reference:.0f} interactions/s)")
        reads = [time_reads(ids, rng) for _ in range(args.runs)]
        t0 = time.perf_counter()
        total = queries.ledger_total()
        check_s = time.perf_counter() - t0
        kudos_rate, ref_rate = statistics.median(throughput), statistics.median(references)
        balance = statistics.median(r["balance"] for r in reads)
        statement = statistics.median(r["statement"] for r in reads)
        reference = statistics.median(r["reference"] for r in reads)
        print(f"ledger: {Posting.objects.count():,} postings, sum {total} (checked in {check_s:.2f} s)")
        print(f"kudos_give: {kudos_rate:.0f} kudos/s, median of {args.runs} runs of {args.kudos}")
        print(f"  reference (one interaction per transaction): {ref_rate:.0f}/s; ratio {ref_rate / kudos_rate:.1f}x")
        print(f"balances_for: {balance:.2f} ms; statement page of 50: {statement:.2f} ms (medians over 300 people)")
        print(
            f"  reference (person by primary key): {reference:.2f} ms; ratios {balance / reference:.1f}x and "
            f"{statement / reference:.1f}x"
        )
        print(f"peak memory: {_peak_rss_mib():.0f} MiB")
        assert total == 0


if __name__ == "__main__":
    main()
