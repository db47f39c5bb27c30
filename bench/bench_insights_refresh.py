"""Insights refreshes through the database: a full recompute of 10,000,000 interactions (reading
them from the database included) beside an incremental refresh after 100,000 new ones.

Usage: .venv/bin/python bench/bench_insights_refresh.py [--people N] [--interactions M] [--new K]
       [--runs R] [--database-url postgres://...] [--from-arrays]

With --from-arrays, no database: the stream of bench_insights.py is handed to the refresh's
own functions as arrays (what a refresh does after reading the rows), a full refresh (rollups of
the whole stream and of one program's audience of 10% of the people, every figure, the graph
metrics, the rollups written out) beside an incremental one (the stored rollups read back, the
rollups of K new rows added, every figure but the graph metrics, written out again).

Setup (not timed): a fresh database (SQLite in a temporary folder unless --database-url; the
database given is flushed), the organization and the year of interactions of
bench_insights.py (seed 42) written straight into the tables. Then R times, in this order:
1. a full refresh (``snapshot_refresh``), split into reading the window's rows from the
   database into arrays, computing, and storing the snapshot with its rollup;
2. K new interactions written (not timed);
3. an incremental refresh (``snapshot_refresh(incremental=True)``) adding them to the latest
   snapshot's rollup.
Each incremental refresh adds exactly K rows to the full refresh just before it. Prints the
load average with each figure: the machine is shared.
"""

import argparse
import os
from pathlib import Path
import platform
import resource
import statistics
import sys
import tempfile
import time

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))


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


def _peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _write_rows(person_ids: np.ndarray, actor: np.ndarray, target: np.ndarray, seconds: np.ndarray, first: int) -> None:
    """Interactions straight into the table (SQLite: executemany; PostgreSQL: COPY)."""
    from datetime import UTC, datetime

    from django.db import connection, transaction

    from peerloop.core.models import Interaction

    table = Interaction._meta.db_table
    columns = "occurred_at, kind, actor_id, target_id, space_id, object_type, object_id, weight, event_id"
    stamp = connection.ops.adapt_datetimefield_value
    chunk = 500_000
    for start in range(0, len(actor), chunk):
        end = min(start + chunk, len(actor))
        rows = [
            (
                stamp(datetime.fromtimestamp(int(s), UTC)),
                "message.sent",
                int(a),
                int(t),
                None,
                "",
                "",
                1.0,
                f"{first + start + k:032x}",
            )
            for k, (a, t, s) in enumerate(
                zip(person_ids[actor[start:end]], person_ids[target[start:end]], seconds[start:end], strict=True)
            )
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                    for row in rows:
                        copy.write_row(row)
            else:
                sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
                cursor.executemany(sql, rows)


def build(people: int, interactions: int, end: int) -> np.ndarray:
    """The organization and the stream of bench_insights.py in the database; returns the person ids."""
    from django.core.management import call_command
    from django.db import connection

    from bench_insights import YEAR, synthetic
    from peerloop.people.models import Person, Region, Unit

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    org, stream = synthetic(people, interactions)
    units = Unit.objects.bulk_create(
        [Unit(name=f"Unit {u}", code=f"unit-{u}") for u in range(int(org.unit.max()) + 1)], batch_size=5000
    )
    regions = Region.objects.bulk_create(
        [Region(name=f"Region {r}", code=f"region-{r}") for r in range(int(org.region.max()) + 1)]
    )
    Person.objects.bulk_create(
        [
            Person(
                name=f"Person {i}",
                email=f"person{i}@example.org",
                level=int(org.level[i]),
                unit=units[int(org.unit[i])],
                region=regions[int(org.region[i])],
            )
            for i in range(people)
        ],
        batch_size=5000,
    )
    ids = np.array(Person.objects.order_by("id").values_list("id", flat=True), dtype=np.int64)
    managers = [(int(ids[m]), int(ids[i])) for i, m in enumerate(org.manager.tolist()) if m >= 0]
    with connection.cursor() as cursor:
        table = Person._meta.db_table
        cursor.executemany(f"UPDATE {table} SET manager_id = %s WHERE id = %s", managers)
    # The year of bench_insights.py squeezed into the refresh's window of twelve 30-day months.
    span = 360 * 86400
    seconds = end - span + stream.at * span // YEAR
    _write_rows(ids, stream.actor, stream.target, seconds, 0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return ids


def from_arrays(people: int, interactions: int, new: int, runs: int) -> None:
    from bench_insights import YEAR, synthetic
    from peerloop.insights import graph as G
    from peerloop.insights import rollup, services

    org, stream = synthetic(people, interactions)
    span = 360 * 86400
    start = 1_780_000_000
    at = start + stream.at * span // YEAR
    ids = np.arange(people, dtype=np.int64)
    unit_code, unit_ids, unit_sizes = services._groups(org.unit, np.ones(people, dtype=bool))
    region_code, region_ids, region_sizes = services._groups(org.region, np.ones(people, dtype=bool))
    audience = np.zeros(people, dtype=bool)
    audience[:: max(people // (people // 10), 1)] = True
    directory = services.Directory(
        person_ids=ids,
        org=G.Org(unit=org.unit, region=org.region, level=org.level, manager=org.manager),
        coded=G.Org(unit=unit_code, region=region_code, level=org.level, manager=org.manager),
        active=np.ones(people, dtype=bool),
        unit_ids=unit_ids,
        region_ids=region_ids,
        unit_sizes=unit_sizes,
        region_sizes=region_sizes,
        unit_names={},
        region_names={},
        audiences={1: audience},
        fingerprint="bench",
    )
    none = np.empty(0, dtype=np.int64)
    events = (none, np.empty(0, dtype=str), none, none, none, np.empty(0, dtype=str))

    def rows(actor, target, when, first_id):
        return services.Rows(
            flows=G.Stream(actor, target, when, np.ones(len(actor))),
            rows=len(actor),
            last_id=first_id + len(actor),
            stage_rows=(actor, np.zeros(len(actor), dtype=np.int64)),
            events=events,
        )

    rng = np.random.default_rng(7)
    fulls, incrementals = [], []
    for run in range(runs):
        t0 = time.perf_counter()
        whole = services._rollups(directory, rows(stream.actor, stream.target, at, 0), start)
        services._figures(directory, whole, 12)
        services._graph_figures(directory, G.Stream(stream.actor, stream.target, at, stream.weight))
        blob = rollup.to_bytes(whole)
        fulls.append(time.perf_counter() - t0)
        print(
            f"  full refresh from arrays: {fulls[-1]:.1f} s, rollups {len(blob) / 2**20:.0f} MiB; {_load()}", flush=True
        )
        actor, target = rng.integers(0, people, new), rng.integers(0, people, new)
        when = start + span + np.sort(rng.integers(0, 3600, new))
        t0 = time.perf_counter()
        stored = rollup.from_bytes(blob)
        added = services._rollups(directory, rows(actor, target, when, 10**9 + run * new), start)
        merged = {name: rollup.merge(stored[name], added[name]) for name in stored}
        services._figures(directory, merged, 13)
        rollup.to_bytes(merged)
        incrementals.append(time.perf_counter() - t0)
        print(f"  incremental refresh of {new:,} new from arrays: {incrementals[-1]:.2f} s; {_load()}", flush=True)
    print(
        f"{people:,} people, {interactions:,} interactions, from arrays: incremental refresh after {new:,} new, "
        f"median of {runs}: {statistics.median(incrementals):.2f} s; full refresh median "
        f"{statistics.median(fulls):.1f} s; full / incremental "
        f"{statistics.median(f / i for f, i in zip(fulls, incrementals, strict=True)):.1f}x; peak memory "
        f"{_peak_mib():.0f} MiB; {_load()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=10_000_000)
    parser.add_argument("--new", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--from-arrays", action="store_true")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="bench-insights-")
    _setup_django(Path(tmp.name), args.database_url)
    if args.from_arrays:
        print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
        from_arrays(args.people, args.interactions, args.new, args.runs)
        return
    from datetime import UTC, datetime, timedelta

    from django.db import connection

    from peerloop.core.roles import SYSTEM
    from peerloop.insights import services

    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"database: {connection.vendor}")
    end = int(datetime(2026, 6, 1, tzinfo=UTC).timestamp())
    t0 = time.perf_counter()
    ids = build(args.people, args.interactions, end)
    print(f"setup: {args.people:,} people, {args.interactions:,} interactions in {time.perf_counter() - t0:.0f} s")
    rng = np.random.default_rng(7)
    hour = 3600
    fulls, reads, incrementals = [], [], []
    for run in range(args.runs):
        now = datetime.fromtimestamp(end + run * hour, UTC)
        marks: list[float] = []

        def mark(done: int, total: int, marks: list[float] = marks) -> None:
            marks.append(time.perf_counter())

        t0 = time.perf_counter()
        full = services.snapshot_refresh(actor=SYSTEM, now=now, progress=mark)
        fulls.append(time.perf_counter() - t0)
        reads.append(marks[1] - marks[0])
        print(
            f"  full refresh of {full.interactions:,} interactions: {fulls[-1]:.1f} s (reading the rows "
            f"{reads[-1]:.1f} s, computing {marks[2] - marks[1]:.1f} s, storing {t0 + fulls[-1] - marks[2]:.1f} s); "
            f"{_load()}",
            flush=True,
        )
        new = args.new
        at = end + run * hour + np.sort(rng.integers(0, hour, new))
        _write_rows(ids, rng.integers(0, len(ids), new), rng.integers(0, len(ids), new), at, 10**9 + run * new)
        t0 = time.perf_counter()
        inc = services.snapshot_refresh(
            actor=SYSTEM, now=now + timedelta(seconds=hour), incremental=True, progress=lambda d, t: None
        )
        incrementals.append(time.perf_counter() - t0)
        assert inc.data["refresh"]["mode"] == "incremental", inc.data["refresh"]
        assert inc.data["refresh"]["new_interactions"] == new
        print(
            f"  incremental refresh adding {new:,} interactions to {full.interactions:,}: {incrementals[-1]:.2f} s; "
            f"{_load()}",
            flush=True,
        )
    print(
        f"{args.people:,} people, {args.interactions:,} interactions, {connection.vendor}: incremental refresh "
        f"after {args.new:,} new, median of {args.runs}: {statistics.median(incrementals):.2f} s; full refresh "
        f"median {statistics.median(fulls):.1f} s (of which reading the rows {statistics.median(reads):.1f} s); "
        f"full / incremental {statistics.median(f / i for f, i in zip(fulls, incrementals, strict=True)):.1f}x; "
        f"peak memory {_peak_mib():.0f} MiB; {_load()}"
    )


if __name__ == "__main__":
    main()
