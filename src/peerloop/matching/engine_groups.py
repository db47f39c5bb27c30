"""Circles and composed groups (pure numpy, no Django).

People are grouped level by level (leftovers of a level join the next one when it is within
``max_level_gap``). Within a level, each seat family is dealt round-robin over the groups after
sorting by unit and region, which spreads every unit and region across the groups; then random
swaps between groups (same seat family only, so the composition holds) are kept when they raise
the sum of pair weights, which rewards shared topics, role families and working-hours overlap.
A pair breaking a hard rule costs far more than any weight, and a group still holding one after
the search loses the member causing it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from peerloop.matching.engine_core import Constraints, Criteria, Grouping, Pool, Prepared

HARD = 1000.0  # the cost of a pair breaking a hard rule: more than any group's weight
RELAXED = 50.0  # the cost of a same-unit pair when the owner allows relaxing cross-unit


def form_groups(
    pool: Pool,
    criteria: Criteria,
    constraints: Constraints,
    *,
    size: int,
    seats: dict[str, int] | None = None,
    seed: int = 0,
    names: Mapping[str, Mapping[int, str]] | None = None,
) -> Grouping:
    """Circles of ``size`` people, or composed groups with ``seats`` per role family.

    ``seats`` keys are role family names (looked up case-insensitively in ``names["role_family"]``)
    or codes written as digits; the group size is then the sum of the seats. Leftovers of a circle
    round join a circle (one extra member each) when no rule breaks; the others are ``unmatched``
    with a reason.
    """
    seat_codes = _seat_codes(seats, names) if seats else None
    if seat_codes is not None:
        size = sum(seat_codes.values())
    if size < 2:
        raise ValueError("a group needs at least 2 people")
    prep = Prepared(pool, criteria, constraints)
    rng = np.random.default_rng(seed)
    groups: list[np.ndarray] = []
    unmatched: dict[int, str] = {}
    levels = np.unique(prep.level)
    carried = np.empty(0, dtype=np.int64)
    carried_level = None
    shape = "circle of " + (_seats_words(seats) if seats else str(size))
    for position, lvl in enumerate(levels):
        here = np.flatnonzero(prep.level == lvl)
        near = carried_level is not None and lvl > 0 and carried_level > 0
        if near and lvl - carried_level <= criteria.max_level_gap:
            here = np.concatenate([carried, here])
        else:
            for i in carried:
                unmatched[int(i)] = f"not enough people at level {carried_level} for another {shape}"
        made, carried = _groups_of(prep, here, size, seat_codes, rng)
        groups.extend(made)
        carried_level = int(lvl)
        if position == len(levels) - 1:
            for i in carried:
                unmatched[int(i)] = f"not enough people at level {carried_level} for another {shape}"
    groups, dropped = _enforce(prep, groups, seat_codes, size)
    unmatched.update(dropped)
    if seat_codes is None:
        groups, unmatched = _place_leftovers(prep, groups, unmatched, size)
    return Grouping(groups=[np.sort(g).astype(np.int32) for g in groups], unmatched=unmatched)


def _seat_codes(seats: dict[str, int], names: Mapping[str, Mapping[int, str]] | None) -> dict[int, int]:
    by_name = {name.casefold(): code for code, name in (names or {}).get("role_family", {}).items()}
    codes: dict[int, int] = {}
    for key, count in seats.items():
        if count < 1:
            raise ValueError(f"seats for {key!r} must be at least 1")
        if key.casefold() in by_name:
            codes[int(by_name[key.casefold()])] = count
        elif key.lstrip("-").isdigit():
            codes[int(key)] = count
        else:
            raise ValueError(f"unknown role family in seats: {key!r}")
    return codes


def _seats_words(seats: dict[str, int]) -> str:
    return " + ".join(f"{count} {name}" for name, count in seats.items())


def _pair_values(prep: Prepared, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    weight, _, masks = prep.score(i, j)
    value = np.where(masks["allowed"] & ~masks["recent"], weight, -HARD)
    if prep.criteria.different_unit == "required":
        penalty = RELAXED if prep.criteria.allow_relax_cross_unit else HARD
        value = np.where(masks["same_unit"], np.minimum(value, -penalty), value)
    return value


def _groups_of(
    prep: Prepared, people: np.ndarray, size: int, seat_codes: dict[int, int] | None, rng: np.random.Generator
) -> tuple[list[np.ndarray], np.ndarray]:
    """Deal the people of one level into groups, then improve by swaps; returns groups and leftovers."""
    families = seat_codes or {-(2**31): size}
    members = {f: people[prep.role[people] == f] if seat_codes else people for f in families}
    count = min(len(members[f]) // seats for f, seats in families.items())
    if count == 0:
        return [], people
    slots: list[list[int]] = [[] for _ in range(count)]
    family_of_slot: list[list[int]] = [[] for _ in range(count)]
    used: list[np.ndarray] = []
    for f, seats in families.items():
        pool_f = rng.permutation(members[f])
        # People of the biggest units sit out first: they have the most peers in later rounds.
        unit_sizes = np.unique(prep.unit[pool_f], return_counts=True)
        size_of = dict(zip(unit_sizes[0].tolist(), unit_sizes[1].tolist(), strict=True))
        big_first = np.argsort([-size_of[int(x)] for x in prep.unit[pool_f]], kind="stable")
        chosen = pool_f[big_first][len(pool_f) - count * seats :]
        chosen = chosen[np.lexsort((prep.region[chosen], prep.unit[chosen]))]
        for k, person in enumerate(chosen):
            slots[k % count].append(int(person))
            family_of_slot[k % count].append(f)
        used.append(chosen)
    taken = np.concatenate(used)
    leftovers = np.setdiff1d(people, taken)
    grid = np.asarray(slots, dtype=np.int64)
    fam = np.asarray(family_of_slot, dtype=np.int64)
    if count > 1:
        _swap_search(prep, grid, fam, rng)
    return list(grid), leftovers


def _group_value(prep: Prepared, group: np.ndarray) -> float:
    a, b = np.triu_indices(len(group), 1)
    return float(_pair_values(prep, group[a], group[b]).sum())


def _swap_search(prep: Prepared, grid: np.ndarray, fam: np.ndarray, rng: np.random.Generator) -> None:
    count, size = grid.shape
    attempts = min(40 * count * size, 20000)
    values = np.array([_group_value(prep, g) for g in grid])
    for _ in range(attempts):
        g1, g2 = rng.integers(count, size=2)
        if g1 == g2:
            continue
        s1 = int(rng.integers(size))
        same = np.flatnonzero(fam[g2] == fam[g1, s1])
        s2 = int(same[rng.integers(len(same))])
        new1, new2 = grid[g1].copy(), grid[g2].copy()
        new1[s1], new2[s2] = grid[g2, s2], grid[g1, s1]
        v1, v2 = _group_value(prep, new1), _group_value(prep, new2)
        if v1 + v2 > values[g1] + values[g2] + 1e-9:
            grid[g1], grid[g2] = new1, new2
            values[g1], values[g2] = v1, v2


def _enforce(
    prep: Prepared, groups: list[np.ndarray], seat_codes: dict[int, int] | None, size: int
) -> tuple[list[np.ndarray], dict[int, str]]:
    """Drop members until no pair in a group breaks a hard rule; dissolve groups that become too small."""
    kept: list[np.ndarray] = []
    dropped: dict[int, str] = {}
    for group in groups:
        g = np.asarray(group, dtype=np.int64)
        while len(g) >= 2:
            a, b = np.triu_indices(len(g), 1)
            bad = _pair_values(prep, g[a], g[b]) <= -HARD
            if not bad.any():
                break
            blame = np.bincount(np.concatenate([a[bad], b[bad]]), minlength=len(g))
            worst = int(np.argmax(blame))
            dropped[int(g[worst])] = "every circle at this level held a manager, same-unit, blocked or recent peer"
            g = np.delete(g, worst)
        composed_ok = seat_codes is None or len(g) == size
        if len(g) >= 2 and composed_ok:
            kept.append(g)
        else:
            for i in g:
                dropped[int(i)] = "their circle lost members to a hard rule and became too small"
    return kept, dropped


def _place_leftovers(
    prep: Prepared, groups: list[np.ndarray], unmatched: dict[int, str], size: int
) -> tuple[list[np.ndarray], dict[int, str]]:
    """Each leftover joins the circle (of at most ``size``) where they fit best without breaking a rule."""
    groups = list(groups)
    still: dict[int, str] = {}
    c = prep.criteria
    for i, why in unmatched.items():
        best, best_value = -1, -np.inf
        for k, g in enumerate(groups):
            if len(g) > size:
                continue
            gap = np.abs(prep.level[g] - prep.level[i])
            if prep.level[i] > 0 and np.any(gap > c.max_level_gap):
                continue
            value = _pair_values(prep, np.full(len(g), i), g)
            if value.min() <= -HARD:
                continue
            if value.sum() > best_value:
                best, best_value = k, float(value.sum())
        if best >= 0:
            groups[best] = np.append(groups[best], i)
        else:
            still[i] = why
    return groups, still
