"""Learning pairs people asked for: a "learn from" request (recorded by the feedback loop in
the interaction stream as ``feedback.learn_from_requested``, asker → the peer who does
better on a metric) makes the next pairs round of a program covering both propose that
pair, unless they met recently, one blocked the other, or one manages the other.

Read from the stream, not from the feedback module (matching and feedback are one layer).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from peerloop.core import queries as core_queries
from peerloop.matching import engine
from peerloop.matching.engine_core import Prepared
from peerloop.matching.services._pool import PoolData, pair_key
from peerloop.programs import queries as programs_queries

# The stream kind the feedback loop records (its contract with other modules).
LEARN_FROM_KIND = "feedback.learn_from_requested"
# Requests older than this are stale: the next rounds no longer force them.
REQUEST_WINDOW = timedelta(days=90)


@dataclass
class Requested:
    """Requested pairs as pool indices (asker, peer) and what each side reads about the other."""

    pairs: list[tuple[int, int]] = field(default_factory=list)
    reasons: dict[tuple[int, int], str] = field(default_factory=dict)


def _metric_names(codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(programs_queries.metric_list().filter(code__in=codes).values_list("code", "name"))


def learning_requests(data: PoolData, constraints: engine.Constraints, *, now: datetime) -> Requested:
    """The requests of the last :data:`REQUEST_WINDOW` between two people of the pool, oldest
    first, each person in one pair at most; pairs met recently or blocked are left out."""
    index = data.index()
    rows = list(
        core_queries.interaction_list(since=now - REQUEST_WINDOW, kind=LEARN_FROM_KIND)
        .filter(target__isnull=False)
        .values_list("actor_id", "target_id", "object_type", "object_id")
    )
    recent = set(constraints.recent_pairs)
    blocked = constraints.blocked_pairs
    names = data.names.get("person", {})
    metrics = _metric_names({str(o) for _a, _t, kind, o in rows if kind == "metric" and o})
    out = Requested()
    used: set[int] = set()
    for asker, peer, kind, object_id in rows:
        if asker not in index or peer not in index or asker in used or peer in used or asker == peer:
            continue
        key = pair_key(asker, peer)
        if key in recent or key in blocked:
            continue
        i, j = index[asker], index[peer]
        if int(data.pool.manager[i]) == peer or int(data.pool.manager[j]) == asker:
            continue
        what = metrics.get(str(object_id), str(object_id)) if kind == "metric" and object_id else ""
        on = f" on {what}" if what else ""
        out.pairs.append((i, j))
        out.reasons[(i, j)] = f"you asked to learn from {names.get(peer, 'your peer')}{on}"
        out.reasons[(j, i)] = f"{names.get(asker, 'a peer')} asked to learn from you{on}"
        used.update((asker, peer))
    return out


def _fits(prep: Prepared, a: int, b: int) -> bool:
    """Whether two people left without a partner may be paired with each other."""
    i, j = np.asarray([a]), np.asarray([b])
    _w, _bits, masks = prep.score(i, j)
    cross_unit_ok = prep.criteria.different_unit != "required" or not bool(masks["same_unit"][0])
    return bool(masks["allowed"][0]) and not bool(masks["recent"][0]) and cross_unit_ok


def apply_requests(
    data: PoolData,
    criteria: engine.Criteria,
    constraints: engine.Constraints,
    groups: list[np.ndarray],
    unmatched: Mapping[int, str],
    requested: Requested,
) -> tuple[list[np.ndarray], dict[int, str]]:
    """The engine's groups with every requested pair put together: the two leave their
    groups; partners left alone pair up with each other when they may, else sit out."""
    if not requested.pairs:
        return groups, dict(unmatched)
    moved = {p for pair in requested.pairs for p in pair}
    kept: list[np.ndarray] = []
    alone: list[int] = []
    for group in groups:
        rest = [int(p) for p in group if int(p) not in moved]
        if len(rest) == len(group):
            kept.append(group)
        elif len(rest) >= 2:
            kept.append(np.asarray(rest, dtype=group.dtype))
        else:
            alone.extend(rest)
    out_unmatched = {i: why for i, why in unmatched.items() if i not in moved}
    prep = Prepared(data.pool, criteria, constraints) if alone else None
    while alone:
        a = alone.pop(0)
        partner = next((b for b in alone if prep is not None and _fits(prep, a, b)), None)
        if partner is None:
            out_unmatched[a] = "your peer this round is someone they asked to learn from; no other peer was free"
            continue
        alone.remove(partner)
        kept.append(np.asarray([a, partner], dtype=np.int64))
    pairs = [np.asarray(pair, dtype=np.int64) for pair in requested.pairs]
    return pairs + kept, out_unmatched


def as_matching(groups: list[np.ndarray], unmatched: dict[int, str], weight: float) -> engine.Matching:
    """The groups again as the engine's Matching (for the round's statistics)."""
    two = [g for g in groups if len(g) == 2]
    three = [g for g in groups if len(g) == 3]
    return engine.Matching(
        pairs=np.asarray(two, dtype=np.int32).reshape(-1, 2),
        trios=np.asarray(three, dtype=np.int32).reshape(-1, 3),
        unmatched=unmatched,
        weight=weight,
    )
