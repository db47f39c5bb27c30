"""Network analytics over the interaction stream: pure numpy and igraph, no Django.

People are indices 0..n-1. The organization comes as arrays (:class:`Org`), the stream as
arrays of one row per (actor, target) edge (:class:`Stream`); every function takes these and
returns arrays or plain numbers, so the same code runs on the demo, on a real network read
from a file and in the benchmarks.

The words:
- a **vertical** flow runs along a reporting line: one person is above the other in the org
  chart (their manager, their manager's manager, ...);
- a **lateral** flow joins peers at the same altitude (levels at most one apart) in different
  units, off the reporting line: the flows Peerloop exists to grow;
- a **within-unit** flow stays inside one unit, off the reporting line; anything else
  (different units and levels more than one apart) is **diagonal**.
"""

from __future__ import annotations

from dataclasses import dataclass

import igraph as ig
import numpy as np

VERTICAL, LATERAL, WITHIN_UNIT, DIAGONAL, UNKNOWN = 0, 1, 2, 3, 4
FLOW_NAMES = ("vertical", "lateral", "within unit", "diagonal", "unknown")


@dataclass(frozen=True)
class Org:
    """The directory as arrays, one entry per person index (-1 or 0: unknown)."""

    unit: np.ndarray  # int, -1 unknown
    region: np.ndarray  # int, -1 unknown
    level: np.ndarray  # int, 0 unknown
    manager: np.ndarray  # person index of the manager, -1 none
    central: np.ndarray | None = None  # bool: works in a central function (hub candidates)

    @property
    def n(self) -> int:
        return len(self.unit)


@dataclass(frozen=True)
class Stream:
    """Interactions with a target, one row per (actor, target): person indices, seconds, weight."""

    actor: np.ndarray
    target: np.ndarray
    at: np.ndarray  # int64 seconds since the epoch
    weight: np.ndarray  # float64

    def __len__(self) -> int:
        return len(self.actor)

    def between(self, start: int | None = None, end: int | None = None) -> Stream:
        """The rows with start <= at < end."""
        keep = np.ones(len(self.at), dtype=bool)
        if start is not None:
            keep &= self.at >= start
        if end is not None:
            keep &= self.at < end
        return Stream(self.actor[keep], self.target[keep], self.at[keep], self.weight[keep])


# --- the org chart ------------------------------------------------------------------------------


def euler_tour(manager: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Entry and exit times of a depth-first walk of the manager forest.

    ``a`` is above ``b`` (an ancestor) exactly when ``tin[a] < tin[b] < tout[a]``. A manager
    link that would close a cycle is ignored (the person is treated as a root).
    """
    n = len(manager)
    parent = np.where((manager >= 0) & (manager < n), manager, -1).astype(np.int64)
    # Children lists in CSR form.
    order = np.argsort(parent, kind="stable")
    has_parent = parent[order] >= 0
    children = order[has_parent]
    starts = np.searchsorted(parent[children], np.arange(n + 1)) if len(children) else np.zeros(n + 1, np.int64)
    tin = np.full(n, -1, dtype=np.int64)
    tout = np.full(n, -1, dtype=np.int64)
    clock = 0
    roots = np.flatnonzero(parent < 0).tolist()
    visited = np.zeros(n, dtype=bool)

    def walk(root: int) -> None:
        nonlocal clock
        stack = [(root, 0)]
        visited[root] = True
        tin[root] = clock
        clock += 1
        while stack:
            node, k = stack[-1]
            first, last = int(starts[node]), int(starts[node + 1])
            if first + k < last:
                stack[-1] = (node, k + 1)
                child = int(children[first + k])
                if not visited[child]:
                    visited[child] = True
                    tin[child] = clock
                    clock += 1
                    stack.append((child, 0))
            else:
                tout[node] = clock
                clock += 1
                stack.pop()

    for root in roots:
        walk(root)
    for person in np.flatnonzero(~visited).tolist():  # people on a manager cycle
        walk(person)
    return tin, tout


def flow_classes(
    org: Org, a: np.ndarray, b: np.ndarray, tour: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """The class of each flow a-b: VERTICAL, LATERAL, WITHIN_UNIT, DIAGONAL or UNKNOWN (int8)."""
    tin, tout = tour if tour is not None else euler_tour(org.manager)
    a_above = (tin[a] < tin[b]) & (tin[b] < tout[a])
    b_above = (tin[b] < tin[a]) & (tin[a] < tout[b])
    vertical = (a_above | b_above) & (a != b)
    ua, ub = org.unit[a], org.unit[b]
    la, lb = org.level[a].astype(np.int64), org.level[b].astype(np.int64)
    units_known = (ua >= 0) & (ub >= 0)
    levels_known = (la > 0) & (lb > 0)
    out = np.full(len(a), UNKNOWN, dtype=np.int8)
    other_unit = units_known & (ua != ub)
    out[units_known & (ua == ub)] = WITHIN_UNIT
    out[other_unit & levels_known] = DIAGONAL
    out[other_unit & levels_known & (np.abs(la - lb) <= 1)] = LATERAL
    out[vertical] = VERTICAL
    return out


# --- flows, matrices and trends -----------------------------------------------------------------


def flow_mix(classes: np.ndarray, weight: np.ndarray) -> dict[str, float]:
    """The share of interaction weight in each flow class of :func:`flow_classes`, "unknown"
    included (a unit or a level missing in the directory); the shares sum to 1."""
    total = np.bincount(classes, weights=weight, minlength=len(FLOW_NAMES))
    whole = total.sum()
    shares = total / whole if whole > 0 else np.zeros_like(total)
    return {name: float(shares[i]) for i, name in enumerate(FLOW_NAMES)}


def mix_matrix(group: np.ndarray, stream: Stream, size: int) -> np.ndarray:
    """Interaction weight from group x to group y (size x size); people of no group (-1) left out."""
    ga, gb = group[stream.actor], group[stream.target]
    keep = (ga >= 0) & (gb >= 0)
    flat = np.bincount(ga[keep] * size + gb[keep], weights=stream.weight[keep], minlength=size * size)
    return flat.reshape(size, size)


def cross_share(matrix: np.ndarray) -> float:
    """The share of the weight off the diagonal of a mixing matrix (between different groups)."""
    total = float(matrix.sum())
    return float(1.0 - np.trace(matrix) / total) if total > 0 else 0.0


def periods(at: np.ndarray, start: int, length: int, count: int) -> np.ndarray:
    """The period index (0..count-1) of each time, -1 outside [start, start + count * length)."""
    index = (at - start) // length
    return np.where((index >= 0) & (index < count), index, -1)


def trend(values: np.ndarray, period: np.ndarray, count: int, weight: np.ndarray | None = None) -> np.ndarray:
    """The weighted mean of ``values`` per period (NaN where a period has nothing)."""
    keep = period >= 0
    w = weight[keep] if weight is not None else np.ones(int(keep.sum()))
    sums = np.bincount(period[keep], weights=values[keep] * w, minlength=count)
    totals = np.bincount(period[keep], weights=w, minlength=count)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, sums / totals, np.nan)


# --- the person graph ---------------------------------------------------------------------------


def person_graph(n: int, stream: Stream) -> ig.Graph:
    """The undirected person graph: one edge per pair that interacted, weighted by the sum."""
    a, b = np.minimum(stream.actor, stream.target), np.maximum(stream.actor, stream.target)
    keep = a != b
    keys = a[keep].astype(np.int64) * n + b[keep]
    weights = stream.weight[keep]
    if len(weights) and np.all(weights == weights[0]):  # the common case: a plain sort is 3x an argsort
        keys = np.sort(keys)
        weights = np.full(len(keys), weights[0])
    else:
        order = np.argsort(keys)
        keys, weights = keys[order], weights[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.empty(0, dtype=np.int64)
    unique = keys[starts]
    weight = np.add.reduceat(weights, starts) if len(keys) else np.empty(0)
    graph = ig.Graph(n=n, edges=list(zip((unique // n).tolist(), (unique % n).tolist(), strict=True)), directed=False)
    # float64 as a list: igraph ignored float32 arrays as weights in our measurements.
    graph.es["weight"] = weight.astype(np.float64).tolist()
    return graph


def degree_centralization(graph: ig.Graph) -> float:
    """Freeman's degree centralization in [0, 1]: 1 for a star (one hub), 0 when all are alike."""
    n = graph.vcount()
    if n < 3:
        return 0.0
    degree = np.asarray(graph.degree(), dtype=np.float64)
    return float((degree.max() - degree).sum() / ((n - 1) * (n - 2)))


def hub_share(org: Org, stream: Stream, classes: np.ndarray) -> float:
    """The share of interaction weight that runs through the hub: along a reporting line (the
    VERTICAL class of :func:`flow_classes`), or with someone in a central function at either end."""
    if len(stream) == 0:
        return 0.0
    hub = classes == VERTICAL
    if org.central is not None:
        hub |= org.central[stream.actor] | org.central[stream.target]
    return float(stream.weight[hub].sum() / stream.weight.sum())


def brokers(graph: ig.Graph, *, sources: int | None = None, seed: int = 0) -> np.ndarray:
    """Betweenness of every person (normalized as networkx does for undirected graphs).

    With ``sources``, shortest paths from that many people drawn at random (seeded) estimate it,
    scaled up as networkx's ``betweenness_centrality(k=...)`` does; unweighted paths.
    """
    n = graph.vcount()
    if n < 3:
        return np.zeros(n)
    if sources is None or sources >= n:
        raw = np.asarray(graph.betweenness(directed=False), dtype=np.float64)
    else:
        picked = np.random.default_rng(seed).choice(n, size=sources, replace=False).tolist()
        # Paths from the sampled sources only, scaled by n / k (networkx's estimator).
        raw = np.asarray(graph.betweenness(directed=False, sources=picked), dtype=np.float64) * (n / sources)
    return raw * 2 / ((n - 1) * (n - 2))


def isolates(n: int, stream: Stream, active: np.ndarray | None = None) -> np.ndarray:
    """Indices of (active) people with no interaction at all, as actor or target."""
    touched = np.zeros(n, dtype=bool)
    touched[stream.actor] = True
    touched[stream.target] = True
    alone = ~touched if active is None else ~touched & active
    return np.flatnonzero(alone)


def communities(graph: ig.Graph, *, seed: int = 0) -> np.ndarray:
    """Communities found in the interactions (Louvain, weighted); people alone get their own."""
    import random

    state = random.getstate()
    random.seed(seed)  # igraph's Louvain draws from Python's random module
    try:
        membership = graph.community_multilevel(weights="weight").membership
    finally:
        random.setstate(state)
    return np.asarray(membership, dtype=np.int64)


def modularity(graph: ig.Graph, membership: np.ndarray) -> float:
    return float(graph.modularity(membership.tolist(), weights="weight"))


def agreement(found: np.ndarray, formal: np.ndarray) -> float:
    """Normalized mutual information of two partitions of the same people (1: the same)."""
    keep = (found >= 0) & (formal >= 0)
    if keep.sum() < 2:
        return 0.0
    return float(ig.compare_communities(found[keep].tolist(), formal[keep].tolist(), method="nmi"))
