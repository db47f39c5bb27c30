"""The peer-matching engine: candidates, pairs, circles, reasons in words and round statistics.

Pure Python and numpy (no Django): the matching module reads the directory into a :class:`Pool`
and stores what comes back. Hard constraints are filters, never penalties: no manager-report pair,
no pair outside the level band, no blocked pair, no same-unit pair when a different unit is
required (unless the owner allows relaxing it and the person has nobody outside their unit), no
pair met within the last rounds (unless that would leave the person with nobody: then the oldest
such pair is allowed and marked).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from peerloop.matching.engine_core import (
    ADJACENT_LEVEL,
    DIFFERENT_REGION,
    DIFFERENT_UNIT,
    HOURS_OVERLAP,
    LEARNING,
    RELAXED_SAME_UNIT,
    REPEAT_ALLOWED,
    SAME_LEVEL,
    SAME_ROLE_FAMILY,
    SHARED_TOPIC,
    CandidateGraph,
    Constraints,
    Criteria,
    Grouping,
    Matching,
    Pool,
    Prepared,
)
from peerloop.matching.engine_groups import form_groups
from peerloop.matching.engine_pairs import match_pairs

__all__ = [
    "ADJACENT_LEVEL",
    "DIFFERENT_REGION",
    "DIFFERENT_UNIT",
    "HOURS_OVERLAP",
    "LEARNING",
    "RELAXED_SAME_UNIT",
    "REPEAT_ALLOWED",
    "SAME_LEVEL",
    "SAME_ROLE_FAMILY",
    "SHARED_TOPIC",
    "CandidateGraph",
    "Constraints",
    "Criteria",
    "Grouping",
    "Matching",
    "Pool",
    "candidates",
    "explain",
    "form_groups",
    "match_pairs",
    "round_stats",
]

Names = Mapping[str, Mapping[int, str]]
REDRAWS = 3  # sampled proposals that break a hard rule are drawn again this many times


def candidates(
    pool: Pool,
    criteria: Criteria,
    constraints: Constraints,
    *,
    per_person: int = 24,
    seed: int = 0,
    names: Names | None = None,
) -> CandidateGraph:
    """The allowed pairs, at most ``per_person`` proposed by each person, scored, with reasons.

    Never builds the n x n matrix: people are blocked by level band; in a band of up to
    ``max(2 * per_person, 400)`` people every pair is scored, in a larger band each person scores
    ``2 * per_person`` peers drawn from their role family, from a topic of theirs and from the whole
    band, and keeps the best ``per_person``. Deterministic for a given ``seed``. ``names`` (as for
    :func:`explain`) only words the reasons of people left without any candidate.
    """
    n = pool.n
    empty = np.empty(0, dtype=np.int32)
    if n < 2:
        alone = dict.fromkeys(range(n), "nobody else is in this round")
        return CandidateGraph(n, empty, empty, np.empty(0), np.empty(0, dtype=np.uint32), alone)
    if per_person < 1:
        raise ValueError("per_person must be at least 1")
    prep = Prepared(pool, criteria, constraints)
    rng = np.random.default_rng(seed)
    proposals = 2 * per_person
    exhaustive_up_to = max(proposals, 400)
    level = prep.level
    order = np.argsort(level, kind="stable")
    lev_sorted = level[order]
    blocks = _Blocks(prep, pool)
    parts: list[tuple[np.ndarray, ...]] = []
    isolated: dict[int, str] = {}
    gap = criteria.max_level_gap
    for lvl in np.unique(level):
        lo_lvl, hi_lvl = (0, 0) if lvl == 0 else (max(1, lvl - gap), lvl + gap)
        people = order[np.searchsorted(lev_sorted, lvl) : np.searchsorted(lev_sorted, lvl, side="right")]
        band = order[np.searchsorted(lev_sorted, lo_lvl) : np.searchsorted(lev_sorted, hi_lvl, side="right")]
        if len(band) <= exhaustive_up_to:
            peers = np.tile(band, (len(people), 1))
        else:
            peers = blocks.sample(people, band, int(lvl), proposals, rng)
        edges, empty_rows = _keep_best(prep, people, peers, per_person)
        parts.append(edges)
        for i in empty_rows:
            isolated[int(i)] = _isolated_reason(prep, int(i), band, int(lo_lvl), int(hi_lvl), names)
    u, v, w, r = (np.concatenate(column) for column in zip(*parts, strict=True))
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    keys = lo.astype(np.int64) * n + hi
    order = np.argsort(keys)
    keys, r = keys[order], r[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.empty(0, dtype=np.int64)
    unique_keys = keys[starts]
    first = order[starts]
    reasons = (
        np.bitwise_or.reduceat(r, starts) if len(r) else r.astype(np.uint32)
    )  # a relaxed or repeat mark from either side stays
    graph_u = (unique_keys // n).astype(np.int32)
    graph_v = (unique_keys % n).astype(np.int32)
    degree = np.bincount(graph_u, minlength=n) + np.bincount(graph_v, minlength=n)
    isolated = {i: why for i, why in isolated.items() if degree[i] == 0}
    return CandidateGraph(n, graph_u, graph_v, w[first].astype(np.float64), reasons, isolated)


class _Blocks:
    """Sorted views of the pool to draw peers from the same (level, role family) and (level, topic)."""

    def __init__(self, prep: Prepared, pool: Pool) -> None:
        self.prep = prep
        _, role_rank = np.unique(prep.role, return_inverse=True)
        self.role_key = prep.level.astype(np.int64) * (int(role_rank.max(initial=0)) + 2) + role_rank
        self.role_order = np.argsort(self.role_key, kind="stable")
        self.role_sorted = self.role_key[self.role_order]
        counts = prep.topic_count
        self.topic_start = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
        flat = np.fromiter((t for ts in pool.topics for t in sorted(ts)), dtype=np.int64, count=int(counts.sum()))
        _, topic_rank = np.unique(flat, return_inverse=True)
        self.topic_of = topic_rank.astype(np.int64)
        self.topic_owner = np.repeat(np.arange(prep.n), counts)
        span = int(topic_rank.max(initial=0)) + 1
        self.topic_span = span
        key = prep.level[self.topic_owner].astype(np.int64) * span + self.topic_of
        self.topic_order = np.argsort(key, kind="stable")
        self.topic_sorted = key[self.topic_order]

    def sample(self, people: np.ndarray, band: np.ndarray, lvl: int, k: int, rng: np.random.Generator) -> np.ndarray:
        prep = self.prep
        a = len(people)
        k_role = k // 3
        k_topic = k // 3

        def from_band(shape: tuple[int, ...]) -> np.ndarray:
            return band[(rng.random(shape) * len(band)).astype(np.int64)]

        start = np.searchsorted(self.role_sorted, self.role_key[people])
        end = np.searchsorted(self.role_sorted, self.role_key[people], side="right")
        pick = start[:, None] + (rng.random((a, k_role)) * (end - start)[:, None]).astype(np.int64)
        by_role = self.role_order[pick]
        unknown_role = prep.role[people] < 0
        by_role[unknown_role] = from_band((int(unknown_role.sum()), k_role))

        counts = prep.topic_count[people]
        has = counts > 0
        chosen = self.topic_start[people] + (rng.random(a) * counts).astype(np.int64)
        chosen = np.where(has, chosen, 0)
        key = lvl * self.topic_span + (self.topic_of[chosen] if len(self.topic_of) else np.zeros(a, dtype=np.int64))
        start = np.searchsorted(self.topic_sorted, key)
        end = np.searchsorted(self.topic_sorted, key, side="right")
        pick = start[:, None] + (rng.random((a, k_topic)) * (end - start)[:, None]).astype(np.int64)
        by_topic = (
            self.topic_owner[self.topic_order[np.minimum(pick, max(len(self.topic_order) - 1, 0))]]
            if len(self.topic_order)
            else from_band((a, k_topic))
        )
        by_topic[~has] = from_band((int((~has).sum()), k_topic))

        peers = np.hstack([by_role, by_topic, from_band((a, k - k_role - k_topic))])
        rows = np.broadcast_to(people[:, None], peers.shape)
        for _ in range(REDRAWS):
            bad = self._plainly_bad(rows, peers)
            if not bad.any():
                break
            peers[bad] = from_band((int(bad.sum()),))
        return peers

    def _plainly_bad(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Proposals that cannot become edges whatever else holds (worth drawing again)."""
        prep = self.prep
        bad = (i == j) | (prep.manager[i] == j) | (prep.manager[j] == i)
        if prep.criteria.different_unit == "required":
            bad |= (prep.unit[i] == prep.unit[j]) & (prep.unit[i] >= 0)
        if prep.metric is not None:
            mi, mj = prep.metric[i], prep.metric[j]
            spread = np.abs(mi - mj)
            bad |= ~(np.isfinite(spread) & (spread > 0) & (spread >= prep.criteria.metric_min_gap))
        return bad


def _keep_best(
    prep: Prepared, people: np.ndarray, peers: np.ndarray, per_person: int
) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Filter the proposals of each person by the hard rules, keep the best ``per_person``.

    Returns the edges (u, v, weight, reasons) and the people left without any proposal.
    """
    c = prep.criteria
    rows = np.broadcast_to(people[:, None], peers.shape)
    weight, reasons, masks = prep.score(rows, peers)
    valid = masks["allowed"].copy()
    # The same peer proposed twice counts once.
    sort = np.argsort(peers, axis=1, kind="stable")
    ordered = np.take_along_axis(peers, sort, axis=1)
    dup = np.zeros(peers.shape, dtype=bool)
    dup[:, 1:] = ordered[:, 1:] == ordered[:, :-1]
    np.put_along_axis(valid, sort, np.take_along_axis(valid, sort, axis=1) & ~dup, axis=1)
    unit_ok = valid
    if c.different_unit == "required":
        unit_ok = valid & ~masks["same_unit"]
        if c.allow_relax_cross_unit:
            relax = ~unit_ok.any(axis=1)
            relaxed = valid & masks["same_unit"] & relax[:, None]
            unit_ok = unit_ok | relaxed
            reasons = reasons | np.where(relaxed, RELAXED_SAME_UNIT, 0).astype(np.uint32)
    recent = masks["recent"]
    ok = unit_ok & ~recent
    starving = ~ok.any(axis=1) & (unit_ok & recent).any(axis=1)
    if starving.any():
        # The no-repeat guard: a person whose only candidates are recent peers meets the oldest one
        # (or, without ages, the best fitting one) again rather than nobody.
        rows_s = np.flatnonzero(starving)
        repeats = unit_ok[rows_s] & recent[rows_s]
        age = prep.recent_age_of(prep.key(rows[rows_s], peers[rows_s])).astype(np.float64)
        preference = np.where(repeats, age * 1e6 + weight[rows_s], -np.inf)
        best = np.argmax(preference, axis=1)
        ok[rows_s, best] = True
        reasons[rows_s, best] |= np.uint32(REPEAT_ALLOWED)
    masked = np.where(ok, weight, -np.inf)
    if peers.shape[1] > per_person:
        top = np.argpartition(-masked, per_person - 1, axis=1)[:, :per_person]
    else:
        top = np.broadcast_to(np.arange(peers.shape[1]), peers.shape)
    keep = np.take_along_axis(ok, top, axis=1)
    u = np.take_along_axis(rows, top, axis=1)[keep]
    v = np.take_along_axis(peers, top, axis=1)[keep]
    w = np.take_along_axis(weight, top, axis=1)[keep]
    r = np.take_along_axis(reasons, top, axis=1)[keep]
    return (u, v, w, r), people[~ok.any(axis=1)]


def _altitude(lo: int, hi: int) -> str:
    if lo == 0:
        return "an unknown level"
    return f"level {lo}" if lo == hi else f"levels {lo}-{hi}"


def _isolated_reason(prep: Prepared, i: int, band: np.ndarray, lo: int, hi: int, names: Names | None) -> str:
    c = prep.criteria
    where = _altitude(lo, hi)
    unit_id = int(prep.unit[i])
    unit = (names or {}).get("unit", {}).get(unit_id) or "their unit"
    others = band[band != i]
    if len(others) == 0:
        return f"nobody else at {where}"
    if c.different_unit == "required" and unit_id >= 0 and bool(np.all(prep.unit[others] == unit_id)):
        return f"everyone else at {where} is in {unit}"
    if prep.metric is not None and not np.isfinite(prep.metric[i]):
        return "no value for the metric of this round"
    if prep.metric is not None:
        return f"nobody at {where} outside {unit} does clearly better or worse on the metric"
    outside = f" outside {unit}" if c.different_unit == "required" else ""
    return f"no candidate at {where}{outside} (managers, blocked and recent pairs excluded)"


# --- reasons in words -------------------------------------------------------------------------

_VERBS = {"lead", "run", "manage", "head", "work", "sell", "build", "serve", "support", "teach", "design", "own"}


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _number(value: float, unit: str) -> str:
    return f"{value:.3g}{unit}"


def explain(pool: Pool, i: int, j: int, reasons: int, *, names: Names) -> list[str]:
    """The reasons of the pair i-j (pool indices) in words, for the person i.

    ``names``: {"unit": {id: name}, "region": {...}, "role_family": {code: name}, "topic": {...},
    "metric": {0: name, 1: unit suffix such as "%" (optional)}, "person": {person id: first name} (optional)}.
    A role family name starting with a verb ("lead regional sales") reads after "both"; a noun
    ("regional sales") reads as "both work in regional sales".
    """
    out: list[str] = []
    li, lj = int(pool.level[i]), int(pool.level[j])
    at = ""
    if reasons & SAME_LEVEL:
        at = f"at level {li}"
    elif reasons & ADJACENT_LEVEL:
        at = f"at levels {min(li, lj)} and {max(li, lj)}"
    role = names.get("role_family", {}).get(int(pool.role_family[i])) if reasons & SAME_ROLE_FAMILY else None
    if role:
        predicate = role if role.split()[0].lower() in _VERBS else f"work in {role}"
        out.append(f"both {predicate} {at}".rstrip())
    elif at:
        out.append(f"both {at}")
    if reasons & SHARED_TOPIC:
        topic_names = names.get("topic", {})
        shared = sorted(pool.topics[i] & pool.topics[j], key=lambda t: (topic_names.get(t, ""), t))
        words = [topic_names.get(t, f"topic {t}") for t in shared[:3]]
        if words:
            out.append("both follow " + _join(words))
    units, regions = names.get("unit", {}), names.get("region", {})
    if reasons & DIFFERENT_UNIT:
        ui, uj = units.get(int(pool.unit[i])), units.get(int(pool.unit[j]))
        if ui and uj:
            out.append(f"from {ui} and {uj}")
    if reasons & DIFFERENT_REGION:
        ri, rj = regions.get(int(pool.region[i])), regions.get(int(pool.region[j]))
        if ri and rj:
            out.append(f"{ri} and {rj}")
    if reasons & HOURS_OVERLAP:
        diff = abs(float(pool.utc_offset_hours[i]) - float(pool.utc_offset_hours[j])) % 24.0
        hours = max(0.0, 8.0 - min(diff, 24.0 - diff))
        out.append(f"{hours:g} working hour{'' if hours == 1 else 's'} overlap")
    if reasons & LEARNING and pool.metric is not None:
        metric = names.get("metric", {}).get(0, "the metric")
        unit = names.get("metric", {}).get(1, "")
        verb = "are" if metric.endswith("s") else "is"
        peer = names.get("person", {}).get(int(pool.person_ids[j]), "your peer")
        mine, theirs = _number(float(pool.metric[i]), unit), _number(float(pool.metric[j]), unit)
        out.append(f"{peer}'s {metric} {verb} {theirs} against your {mine}")
    if reasons & RELAXED_SAME_UNIT:
        out.append("same unit: nobody outside it at this level")
    if reasons & REPEAT_ALLOWED:
        out.append("met before: nobody else was available")
    return out


# --- statistics of a round ---------------------------------------------------------------------


def _member_pairs(result: Matching | Grouping) -> tuple[np.ndarray, np.ndarray, int, int]:
    groups: list[np.ndarray]
    if isinstance(result, Matching):
        groups = [np.asarray(p) for p in result.pairs] + [np.asarray(t) for t in result.trios]
    else:
        groups = [np.asarray(g) for g in result.groups]
    a: list[int] = []
    b: list[int] = []
    for g in groups:
        for x in range(len(g)):
            for y in range(x + 1, len(g)):
                a.append(int(g[x]))
                b.append(int(g[y]))
    people = sum(len(g) for g in groups)
    return np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64), len(groups), people


def round_stats(
    pool: Pool,
    result: Matching | Grouping,
    graph: CandidateGraph | None = None,
    *,
    constraints: Constraints | None = None,
) -> dict[str, float | int]:
    """Shares over all pairs of people put together (within pairs, trios and circles).

    ``repeat_rate`` counts the pairs in ``constraints.recent_pairs`` when given, else the pairs the
    candidate graph marked as allowed repeats.
    """
    a, b, count, people = _member_pairs(result)
    stats: dict[str, float | int] = {
        "people": pool.n,
        "matched": people,
        "groups": count,
        "pairs": len(result.pairs) if isinstance(result, Matching) else 0,
        "trios": len(result.trios) if isinstance(result, Matching) else 0,
        "unmatched": len(result.unmatched),
        "cross_unit_share": 0.0,
        "cross_region_share": 0.0,
        "mean_level_gap": 0.0,
        "repeat_rate": 0.0,
    }
    if len(a) == 0:
        return stats
    unit_a, unit_b = pool.unit[a], pool.unit[b]
    stats["cross_unit_share"] = float(np.mean((unit_a != unit_b) & (unit_a >= 0) & (unit_b >= 0)))
    region_a, region_b = pool.region[a], pool.region[b]
    stats["cross_region_share"] = float(np.mean((region_a != region_b) & (region_a >= 0) & (region_b >= 0)))
    la, lb = pool.level[a].astype(np.int64), pool.level[b].astype(np.int64)
    known = (la > 0) & (lb > 0)
    stats["mean_level_gap"] = float(np.mean(np.abs(la - lb)[known])) if known.any() else 0.0
    if constraints is not None:
        prep = Prepared(pool, Criteria(), constraints)
        repeats = Prepared.member(prep.recent_keys, prep.key(a, b))
        stats["repeat_rate"] = float(np.mean(repeats))
    elif graph is not None and len(graph):
        keys = graph.u.astype(np.int64) * graph.n + graph.v
        wanted = np.minimum(a, b) * graph.n + np.maximum(a, b)
        pos = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        found = keys[pos] == wanted
        marked = found & ((graph.reasons[pos] & REPEAT_ALLOWED) > 0)
        stats["repeat_rate"] = float(np.mean(marked))
    return stats
