"""Insights: a full recompute of the network analytics for 100,000 people and 10,000,000
interactions, and the same metrics computed by networkx in the same run.

Usage: .venv/bin/python bench/bench_insights.py [--people N] [--interactions M] [--runs K]
       [--reference-people N2] [--reference-interactions M2]

Generates a synthetic organization (seed 42: units of about 60 people under 40 divisions, 16
regions, levels 1-9, a manager for everyone but the head of each unit) and a year of
interactions (60% inside a unit, 15% along the reporting line, 15% with peers at the same
level elsewhere, 10% with anyone). Each run, in a child process of its own (peak memory = its
maximum resident set), computes what the insights dashboard shows: the flow mix (vertical,
lateral, within unit, diagonal) and its monthly trend, the unit x unit and region x region
matrices and cross-silo shares, the person graph, degree centralization, the hub share,
isolates, brokers (betweenness estimated from 64 sampled sources), and communities (Louvain)
with their agreement with the units. The reference computes the same graph metrics with
networkx (degree centralization, betweenness with k=64, Louvain, NMI left out as networkx has
none) on a smaller stream that networkx can hold, with Peerloop timed on that same stream.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from peerloop.insights import graph as G

YEAR = 365 * 86400
MONTH = YEAR // 12


def synthetic(n: int, m: int, seed: int = 42) -> tuple[G.Org, G.Stream]:
    rng = np.random.default_rng(seed)
    units = max(2, n // 60)
    unit = np.sort(rng.integers(0, units, size=n))
    region = (unit * 7) % 16
    weights = np.array([30, 24, 18, 12, 8, 4, 2, 1, 0.5])
    level = rng.choice(np.arange(1, 10), size=n, p=weights / weights.sum())
    # The highest level of each unit heads it; everyone else reports to the head.
    order = np.lexsort((-level, unit))
    first = np.r_[True, unit[order][1:] != unit[order][:-1]]
    head = order[np.maximum.accumulate(np.where(first, np.arange(n), 0))]
    manager = np.full(n, -1, dtype=np.int64)
    manager[order] = np.where(head == order, -1, head)
    central = unit == 0
    start = np.bincount(unit, minlength=units).cumsum() - np.bincount(unit, minlength=units)
    size = np.bincount(unit, minlength=units)
    actor = rng.integers(0, n, size=m)
    kind = rng.random(m)
    target = rng.integers(0, n, size=m)  # anyone (10%)
    inside = kind < 0.6
    u = unit[actor[inside]]
    target[inside] = start[u] + (rng.random(int(inside.sum())) * size[u]).astype(np.int64)
    up = (kind >= 0.6) & (kind < 0.75)
    target[up] = np.where(manager[actor[up]] >= 0, manager[actor[up]], head[actor[up]])
    peer = kind >= 0.75
    peer &= kind < 0.9
    by_level = np.argsort(level, kind="stable")
    lo = np.searchsorted(level[by_level], level[actor[peer]])
    hi = np.searchsorted(level[by_level], level[actor[peer]], side="right")
    target[peer] = by_level[lo + (rng.random(int(peer.sum())) * (hi - lo)).astype(np.int64)]
    at = np.sort(rng.integers(0, YEAR, size=m))
    org = G.Org(unit=unit, region=region, level=level, manager=manager, central=central)
    return org, G.Stream(actor, target, at, np.ones(m))


def dashboard(org: G.Org, stream: G.Stream) -> dict:
    """Everything the dashboard shows, computed from scratch."""
    classes = G.flow_classes(org, stream.actor, stream.target)
    out: dict = {"mix": G.flow_mix(classes, stream.weight)}
    period = G.periods(stream.at, 0, MONTH, 12)
    out["lateral_trend"] = G.trend((classes == G.LATERAL).astype(float), period, 12, stream.weight)
    units = int(org.unit.max()) + 1
    out["unit_cross"] = G.cross_share(G.mix_matrix(org.unit, stream, units))
    out["region_cross"] = G.cross_share(G.mix_matrix(org.region, stream, int(org.region.max()) + 1))
    graph = G.person_graph(org.n, stream)
    out["edges"] = graph.ecount()
    out["centralization"] = G.degree_centralization(graph)
    out["hub_share"] = G.hub_share(org, stream, classes)
    out["isolates"] = len(G.isolates(org.n, stream))
    out["top_broker"] = float(G.brokers(graph, sources=64).max())
    membership = G.communities(graph)
    out["communities"] = int(membership.max()) + 1
    out["modularity"] = G.modularity(graph, membership)
    out["nmi_units"] = G.agreement(membership, org.unit)
    return out


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _one_run(n: int, m: int, queue) -> None:
    org, stream = synthetic(n, m)
    setup = _peak_mib()
    t0 = time.perf_counter()
    out = dashboard(org, stream)
    queue.put({"seconds": time.perf_counter() - t0, "peak_mib": _peak_mib(), "setup_mib": setup, **out})


def _networkx_run(n: int, m: int, queue) -> None:
    import networkx as nx
    from networkx.algorithms import community as nx_community

    org, stream = synthetic(n, m)
    t0 = time.perf_counter()
    ours = G.person_graph(org.n, stream)
    G.degree_centralization(ours)
    G.brokers(ours, sources=64)
    G.modularity(ours, G.communities(ours))
    t1 = time.perf_counter()
    g = nx.Graph()
    g.add_nodes_from(range(n))
    a, b = np.minimum(stream.actor, stream.target), np.maximum(stream.actor, stream.target)
    keys, counts = np.unique((a * n + b)[a != b], return_counts=True)
    g.add_weighted_edges_from(
        zip((keys // n).tolist(), (keys % n).tolist(), counts.astype(float).tolist(), strict=True)
    )
    degree = np.array([d for _, d in g.degree()])
    (degree.max() - degree).sum() / ((n - 1) * (n - 2))
    nx.betweenness_centrality(g, k=64, seed=0)
    parts = nx_community.louvain_communities(g, weight="weight", seed=0)
    nx_community.modularity(g, parts, weight="weight")
    t2 = time.perf_counter()
    queue.put({"peerloop": t1 - t0, "networkx": t2 - t1})


def _in_child(target, *args) -> dict:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reference-people", type=int, default=10_000)
    parser.add_argument("--reference-interactions", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, {multiprocessing.cpu_count()} cores, Python {platform.python_version()}")
    runs = []
    for _ in range(args.runs):
        r = _in_child(_one_run, args.people, args.interactions)
        runs.append(r)
        print(
            f"  run: {r['seconds']:.1f} s, peak {r['peak_mib']:.0f} MiB (after setup {r['setup_mib']:.0f} MiB); "
            f"{r['edges']:,} pairs, lateral {r['mix']['lateral']:.3f}, vertical {r['mix']['vertical']:.3f}, "
            f"cross-unit {r['unit_cross']:.3f}, centralization {r['centralization']:.4f}, hub share "
            f"{r['hub_share']:.3f}, {r['communities']} communities (modularity {r['modularity']:.3f}, "
            f"NMI with units {r['nmi_units']:.3f}), {r['isolates']} isolates",
            flush=True,
        )
    print(
        f"{args.people:,} people, {args.interactions:,} interactions: full recompute median "
        f"{statistics.median(r['seconds'] for r in runs):.1f} s, peak memory {max(r['peak_mib'] for r in runs):.0f} MiB"
    )
    refs = []
    for _ in range(args.runs):
        r = _in_child(_networkx_run, args.reference_people, args.reference_interactions)
        refs.append(r)
        print(f"  reference run: Peerloop {r['peerloop']:.2f} s, networkx {r['networkx']:.2f} s", flush=True)
    print(
        f"reference, {args.reference_people:,} people and {args.reference_interactions:,} interactions, graph "
        f"metrics (graph, centralization, sampled betweenness, Louvain, modularity): Peerloop median "
        f"{statistics.median(r['peerloop'] for r in refs):.2f} s, networkx median "
        f"{statistics.median(r['networkx'] for r in refs):.2f} s, networkx / Peerloop "
        f"{statistics.median(r['networkx'] / r['peerloop'] for r in refs):.1f}x"
    )


if __name__ == "__main__":
    main()
