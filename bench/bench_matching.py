"""Peer matching: a 100,000-person round, candidates plus matching end to end.

Usage: .venv/bin/python bench/bench_matching.py [--people N] [--runs K] [--seed S] [--million]
       [--skip-quality]

Generates a synthetic organization (deterministic seed): levels 1-9 in a pyramid, units of
about 60 people in 24 divisions, 16 regions with their UTC offsets, 30 role families tied to
the divisions, a manager for everyone but the top, 0-3 of 60 topics, and 3 previous rounds of
pairs as recent pairs (plus 0.1% blocked pairs). Each run builds the candidate graph and the
matching in a child process of its own (peak memory = that process's maximum resident set);
the figure is the median of the runs. The reference, timed in the same child process on
the same candidate graph, is the plain greedy matching (heaviest edge first, one edge at a
time). Quality: networkx.max_weight_matching (exact) on the same
candidate graph for 2,000 people and on the complete graph for 500 people, timed in the same
run. --million adds one 1,000,000-person run.
"""

import argparse
import multiprocessing
from pathlib import Path
import platform
import resource
import statistics
import sys
import time

import numpy as np

# Run from a checkout: the package is under src/ (a spawned run inherits this path).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from peerloop.matching import engine_pairs
from peerloop.matching.engine import Constraints, Criteria, Pool, candidates, match_pairs

REGION_OFFSETS = [7, -3, 0, 1, 2, 5.5, 8, 9, -5, -6, -8, 10, 3, 4, -4, 1]


def synthetic_org(n: int, seed: int = 42, *, with_topics: bool = True) -> Pool:
    """A plausible organization of n people (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    weights = np.array([30, 24, 18, 12, 8, 4, 2, 1, 0.5])
    level = rng.choice(np.arange(1, 10), size=n, p=weights / weights.sum()).astype(np.int16)
    units = max(2, n // 60)
    unit = rng.integers(0, units, size=n)
    division = unit % 24
    region = (unit * 7 + rng.integers(0, 3, size=n)) % len(REGION_OFFSETS)
    offsets = np.asarray(REGION_OFFSETS, dtype=np.float32)[region]
    role = (division + rng.integers(0, 2, size=n) * 24) % 30
    person_ids = np.arange(1, n + 1, dtype=np.int64) * 3 + 1000
    # Managers: someone one or two levels up in the same unit when there is one, else anyone above.
    manager = np.full(n, -1, dtype=np.int64)
    order = np.lexsort((-level, unit))
    first_of_unit = np.r_[True, unit[order][1:] != unit[order][:-1]]
    head = np.maximum.accumulate(np.where(first_of_unit, np.arange(n), 0))
    boss = order[head]
    has = boss != order
    manager[order[has]] = person_ids[boss[has]]
    topics: list[frozenset[int]] = []
    if with_topics:
        count = rng.integers(0, 4, size=n)
        flat = rng.integers(0, 60, size=int(count.sum()))
        cut = np.cumsum(count)[:-1]
        topics = [frozenset(t.tolist()) for t in np.split(flat, cut)]
    else:
        topics = [frozenset()] * n
    metric = np.round(rng.normal(80, 8, size=n), 1)
    return Pool(
        person_ids=person_ids,
        unit=unit,
        unit_path=[],
        region=region,
        level=level,
        role_family=role,
        manager=manager,
        utc_offset_hours=offsets,
        topics=topics,
        metric=metric,
    )


def history(pool: Pool, rounds: int, seed: int) -> Constraints:
    """Recent pairs from ``rounds`` previous rounds (random pairs at the same level) and 0.1% blocked pairs."""
    rng = np.random.default_rng(seed + 1)
    ids = pool.person_ids
    recent: dict[tuple[int, int], int] = {}
    for ago in range(rounds, 0, -1):
        order = np.lexsort((rng.random(pool.n), pool.level))
        a, b = ids[order[0::2][: pool.n // 2]], ids[order[1::2][: pool.n // 2]]
        for x, y in zip(np.minimum(a, b).tolist(), np.maximum(a, b).tolist(), strict=True):
            recent[(x, y)] = ago
    blocked_a = rng.choice(ids, size=max(1, pool.n // 1000))
    blocked_b = rng.choice(ids, size=len(blocked_a))
    blocked = {(min(x, y), max(x, y)) for x, y in zip(blocked_a.tolist(), blocked_b.tolist(), strict=True) if x != y}
    return Constraints(recent_pairs=recent, blocked_pairs=blocked)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def greedy_reference(graph, n: int) -> float:
    """The plain greedy matching (heaviest edge first, one edge at a time): the weight it reaches."""
    order = np.argsort(-graph.weight, kind="stable")
    taken = bytearray(n)
    total = 0.0
    for a, b, x in zip(graph.u[order].tolist(), graph.v[order].tolist(), graph.weight[order].tolist(), strict=True):
        if not taken[a] and not taken[b]:
            taken[a] = taken[b] = 1
            total += x
    return total


def _one_run(n: int, seed: int, compare_full_pass: bool, queue) -> None:
    pool = synthetic_org(n, seed)
    constraints = history(pool, 3, seed)
    base = _peak_mib()
    t0 = time.perf_counter()
    graph = candidates(pool, Criteria(), constraints, seed=seed)
    t1 = time.perf_counter()
    matching = match_pairs(graph, pool.n, seed=seed)
    t2 = time.perf_counter()
    peak = _peak_mib()  # before the reference, whose Python lists would count otherwise
    greedy = greedy_reference(graph, pool.n)
    t3 = time.perf_counter()
    full_pass = None
    if compare_full_pass:  # the local search looking at every edge every round, as before
        engine_pairs.INCREMENTAL = False
        t4 = time.perf_counter()
        assert match_pairs(graph, pool.n, seed=seed).weight == matching.weight
        full_pass = time.perf_counter() - t4
        engine_pairs.INCREMENTAL = True
    queue.put(
        {
            "candidates": t1 - t0,
            "matching": t2 - t1,
            "total": t2 - t0,
            "greedy": t3 - t2,
            "full_pass": full_pass,
            "greedy_weight": greedy,
            "edges": len(graph),
            "pairs": len(matching.pairs),
            "trios": len(matching.trios),
            "unmatched": len(matching.unmatched),
            "weight": matching.weight,
            "peak_mib": peak,
            "setup_mib": base,
        }
    )


def measured(n: int, seed: int, compare_full_pass: bool = False) -> dict:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_one_run, args=(n, seed, compare_full_pass, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def exact_reference(graph, n: int) -> tuple[float, float, float, float]:
    """(engine weight, engine seconds, networkx weight, networkx seconds) on the same graph."""
    import networkx as nx

    t0 = time.perf_counter()
    ours = match_pairs(graph, n, allow_trio=False)
    t1 = time.perf_counter()
    g = nx.Graph()
    g.add_weighted_edges_from(zip(graph.u.tolist(), graph.v.tolist(), graph.weight.tolist(), strict=True))
    t2 = time.perf_counter()
    exact = nx.max_weight_matching(g)
    t3 = time.perf_counter()
    exact_weight = sum(g[a][b]["weight"] for a, b in exact)
    # What a graph too big for the iterated local search gets (as at 100,000 people).
    budget, engine_pairs.PERTURB_BUDGET = engine_pairs.PERTURB_BUDGET, 0
    try:
        plain = match_pairs(graph, n, allow_trio=False)
    finally:
        engine_pairs.PERTURB_BUDGET = budget
    print(f"  without the iterated local search: {plain.weight / exact_weight:.4f} of exact")
    return ours.weight, t1 - t0, exact_weight, t3 - t2


def quality(seed: int) -> None:
    pool = synthetic_org(2000, seed)
    graph = candidates(pool, Criteria(), history(pool, 3, seed), seed=seed)
    ours, t_ours, exact, t_exact = exact_reference(graph, pool.n)
    print(
        f"quality, candidate graph of 2,000 people ({len(graph):,} edges): {ours / exact:.4f} of exact "
        f"(engine {t_ours * 1000:.0f} ms, networkx {t_exact:.1f} s, {t_exact / t_ours:.0f}x)"
    )
    pool = synthetic_org(500, seed + 7)
    everyone = Criteria(max_level_gap=99, different_unit="ignored")
    complete = Pool(**{**pool.__dict__, "manager": np.full(500, -1)})
    graph = candidates(complete, everyone, Constraints(), per_person=500, seed=seed)
    assert len(graph) == 500 * 499 // 2
    ours, t_ours, exact, t_exact = exact_reference(graph, complete.n)
    print(
        f"quality, complete graph of 500 people ({len(graph):,} edges): {ours / exact:.4f} of exact "
        f"(engine {t_ours * 1000:.0f} ms, networkx {t_exact:.1f} s, {t_exact / t_ours:.0f}x)"
    )


def report(label: str, runs: list[dict]) -> None:
    for r in runs:
        print(
            f"  {label} run: candidates {r['candidates']:.2f} s + matching {r['matching']:.2f} s = {r['total']:.2f} s; "
            f"{r['edges']:,} edges, {r['pairs']:,} pairs, {r['trios']} trios, {r['unmatched']:,} unmatched; "
            f"peak {r['peak_mib']:.0f} MiB (after setup {r['setup_mib']:.0f} MiB); "
            f"plain greedy on the same graph {r['greedy']:.2f} s"
        )
    print(
        f"{label}: median {statistics.median(r['total'] for r in runs):.2f} s "
        f"(candidates {statistics.median(r['candidates'] for r in runs):.2f} s, "
        f"matching {statistics.median(r['matching'] for r in runs):.2f} s), "
        f"peak memory {max(r['peak_mib'] for r in runs):.0f} MiB"
    )
    full = [r["matching"] / r["full_pass"] for r in runs if r.get("full_pass")]
    if full:
        print(
            f"{label}: the matching step with its local search looking at every edge every round (same "
            f"result): median {statistics.median(r['full_pass'] for r in runs):.2f} s; the incremental search "
            f"takes {statistics.median(full):.2f}x its time"
        )
    print(
        f"{label}: reference, the plain greedy matching on the same candidate graph: median "
        f"{statistics.median(r['greedy'] for r in runs):.2f} s; the engine's matching takes "
        f"{statistics.median(r['matching'] / r['greedy'] for r in runs):.2f}x its time and reaches "
        f"{statistics.median(r['weight'] / r['greedy_weight'] for r in runs):.4f}x its weight"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--million", action="store_true", help="also run 1,000,000 people once")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument(
        "--compare-full-pass", action="store_true", help="also time the local search over every edge every round"
    )
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, {multiprocessing.cpu_count()} cores, Python {platform.python_version()}")
    print(f"numpy {np.__version__}")
    runs = [measured(args.people, args.seed, args.compare_full_pass) for _ in range(args.runs)]
    report(f"{args.people:,} people", runs)
    if not args.skip_quality:
        quality(args.seed)
    if args.million:
        report("1,000,000 people", [measured(1_000_000, args.seed)])


if __name__ == "__main__":
    main()
