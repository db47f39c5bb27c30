"""The data of the matching engine and the pair score shared by pairs and circles (pure: numpy, no Django).

The public names are re-exported by :mod:`peerloop.matching.engine`; import them from there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Reasons of an edge, one bit each (CandidateGraph.reasons); explain() turns them into words.
SAME_LEVEL = 1 << 0
ADJACENT_LEVEL = 1 << 1
SAME_ROLE_FAMILY = 1 << 2
SHARED_TOPIC = 1 << 3
DIFFERENT_UNIT = 1 << 4
DIFFERENT_REGION = 1 << 5
HOURS_OVERLAP = 1 << 6
LEARNING = 1 << 7
RELAXED_SAME_UNIT = 1 << 8  # allowed only because the person had no candidate outside their unit
REPEAT_ALLOWED = 1 << 9  # a recent pair allowed only because the person had no other candidate

# Every allowed pair is worth a little, so the matching prefers matching more people to leaving them out.
BASE_WEIGHT = 0.25
LEARNING_WEIGHT = 3.0
TOPIC_WORDS = 4  # topics are kept as 256-bit sets: exact up to 256 distinct topics, hashed beyond


@dataclass(frozen=True, eq=False)
class Pool:
    """One row per eligible person (already filtered for opt-out, leave and inactivity)."""

    person_ids: np.ndarray
    unit: np.ndarray
    unit_path: Sequence[tuple[int, ...]]
    region: np.ndarray
    level: np.ndarray
    role_family: np.ndarray
    manager: np.ndarray
    utc_offset_hours: np.ndarray
    topics: Sequence[frozenset[int]]
    metric: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.person_ids)
        coerced: dict[str, np.ndarray] = {
            "person_ids": np.asarray(self.person_ids, dtype=np.int64).reshape(-1),
            "unit": np.asarray(self.unit, dtype=np.int64).reshape(-1),
            "region": np.asarray(self.region, dtype=np.int64).reshape(-1),
            "level": np.asarray(self.level, dtype=np.int16).reshape(-1),
            "role_family": np.asarray(self.role_family, dtype=np.int32).reshape(-1),
            "manager": np.asarray(self.manager, dtype=np.int64).reshape(-1),
            "utc_offset_hours": np.asarray(self.utc_offset_hours, dtype=np.float32).reshape(-1),
        }
        if self.metric is not None:
            coerced["metric"] = np.asarray(self.metric, dtype=np.float64).reshape(-1)
        for name, value in coerced.items():
            if len(value) != n:
                raise ValueError(f"Pool.{name} has {len(value)} rows, person_ids has {n}")
            object.__setattr__(self, name, value)
        if len(self.topics) != n:
            raise ValueError(f"Pool.topics has {len(self.topics)} rows, person_ids has {n}")
        if self.unit_path and len(self.unit_path) != n:
            raise ValueError(f"Pool.unit_path has {len(self.unit_path)} rows, person_ids has {n}")
        if n and len(np.unique(coerced["person_ids"])) != n:
            raise ValueError("Pool.person_ids has duplicates")

    @property
    def n(self) -> int:
        return len(self.person_ids)


@dataclass(frozen=True)
class Criteria:
    """Weights and rules of a round (the MatchingSetup.criteria JSON holds these fields)."""

    same_level: float = 3.0
    adjacent_level: float = 1.5
    max_level_gap: int = 1
    same_role_family: float = 2.0
    shared_topic: float = 1.0  # per shared topic, capped at 3
    different_unit: str = "required"  # "required" | "preferred" | "ignored"
    different_unit_weight: float = 2.0
    different_region_weight: float = 1.0
    overlap_hours_min: float = 2.0
    overlap_weight: float = 0.5
    no_repeat_rounds: int = 6
    allow_relax_cross_unit: bool = False
    metric_mode: str | None = None  # "learn_from_better": pair each person with a clearly better peer
    metric_higher_is_better: bool = True
    metric_min_gap: float = 0.0

    def __post_init__(self) -> None:
        if self.different_unit not in ("required", "preferred", "ignored"):
            raise ValueError(f"different_unit must be required, preferred or ignored, not {self.different_unit!r}")
        if self.metric_mode not in (None, "learn_from_better"):
            raise ValueError(f"metric_mode must be None or 'learn_from_better', not {self.metric_mode!r}")
        if self.max_level_gap < 0:
            raise ValueError("max_level_gap must be 0 or more")
        if self.metric_min_gap < 0:
            raise ValueError("metric_min_gap must be 0 or more")


@dataclass(frozen=True)
class Constraints:
    """Pairs of person ids (min, max) that must not meet.

    ``recent_pairs`` may also be a mapping pair -> rounds ago: when the no-repeat guard has to allow
    a repeat, it then allows the oldest one (otherwise the best-fitting one).
    """

    recent_pairs: set[tuple[int, int]] | Mapping[tuple[int, int], int] = field(default_factory=set)
    blocked_pairs: set[tuple[int, int]] = field(default_factory=set)


@dataclass(frozen=True, eq=False)
class CandidateGraph:
    """Allowed pairs with their weight and reasons; ``isolated`` says why a person has no candidate."""

    n: int
    u: np.ndarray  # int32 indices into the pool, u < v
    v: np.ndarray
    weight: np.ndarray  # float64
    reasons: np.ndarray  # uint32 bitmask
    isolated: dict[int, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.u)

    def reasons_of(self, i: int, j: int) -> int:
        """The reason bits of the edge i-j, 0 when there is none."""
        lo, hi = (i, j) if i < j else (j, i)
        keys = self.u.astype(np.int64) * self.n + self.v
        pos = np.flatnonzero(keys == lo * self.n + hi)
        return int(self.reasons[pos[0]]) if len(pos) else 0


@dataclass(frozen=True, eq=False)
class Matching:
    pairs: np.ndarray  # (k, 2) int32 indices
    trios: np.ndarray  # (t, 3) int32 indices
    unmatched: dict[int, str]
    weight: float = 0.0


@dataclass(frozen=True, eq=False)
class Grouping:
    groups: list[np.ndarray]
    unmatched: dict[int, str]


def _hash(keys: np.ndarray, size: int) -> np.ndarray:
    """Slots in a power-of-two table (multiplicative hashing)."""
    mixed = keys.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    return (mixed >> np.uint64(64 - int(size).bit_length() + 1)).astype(np.int64)


def index_of(person_ids: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Pool indices of person ids, -1 for an id outside the pool."""
    ids = np.asarray(ids, dtype=np.int64)
    if len(person_ids) == 0:
        return np.full(len(ids), -1, dtype=np.int64)
    sorter = np.argsort(person_ids, kind="stable")
    pos = np.searchsorted(person_ids, ids, sorter=sorter)
    pos = np.minimum(pos, len(person_ids) - 1)
    found = sorter[pos]
    return np.where(person_ids[found] == ids, found, -1)


class Prepared:
    """The pool turned into arrays the scorer reads: indices instead of ids, topics as bit sets."""

    def __init__(self, pool: Pool, criteria: Criteria, constraints: Constraints) -> None:
        self.pool = pool
        self.criteria = criteria
        n = self.n = pool.n
        self.level = pool.level.astype(np.int32)
        self.unit = pool.unit
        self.region = pool.region
        self.role = pool.role_family
        self.offset = pool.utc_offset_hours.astype(np.float64)
        self.manager = index_of(pool.person_ids, pool.manager)
        self.topic_bits = self._topic_bits(pool.topics)
        self.topic_count = np.fromiter((len(t) for t in pool.topics), dtype=np.int32, count=n)
        self.blocked_keys, _ = self._pair_keys(constraints.blocked_pairs)
        self.recent_keys, self.recent_age = self._pair_keys(constraints.recent_pairs)
        self.blocked_bitmap = self.bitmap(self.blocked_keys)
        self.recent_bitmap = self.bitmap(self.recent_keys)
        self.metric = pool.metric if criteria.metric_mode else None
        if self.metric is not None:
            known = self.metric[np.isfinite(self.metric)]
            spread = float(np.std(known)) if len(known) > 1 else 0.0
            self.metric_scale = spread if spread > 0 else 1.0

    def _topic_bits(self, topics: Sequence[frozenset[int]]) -> np.ndarray:
        counts = [len(t) for t in topics]
        flat = np.fromiter((t for ts in topics for t in ts), dtype=np.int64, count=sum(counts))
        owner = np.repeat(np.arange(self.n), counts)
        # Rank the distinct topics so that up to 256 of them get a bit of their own (exact counts).
        _, rank = np.unique(flat, return_inverse=True)
        bit = rank % (64 * TOPIC_WORDS)
        bits = np.zeros((self.n, TOPIC_WORDS), dtype=np.uint64)
        np.bitwise_or.at(bits, (owner, bit // 64), np.left_shift(np.uint64(1), (bit % 64).astype(np.uint64)))
        return bits

    def _pair_keys(self, pairs: Any) -> tuple[np.ndarray, np.ndarray]:
        if not pairs:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        listed = list(pairs)
        arr = np.asarray(listed, dtype=np.int64).reshape(-1, 2)
        ages = np.asarray([pairs[p] for p in listed] if isinstance(pairs, Mapping) else np.zeros(len(arr)))
        a, b = index_of(self.pool.person_ids, arr[:, 0]), index_of(self.pool.person_ids, arr[:, 1])
        keep = (a >= 0) & (b >= 0)
        keys = np.minimum(a, b)[keep] * self.n + np.maximum(a, b)[keep]
        order = np.argsort(keys, kind="stable")
        return keys[order], ages.astype(np.int64)[keep][order]

    def key(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return np.minimum(i, j).astype(np.int64) * self.n + np.maximum(i, j)

    @staticmethod
    def member(sorted_keys: np.ndarray, keys: np.ndarray, bitmap: np.ndarray | None = None) -> np.ndarray:
        """Which keys are in ``sorted_keys``; ``bitmap`` (from :meth:`bitmap`) skips most binary searches."""
        if len(sorted_keys) == 0:
            return np.zeros(keys.shape, dtype=bool)
        if bitmap is not None:
            maybe = bitmap[_hash(keys, len(bitmap))]
            out = np.zeros(keys.shape, dtype=bool)
            out[maybe] = Prepared.member(sorted_keys, keys[maybe])
            return out
        pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
        return sorted_keys[pos] == keys

    @staticmethod
    def bitmap(sorted_keys: np.ndarray) -> np.ndarray:
        """A one-hash Bloom filter of the keys, 16 slots per key (about 6% false positives)."""
        size = 1 << max(10, int(np.ceil(np.log2(max(len(sorted_keys), 1) * 16))))
        table = np.zeros(size, dtype=bool)
        table[_hash(sorted_keys, size)] = True
        return table

    def recent_age_of(self, keys: np.ndarray) -> np.ndarray:
        if len(self.recent_keys) == 0:
            return np.zeros(keys.shape, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.recent_keys, keys), len(self.recent_keys) - 1)
        return self.recent_age[pos]

    def score(self, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Weight, reason bits and the hard-constraint masks of the pairs i-j (arrays of the same shape).

        Masks: ``allowed`` (level band, not manager-report, not blocked, learning gap when learning),
        ``same_unit`` and ``recent``; the caller decides how the unit and no-repeat rules apply.
        """
        c = self.criteria
        li, lj = self.level[i], self.level[j]
        gap = np.abs(li - lj)
        known = (li > 0) & (lj > 0)
        # An unknown level (0) pairs only with another unknown level: altitude cannot be guessed.
        allowed = np.where(known, gap <= c.max_level_gap, (li == 0) & (lj == 0)) & (i != j)
        allowed &= (self.manager[i] != j) & (self.manager[j] != i)
        keys = self.key(i, j)
        allowed &= ~self.member(self.blocked_keys, keys, self.blocked_bitmap)
        recent = self.member(self.recent_keys, keys, self.recent_bitmap)
        ui, uj = self.unit[i], self.unit[j]
        same_unit = (ui == uj) & (ui >= 0)
        diff_unit = (ui != uj) & (ui >= 0) & (uj >= 0)
        ri, rj = self.region[i], self.region[j]
        diff_region = (ri != rj) & (ri >= 0) & (rj >= 0)
        same_role = (self.role[i] == self.role[j]) & (self.role[i] >= 0)
        shared = np.zeros(i.shape, dtype=np.int64)
        for word in range(TOPIC_WORDS):
            shared += np.bitwise_count(self.topic_bits[i, word] & self.topic_bits[j, word])
        diff = np.abs(self.offset[i] - self.offset[j]) % 24.0
        overlap = np.maximum(0.0, 8.0 - np.minimum(diff, 24.0 - diff))  # 9:00-17:00 local each
        overlaps = overlap >= c.overlap_hours_min

        weight = np.full(i.shape, BASE_WEIGHT)
        weight += np.where(known & (gap == 0), c.same_level, 0.0)
        weight += np.where(known & (gap == 1), c.adjacent_level, 0.0)
        weight += np.where(same_role, c.same_role_family, 0.0)
        weight += np.minimum(shared, 3) * c.shared_topic
        if c.different_unit != "ignored":
            weight += np.where(diff_unit, c.different_unit_weight, 0.0)
        weight += np.where(diff_region, c.different_region_weight, 0.0)
        weight += np.where(overlaps, c.overlap_weight, 0.0)
        reasons = (
            np.where(known & (gap == 0), SAME_LEVEL, 0)
            | np.where(known & (gap == 1), ADJACENT_LEVEL, 0)
            | np.where(same_role, SAME_ROLE_FAMILY, 0)
            | np.where(shared > 0, SHARED_TOPIC, 0)
            | np.where(diff_unit, DIFFERENT_UNIT, 0)
            | np.where(diff_region, DIFFERENT_REGION, 0)
            | np.where(overlaps, HOURS_OVERLAP, 0)
        ).astype(np.uint32)
        if self.metric is not None:
            mi, mj = self.metric[i], self.metric[j]
            spread = np.abs(mi - mj)
            clear = np.isfinite(mi) & np.isfinite(mj) & (spread > 0) & (spread >= c.metric_min_gap)
            allowed &= clear
            weight += np.where(clear, LEARNING_WEIGHT * (0.5 + 0.5 * np.minimum(1.0, spread / self.metric_scale)), 0)
            reasons |= np.where(clear, LEARNING, 0).astype(np.uint32)
        return weight, reasons, {"allowed": allowed, "same_unit": same_unit, "recent": recent}
