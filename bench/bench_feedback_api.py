"""Single-item API ingest against a bare Django view that inserts the same row.

Usage: .venv/bin/python bench/bench_feedback_api.py --db postgres|sqlite [--requests N] [--runs K]
    [--served] [--clients C]

Two ways to drive both, each request committed before it answers:

- in process (default): Django's test client, one request at a time, through the same WSGI
  handler and middleware: the cost of one request, without a network;
- ``--served``: granian serving Peerloop as ``peerloop serve`` does (2 workers of 4
  threads), C clients at once over keep-alive HTTP connections: what a server takes in
  per second. Concurrent commits share their flushes to disk (group commit on
  PostgreSQL), which a single client never shows.

The two views:

- api: ``POST /api/v1/feedback/items`` with a write token and an Idempotency-Key, one item
  (token, account and person read, schema validated, item stored by one INSERT that
  resolves its source and region and checks its key, receipt written, answer serialized);
- bare: a view (mounted by the benchmark only, bench/_feedback_bare_app.py) that parses
  the JSON and inserts the same row with ``FeedbackItem.objects.create``.

Processing (tagging and routing) is left to the background worker, as in production.
Prints requests per second (median of the runs), the ratio (the median of each run's ratio:
a run times both back to back) and, served, the p99 latency.
"""

import argparse
import http.client
import json
import os
from pathlib import Path
import socket
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _feedback_setup as setup

BENCH = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="sqlite")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--served", action="store_true", help="granian and concurrent clients")
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    setup.database(args.db)
    import _feedback_bare_app
    from peerloop.accounts.services import api_token_create, user_ensure
    from peerloop.core.roles import SYSTEM
    from peerloop.feedback.services.sources import source_for_kind
    from peerloop.people.models import Person

    setup.organization()
    source_for_kind(kind="api")
    user = user_ensure(email="ingest@example.org", role="program_owner")
    Person.objects.create(email="ingest@example.org", name="Ingest", user=user)
    _, secret = api_token_create(actor=SYSTEM, user=user, name="bench", scope="write")
    rows = iter(setup.records(args.requests * args.runs * 2, prefix="r"))

    def bodies() -> list[tuple[str, bytes]]:
        batch = []
        for _ in range(args.requests):
            r = next(rows)
            item = {"text": r["text"], "score": float(r["score"]), "region": r["region"],
                    "idempotency_key": r["idempotency_key"]}  # fmt: skip
            batch.append((r["idempotency_key"], json.dumps({"items": [item]}).encode()))
        return batch

    if args.served:
        from django.db import connections

        connections.close_all()
        drive = Served(args.clients, secret)
    else:
        _feedback_bare_app.mount()
        drive = InProcess(secret)  # type: ignore[assignment]
    api_times, bare_times, api_p99, bare_p99 = [], [], [], []
    try:
        for _ in range(args.runs):
            elapsed, p99 = drive.run("/api/bare/", bodies(), keyed=False)
            bare_times.append(elapsed)
            bare_p99.append(p99)
            elapsed, p99 = drive.run("/api/v1/feedback/items", bodies(), keyed=True)
            api_times.append(elapsed)
            api_p99.append(p99)
    finally:
        drive.close()
    api = args.requests / statistics.median(api_times)
    ref = args.requests / statistics.median(bare_times)
    how = f"granian, {args.clients} clients at once" if args.served else "one client in process"
    print(f"{args.db}: {args.requests:,} requests per run, median of {args.runs} runs, {how}")
    print(f"  API single-item ingest: {api:,.0f} requests/s ({', '.join(f'{t:.2f} s' for t in api_times)})")
    print(f"  bare view, same row:    {ref:,.0f} requests/s ({', '.join(f'{t:.2f} s' for t in bare_times)})")
    # Each run times the bare view and then the API back to back: the ratio within a run
    # cancels the machine's slower and faster spells better than a ratio of medians.
    ratios = sorted(b / a for a, b in zip(api_times, bare_times, strict=True))
    each = ", ".join(f"{r:.2f}" for r in ratios)
    print(f"  API / bare: {statistics.median(ratios):.2f} (each run: {each}; ratio of the medians {api / ref:.2f})")
    if args.served:
        print(f"  p99 latency: API {statistics.median(api_p99):.1f} ms, bare {statistics.median(bare_p99):.1f} ms")
    print(f"  peak memory (this process): {setup.peak_mib():.0f} MiB")


class InProcess:
    """Django's test client in this process, one request at a time."""

    def __init__(self, secret: str) -> None:
        from django.test import Client

        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def run(self, url: str, bodies: list[tuple[str, bytes]], *, keyed: bool) -> tuple[float, float]:
        started = time.perf_counter()
        for key, body in bodies:
            extra = {"HTTP_IDEMPOTENCY_KEY": key} if keyed else {}
            r = self.client.post(url, body, content_type="application/json", **extra)
            assert r.status_code == 201, r.content[:300]
        return time.perf_counter() - started, 0.0

    def close(self) -> None:
        pass


class Served:
    """granian serving the app of bench/_feedback_bare_app.py, as ``peerloop serve`` runs
    Peerloop (2 workers, 4 threads each), and clients on keep-alive connections."""

    def __init__(self, clients: int, secret: str) -> None:
        self.clients, self.secret = clients, secret
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        granian = str(Path(sys.executable).parent / "granian")
        self.server = subprocess.Popen(
            [granian, "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "2",
             "--blocking-threads", "4", "--log-level", "warning", "_feedback_bare_app:application"],
            cwd=BENCH, env={**os.environ, "PYTHONPATH": str(BENCH)},
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/api/v1/openapi.json")
                connection.getresponse().read()
                connection.close()
                break
            except OSError:
                if time.monotonic() > deadline or self.server.poll() is not None:
                    raise SystemExit("granian did not start") from None
                time.sleep(0.2)

    def run(self, url: str, bodies: list[tuple[str, bytes]], *, keyed: bool) -> tuple[float, float]:
        shares = [bodies[i :: self.clients] for i in range(self.clients)]
        latencies: list[float] = []
        failures: list[str] = []
        start = threading.Barrier(self.clients + 1)

        def client(share: list[tuple[str, bytes]]) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            mine = []
            start.wait()
            for key, body in share:
                headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.secret}"}
                if keyed:
                    headers["Idempotency-Key"] = key
                sent = time.perf_counter()
                connection.request("POST", url, body, headers)
                response = connection.getresponse()
                answer = response.read()
                mine.append(time.perf_counter() - sent)
                if response.status != 201:
                    failures.append(f"{response.status}: {answer[:200]!r}")
            connection.close()
            latencies.extend(mine)

        threads = [threading.Thread(target=client, args=(share,)) for share in shares]
        for thread in threads:
            thread.start()
        start.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        assert not failures, failures[:3]
        latencies.sort()
        return elapsed, latencies[int(len(latencies) * 0.99) - 1] * 1000

    def close(self) -> None:
        self.server.terminate()
        try:
            self.server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.server.kill()


if __name__ == "__main__":
    main()
