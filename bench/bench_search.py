"""Discussions search: ranked p50/p95 over N posts on SQLite FTS5 or PostgreSQL full-text,
the time from posting a reply to finding it, and the server time of a 200-post thread page.

Usage: .venv/bin/python bench/bench_search.py --backend sqlite|postgres [--posts 100000] [--queries 300]
       [--runs 3] [--reuse]

Posts: words drawn from the real word frequencies of the Stack Exchange dba and physics
questions under /work/shared/data/stackexchange (CC BY-SA 4.0, see its README), 20-160
words each, in 200 spaces, written straight into the search tables in bulk (SQLite:
executemany into the documents and the FTS5 table; PostgreSQL: COPY, the tsvector is a
generated column). The actor reads 40 of the 200 spaces (a member of several communities).

Query mix (deterministic for the seed): 35% one common word (from the 60 most frequent
non-stop words), 20% one mid-frequency word, 15% two words, 15% a prefix of 3-5 letters
of a common word, 10% a quoted two-word phrase, 5% rare words. Each query asks the
interface (discussions.search.search) for the top 20 with snippets, as the search page
does. The reference, in the same run, is the naive ranked query on the same database
for the same queries: every match ranked (ORDER BY bm25 / ts_rank over all matches).

Reply visible: a reply posted through services.post_create (its transaction committed)
and then searched for by a word only it has; the figure is the median time from the call
to the first search that returns it. Thread page: a thread with 200 replies rendered by
the real view through Django's test client (median of --runs, after one warm-up).
"""

import argparse
from collections import Counter
import os
from pathlib import Path
import random
import statistics
import sys
import tempfile
import time

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DATA = Path("/work/shared/data/stackexchange")
STOP_WORDS = (
    "the a an and or of to in is it that this for on with as be are was by at from not i you we "
    "they he she but if can have has do does so what which how when where there their my your our "
    "its any all some no one would will should could may might also than then them these those into "
    "about just more most other such only use using used am been being were did get got like need "
    "want way know think"
)
STOP = frozenset(STOP_WORDS.split(" "))
SPACES = 200
READABLE = 40


def vocabulary() -> tuple[list[str], list[float]]:
    counts: Counter[str] = Counter()
    for site in ("dba", "physics"):
        for name in ("Q_content.txt", "Q_title.txt"):
            for line in (DATA / site / name).read_text(errors="replace").splitlines():
                counts.update(w for w in line.split()[1:] if w.isalpha() and 2 <= len(w) <= 20)
    words = [w for w, _ in counts.most_common(30000)]
    weights = [counts[w] for w in words]
    return words, weights


def documents(n: int, seed: int, words: list[str], weights: list[float]):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    batch = 20000
    made = 0
    while made < n:
        k = min(batch, n - made)
        lengths = [rng.randint(20, 160) for _ in range(k)]
        flat = rng.choices(words, weights=weights, k=sum(lengths))
        start = 0
        for i, length in enumerate(lengths):
            body = " ".join(flat[start : start + length])
            start += length
            title = " ".join(flat[start - length : start - length + 8]) if (made + i) % 10 == 0 else ""
            yield made + i + 1, (made + i) % SPACES + 1, title, body
        made += k


def query_mix(count: int, seed: int, words: list[str]) -> list[str]:
    rng = random.Random(seed + 1)
    content = [w for w in words if w not in STOP]
    common, mid, rare = content[:60], content[200:2000], content[8000:20000]
    queries = []
    for i in range(count):
        r = (i * 37 % 100) / 100
        if r < 0.35:
            queries.append(rng.choice(common))
        elif r < 0.55:
            queries.append(rng.choice(mid))
        elif r < 0.70:
            queries.append(f"{rng.choice(common)} {rng.choice(mid)}")
        elif r < 0.85:
            w = rng.choice([w for w in common if len(w) >= 5])
            queries.append(w[: rng.randint(3, 5)] + "*")
        elif r < 0.95:
            queries.append(f'"{rng.choice(common)} {rng.choice(common)}"')
        else:
            queries.append(rng.choice(rare))
    return queries


def setup_django(backend: str, keep: bool) -> str:
    if backend == "sqlite":
        folder = Path(tempfile.gettempdir()) / "peerloop-bench-search"
        folder.mkdir(exist_ok=True)
        path = folder / "bench.sqlite3"
        if not keep:
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        import psycopg

        name = os.environ.get("BENCH_DB", "bench_discuss")
        with psycopg.connect("postgresql://root@127.0.0.1:5432/postgres", autocommit=True) as conn:
            if not keep:
                conn.execute(f"DROP DATABASE IF EXISTS {name}")
                conn.execute(f"CREATE DATABASE {name}")
        os.environ["DATABASE_URL"] = f"postgres://root@127.0.0.1:5432/{name}"
    os.environ.setdefault("PEERLOOP_PROFILE", "test")
    os.environ["PEERLOOP_DATA_DIR"] = str(Path(tempfile.gettempdir()) / "peerloop-bench-search")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerloop.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return os.environ["DATABASE_URL"]


def load(backend: str, n: int, seed: int, words, weights) -> float:  # type: ignore[no-untyped-def]
    from django.db import connection, transaction

    from peerloop.discussions.models import SearchDoc

    if SearchDoc.objects.count() >= n:
        return 0.0
    started = time.perf_counter()
    now = "2026-01-01 00:00:00+00"
    if backend == "sqlite":
        with transaction.atomic(), connection.cursor() as cursor:
            rows = []
            for doc_id, space, title, body in documents(n, seed, words, weights):
                rows.append((doc_id, space, title, body))
                if len(rows) == 20000:
                    _sqlite_rows(cursor, rows, now)
                    rows = []
            if rows:
                _sqlite_rows(cursor, rows, now)
    else:
        raw = connection.cursor().connection
        with raw.cursor() as cursor:
            copy_sql = (
                "COPY discussions_searchdoc (id, kind, space_id, thread_kind, created_at, visible, title, body) "
                "FROM STDIN"
            )
            with cursor.copy(copy_sql) as copy:
                for doc_id, space, title, body in documents(n, seed, words, weights):
                    copy.write_row((doc_id, "post", space, "question", now, True, title, body))
            cursor.execute("SELECT setval('discussions_searchdoc_id_seq', (SELECT max(id) FROM discussions_searchdoc))")
            cursor.execute("ANALYZE discussions_searchdoc")
        raw.commit()
    return time.perf_counter() - started


def _sqlite_rows(cursor, rows, now) -> None:  # type: ignore[no-untyped-def]
    cursor.executemany(
        "INSERT INTO discussions_searchdoc (id, kind, space_id, thread_kind, created_at, visible, title, body) "
        "VALUES (%s, 'post', %s, 'question', %s, 1, %s, %s)",
        [(d, s, now, t, b) for d, s, t, b in rows],
    )
    cursor.executemany(
        "INSERT INTO discussions_fts (rowid, title, body, spaces) VALUES (%s, %s, %s, %s)",
        [(d, t, b, f"s{s}") for d, s, t, b in rows],
    )


def naive(backend: str, text: str, spaces: list[int]) -> None:
    """The reference: every match ranked, top 20."""
    from django.db import connection

    from peerloop.discussions import search

    parsed = search.parse(text)
    marks = ",".join(["%s"] * len(spaces))
    with connection.cursor() as cursor:
        if backend == "sqlite":
            cursor.execute(
                "SELECT f.rowid, bm25(discussions_fts, 4.0, 1.0) AS score FROM discussions_fts f "
                f"JOIN discussions_searchdoc d ON d.id = f.rowid WHERE discussions_fts MATCH %s AND d.visible "
                f"AND d.space_id IN ({marks}) ORDER BY score LIMIT 20",
                [search._fts5_expr(parsed), *spaces],
            )
        else:
            cursor.execute(
                "SELECT d.id, ts_rank_cd(d.tsv, q) AS score FROM discussions_searchdoc d, "
                f"to_tsquery('english', %s) q WHERE d.tsv @@ q AND d.visible AND d.space_id IN ({marks}) "
                "ORDER BY score DESC LIMIT 20",
                [search._tsquery(parsed), *spaces],
            )
        cursor.fetchall()


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def timed(fn, queries: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for q in queries:
        start = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - start) * 1000)
    return out


def reply_and_page(runs: int) -> tuple[float, float, int]:
    """Median ms from post_create to the reply being found; median server ms of a 200-post thread page."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from peerloop.accounts.services import user_ensure
    from peerloop.core.roles import SiteRole
    from peerloop.discussions import permissions, search, services
    from peerloop.people.models import Person
    from peerloop.people.queries import actor_for_user
    from peerloop.spaces.models import Membership, Space

    user = user_ensure(email="bench-asker@example.org", role=SiteRole.MEMBER)
    person, _ = Person.objects.get_or_create(email="bench-asker@example.org", defaults={"name": "Bench Asker"})
    person.user = user
    person.save()
    space, _ = Space.objects.get_or_create(slug="bench-community", defaults={"name": "Bench", "kind": "community"})
    Membership.objects.get_or_create(space=space, person=person, defaults={"role": "host"})
    actor = actor_for_user(user)
    thread = services.thread_create(
        actor=actor, space_id=space.pk, kind="question", title="Bench thread", body="A question"
    )
    readable = permissions.readable_space_ids(actor)
    latencies = []
    for i in range(max(5, runs)):
        word = f"zqxmarker{i}x{random.randint(0, 10**9)}"
        start = time.perf_counter()
        services.post_create(actor=actor, thread_id=thread.pk, body=f"Reply with {word} inside")
        while not search.search(text=word, filters=search.Filters(space_ids=readable)):
            pass
        latencies.append((time.perf_counter() - start) * 1000)
    for i in range(200 - thread.posts.count() + 1):
        services.post_create(
            actor=actor, thread_id=thread.pk, body=f"Reply **{i}** with `code` and a [link](https://example.org/{i})."
        )
    client = Client()
    client.force_login(user)
    url = reverse("discussions:thread", args=[thread.pk])
    client.get(url)
    pages = []
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            pages.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200 and response.content.count(b'<article class="post') == 201
        queries = len(captured)
    return statistics.median(latencies), statistics.median(pages), queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--keep", "--reuse", dest="keep", action="store_true", help="reuse the loaded database of an earlier run"
    )
    args = parser.parse_args()
    url = setup_django(args.backend, args.keep)
    from peerloop.discussions import search

    words, weights = vocabulary()
    seconds = load(args.backend, args.posts, args.seed, words, weights)
    rng = random.Random(args.seed)
    spaces = sorted(rng.sample(range(1, SPACES + 1), READABLE))
    filters = search.Filters(space_ids=frozenset(spaces))
    queries = query_mix(args.queries, args.seed, words)
    for q in queries[:20]:  # warm the caches
        search.search(text=q, filters=filters)
    ours_p50, ours_p95, ref_p50, ref_p95, hits = [], [], [], [], 0
    for _ in range(args.runs):
        ours = timed(lambda q: search.search(text=q, filters=filters), queries)
        ref = timed(lambda q: naive(args.backend, q, spaces), queries)
        ours_p50.append(percentile(ours, 50))
        ours_p95.append(percentile(ours, 95))
        ref_p50.append(percentile(ref, 50))
        ref_p95.append(percentile(ref, 95))
    hits = sum(1 for q in queries if search.search(text=q, filters=filters))
    reply_ms, page_ms, page_queries = reply_and_page(args.runs)
    p95, rp95 = statistics.median(ours_p95), statistics.median(ref_p95)
    print(
        f"backend {args.backend} ({url.split('@')[-1]}), {args.posts:,} posts, loaded in {seconds:.0f} s; "
        f"{len(queries)} queries ({hits} with hits), median of {args.runs} runs"
    )
    print(
        "| backend | posts | p50 ms | p95 ms | naive p50 ms | naive p95 ms | p95 ratio (naive / ours) | "
        "reply visible ms | 200-post page ms (queries) |"
    )
    print(
        f"| {args.backend} | {args.posts:,} | {statistics.median(ours_p50):.1f} | {p95:.1f} | "
        f"{statistics.median(ref_p50):.1f} | {rp95:.1f} | {rp95 / p95:.1f} | {reply_ms:.1f} | "
        f"{page_ms:.1f} ({page_queries}) |"
    )


if __name__ == "__main__":
    main()
