"""Single-item API ingest against a bare Django view that inserts the same row.

Usage: .venv/bin/python bench/bench_feedback_api.py --db postgres|sqlite [--requests N] [--runs K]
    [--served [--client python|wrk] [--seconds S]] [--clients C]

Two ways to drive both, each request committed before it answers:

- in process (default): Django's test client, one request at a time, through the same WSGI
  handler and middleware: the cost of one request, without a network;
- ``--served``: granian serving Peerloop as ``peerloop serve`` does (2 workers of 4
  threads), C clients at once over keep-alive HTTP connections: what a server takes in
  per second. Concurrent commits share their flushes to disk (group commit on
  PostgreSQL), which a single client never shows. ``--client`` says what drives them:

  - ``python`` (default): C threads of http.client in this process, N requests a view;
  - ``wrk`` (Debian's ``wrk``): a C load generator, C connections on 2 threads, S seconds a
    view (bench/_feedback_wrk.lua sends the Python client's bodies, each with a key of its
    own). On 2 cores the Python client takes a large share of the CPU the server and the
    database need, so its figures understate what the server takes in; wrk, using little
    CPU, leaves the cores to them. An answer other than 201 or a socket error fails the
    run, and the rows a view added must match the requests wrk completed (up to C more:
    requests in flight when it stops, which the server still commits).

The two views:

- api: ``POST /api/v1/feedback/items`` with a write token and an Idempotency-Key, one item
  (token, account and person read, schema validated, item and receipt stored by one
  statement that resolves the item's source and region and checks both keys, answer
  serialized);
- bare: a view (mounted by the benchmark only, bench/_feedback_bare_app.py) that parses
  the JSON and inserts the same row with ``FeedbackItem.objects.create``.

Processing (tagging and routing) is left to the background worker, as in production.
Prints requests per second (median of the runs), the ratio (the median of each run's ratio:
a run times both back to back) and, served, the p99 latency.
"""

import argparse
from dataclasses import dataclass
import http.client
import json
import os
from pathlib import Path
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _feedback_setup as setup

BENCH = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="sqlite")
    parser.add_argument("--requests", type=int, default=2000, help="a view's requests (wrk: bodies it cycles)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--served", action="store_true", help="granian and concurrent clients")
    parser.add_argument("--client", choices=("python", "wrk"), default="python", help="what drives --served")
    parser.add_argument("--seconds", type=int, default=10, help="wrk: each view's duration")
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    if args.client == "wrk" and not args.served:
        parser.error("--client wrk drives a server: add --served")
    if args.client == "wrk" and shutil.which("wrk") is None:
        parser.error("wrk is not on PATH: apt-get install wrk")
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
        drive = Wrk(args.clients, secret, args.seconds) if args.client == "wrk" else Served(args.clients, secret)
    else:
        _feedback_bare_app.mount()
        drive = InProcess(secret)  # type: ignore[assignment]
    api_runs: list[Phase] = []
    bare_runs: list[Phase] = []
    try:
        for _ in range(args.runs):
            bare_runs.append(drive.run("/api/bare/", bodies(), keyed=False))
            api_runs.append(drive.run("/api/v1/feedback/items", bodies(), keyed=True))
    finally:
        drive.close()
    if isinstance(drive, Wrk):
        # A fixed time, so each run's figure is a rate.
        api = statistics.median(p.rate for p in api_runs)
        ref = statistics.median(p.rate for p in bare_runs)
        api_each = ", ".join(f"{p.rate:,.0f}/s" for p in api_runs)
        bare_each = ", ".join(f"{p.rate:,.0f}/s" for p in bare_runs)
        how = f"wrk, {args.clients} connections on {drive.threads} threads"
        print(f"{args.db}: {args.seconds} s a view per run, median of {args.runs} runs, granian, {how}")
    else:
        api = args.requests / statistics.median(p.seconds for p in api_runs)
        ref = args.requests / statistics.median(p.seconds for p in bare_runs)
        api_each = ", ".join(f"{p.seconds:.2f} s" for p in api_runs)
        bare_each = ", ".join(f"{p.seconds:.2f} s" for p in bare_runs)
        how = f"granian, {args.clients} clients at once" if args.served else "one client in process"
        print(f"{args.db}: {args.requests:,} requests per run, median of {args.runs} runs, {how}")
    print(f"  API single-item ingest: {api:,.0f} requests/s ({api_each})")
    print(f"  bare view, same row:    {ref:,.0f} requests/s ({bare_each})")
    # Each run times the bare view and then the API back to back: the ratio within a run
    # cancels the machine's slower and faster spells better than a ratio of medians.
    ratios = sorted(a.rate / b.rate for a, b in zip(api_runs, bare_runs, strict=True))
    each = ", ".join(f"{r:.2f}" for r in ratios)
    print(f"  API / bare: {statistics.median(ratios):.2f} (each run: {each}; ratio of the medians {api / ref:.2f})")
    if args.served:
        api_p99 = statistics.median(p.p99 for p in api_runs)
        bare_p99 = statistics.median(p.p99 for p in bare_runs)
        print(f"  p99 latency: API {api_p99:.1f} ms, bare {bare_p99:.1f} ms")
    print(f"  peak memory (this process): {setup.peak_mib():.0f} MiB")


@dataclass(frozen=True)
class Phase:
    """One view's timed phase of a run: requests answered, in seconds, p99 latency in ms."""

    requests: int
    seconds: float
    p99: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


class InProcess:
    """Django's test client in this process, one request at a time."""

    def __init__(self, secret: str) -> None:
        from django.test import Client

        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def run(self, url: str, bodies: list[tuple[str, bytes]], *, keyed: bool) -> Phase:
        started = time.perf_counter()
        for key, body in bodies:
            extra: dict[str, Any] = {"HTTP_IDEMPOTENCY_KEY": key} if keyed else {}
            r = self.client.post(url, body, content_type="application/json", **extra)
            assert r.status_code == 201, r.content[:300]
        return Phase(len(bodies), time.perf_counter() - started, 0.0)

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

    def run(self, url: str, bodies: list[tuple[str, bytes]], *, keyed: bool) -> Phase:
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
        return Phase(len(bodies), elapsed, latencies[int(len(latencies) * 0.99) - 1] * 1000)

    def close(self) -> None:
        self.server.terminate()
        try:
            self.server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.server.kill()


class Wrk(Served):
    """The same server driven by wrk for a fixed time: C connections on 2 threads of a C
    load generator, which leaves the cores to the server and the database."""

    def __init__(self, clients: int, secret: str, seconds: int) -> None:
        super().__init__(clients, secret)
        self.seconds, self.threads = seconds, min(2, clients)
        # Keys unique across phases, runs and invocations: a phase's prefix, then wrk's
        # thread and its count (bench/_feedback_wrk.lua).
        self.prefix, self.phases = f"wrk{secrets.token_hex(3)}", 0

    def run(self, url: str, bodies: list[tuple[str, bytes]], *, keyed: bool) -> Phase:
        from peerloop.feedback.models import FeedbackItem

        self.phases += 1
        prefix = f"{self.prefix}-{self.phases}"
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", prefix="feedback-wrk-") as lines:
            for key, body in bodies:
                # wrk puts each request's own key where the Python client's was.
                line, found = re.subn(
                    rb'"idempotency_key": "' + re.escape(key.encode()) + rb'"', b'"idempotency_key": "@KEY@"', body
                )
                assert found == 1, body
                lines.write(line.decode() + "\n")
            lines.flush()
            before = FeedbackItem.objects.count()
            command = [
                "wrk", f"-t{self.threads}", f"-c{self.clients}", f"-d{self.seconds}s", "--timeout", "60s", "--latency",
                "-s", str(BENCH / "_feedback_wrk.lua"), f"http://127.0.0.1:{self.port}{url}",
                "--", lines.name, prefix, "keyed" if keyed else "bare",
            ]  # fmt: skip
            done = subprocess.run(
                command, capture_output=True, text=True, env={**os.environ, "FEEDBACK_WRK_TOKEN": self.secret}
            )
        out = done.stdout
        if done.returncode != 0 or done.stderr.strip():
            raise SystemExit(f"wrk failed on {url} ({done.returncode}):\n{done.stderr}{out}")
        answered = int(_match(r"(\d+) requests in ", out))
        not_201 = int(_match(r"not 201: (\d+)", out))  # printed by the script's done()
        # wrk prints these two lines only when there are any.
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        errors = re.search(r"Socket errors: (.*)", out)
        if not_201 or non_2xx or errors:
            raise SystemExit(
                f"{url}: {not_201:,} of {answered:,} answers not 201 ({non_2xx[1] if non_2xx else 0} not 2xx or 3xx), "
                f"socket errors: {errors[1] if errors else 'none'}\n{out}"
            )
        added = _settled_count() - before
        print(f"  {url}: wrk completed {answered:,} requests, {added:,} rows added", flush=True)
        # wrk does not count the requests in flight when it stops, which the server still
        # commits: at most one a connection.
        if not 0 <= added - answered <= self.clients:
            raise SystemExit(f"{url}: {added:,} rows added for {answered:,} requests completed\n{out}")
        rate = float(_match(r"Requests/sec:\s+([\d.]+)", out))
        p99 = _milliseconds(_match(r"\s99%\s+([\d.]+\w+)", out))
        return Phase(answered, answered / rate, p99)


def _settled_count() -> int:
    """Feedback items once the server has committed the requests in flight: the count,
    once it holds for half a second."""
    from peerloop.feedback.models import FeedbackItem

    count = FeedbackItem.objects.count()
    while True:
        time.sleep(0.5)
        now = FeedbackItem.objects.count()
        if now == count:
            return count
        count = now


def _match(pattern: str, out: str) -> str:
    found = re.search(pattern, out)
    if found is None:
        raise SystemExit(f"no {pattern!r} in wrk's output:\n{out}")
    return found.group(1)


def _milliseconds(text: str) -> float:
    """wrk's latency ("812.00us", "15.23ms", "1.02s", "1.50m") in milliseconds."""
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


if __name__ == "__main__":
    main()
