"""The matching engine: hard rules always hold, quality against networkx, edge cases, words."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import networkx as nx
import numpy as np
import pytest

from peerloop.matching import engine_pairs
from peerloop.matching.engine import (
    RELAXED_SAME_UNIT,
    REPEAT_ALLOWED,
    CandidateGraph,
    Constraints,
    Criteria,
    Matching,
    Pool,
    candidates,
    explain,
    form_groups,
    match_pairs,
    round_stats,
)


def make_pool(rows, metric=None):
    """rows: dicts with unit, level and optional region, role, manager (index), offset, topics."""
    n = len(rows)
    ids = np.arange(n, dtype=np.int64) * 10 + 7
    return Pool(
        person_ids=ids,
        unit=np.array([r["unit"] for r in rows], dtype=np.int64),
        unit_path=[],
        region=np.array([r.get("region", 0) for r in rows], dtype=np.int64),
        level=np.array([r["level"] for r in rows], dtype=np.int16),
        role_family=np.array([r.get("role", -1) for r in rows], dtype=np.int32),
        manager=np.array([ids[r["manager"]] if r.get("manager", -1) >= 0 else -1 for r in rows], dtype=np.int64),
        utc_offset_hours=np.array([r.get("offset", 0.0) for r in rows], dtype=np.float32),
        topics=[frozenset(r.get("topics", ())) for r in rows],
        metric=None if metric is None else np.asarray(metric, dtype=np.float64),
    )


def pair_of(pool, i, j):
    a, b = int(pool.person_ids[i]), int(pool.person_ids[j])
    return (min(a, b), max(a, b))


def members(result):
    if isinstance(result, Matching):
        return [list(map(int, p)) for p in result.pairs] + [list(map(int, t)) for t in result.trios]
    return [list(map(int, g)) for g in result.groups]


@st.composite
def rounds(draw):
    n = draw(st.integers(0, 36))
    units = draw(st.integers(1, 4))
    rows = []
    for i in range(n):
        rows.append(
            {
                "unit": draw(st.integers(0, units - 1)),
                "level": draw(st.integers(0, 4)),
                "region": draw(st.integers(0, 2)),
                "role": draw(st.integers(-1, 2)),
                "manager": draw(st.integers(-1, i - 1)) if i else -1,
                "offset": draw(st.sampled_from([-5.0, 0.0, 5.5, 8.0])),
                "topics": draw(st.frozensets(st.integers(0, 5), max_size=3)),
            }
        )
    pool = make_pool(rows)
    ids = pool.person_ids.tolist()
    pairs = (
        st.tuples(st.sampled_from(ids), st.sampled_from(ids)).map(lambda p: (min(p), max(p))) if ids else st.nothing()
    )
    recent = draw(st.sets(pairs, max_size=n)) if ids else set()
    blocked = draw(st.sets(pairs, max_size=max(1, n // 3))) if ids else set()
    criteria = Criteria(
        max_level_gap=draw(st.integers(0, 2)),
        different_unit=draw(st.sampled_from(["required", "preferred", "ignored"])),
        allow_relax_cross_unit=draw(st.booleans()),
    )
    per_person = draw(st.integers(1, 8))
    return pool, criteria, Constraints(recent_pairs=recent, blocked_pairs=blocked), per_person


def valid_peers(pool, criteria, constraints, i):
    """Everyone i may meet by the rules other than no-repeat and same-unit (brute force)."""
    out = []
    for j in range(pool.n):
        if j == i or pair_of(pool, i, j) in constraints.blocked_pairs:
            continue
        li, lj = int(pool.level[i]), int(pool.level[j])
        if (li == 0) != (lj == 0) or abs(li - lj) > criteria.max_level_gap:
            continue
        if pool.manager[i] == pool.person_ids[j] or pool.manager[j] == pool.person_ids[i]:
            continue
        out.append(j)
    return out


def assert_hard_rules(pool, criteria, constraints, groups, graph=None):
    seen = [i for g in groups for i in g]
    assert len(seen) == len(set(seen)), "somebody is matched twice"
    for g in groups:
        for x in range(len(g)):
            for y in range(x + 1, len(g)):
                i, j = g[x], g[y]
                assert j in valid_peers(pool, criteria, constraints, i)
                same_unit = pool.unit[i] == pool.unit[j] and pool.unit[i] >= 0
                if criteria.different_unit == "required" and same_unit:
                    assert criteria.allow_relax_cross_unit
                    if graph is None:
                        continue  # circles tolerate a same-unit pair at a cost when relaxing is allowed
                    assert graph.reasons_of(i, j) & RELAXED_SAME_UNIT
                    # relaxed only for someone with nobody valid outside their unit
                    assert any(
                        all(pool.unit[k] == pool.unit[p] for k in valid_peers(pool, criteria, constraints, p))
                        for p in (i, j)
                    )
                if pair_of(pool, i, j) in constraints.recent_pairs:
                    assert graph is not None, "a circle never repeats a recent pair"
                    assert graph.reasons_of(i, j) & REPEAT_ALLOWED


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds(), st.booleans())
def test_pairs_always_keep_the_hard_rules(case, allow_trio):
    pool, criteria, constraints, per_person = case
    graph = candidates(pool, criteria, constraints, per_person=per_person, seed=3)
    matching = match_pairs(graph, pool.n, allow_trio=allow_trio)
    groups = members(matching)
    assert_hard_rules(pool, criteria, constraints, groups, graph)
    for i, j in zip(graph.u, graph.v, strict=True):
        assert_hard_rules(pool, criteria, constraints, [[int(i), int(j)]], graph)
    matched = {i for g in groups for i in g}
    assert matched.isdisjoint(matching.unmatched)
    assert matched | set(matching.unmatched) == set(range(pool.n)), "everyone is matched or told why"
    assert all(matching.unmatched.values())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds(), st.integers(2, 4))
def test_circles_always_keep_the_hard_rules(case, size):
    pool, criteria, constraints, _ = case
    grouping = form_groups(pool, criteria, constraints, size=size, seed=1)
    groups = members(grouping)
    assert_hard_rules(pool, criteria, constraints, groups)
    assert all(2 <= len(g) <= size + 1 for g in groups)
    matched = {i for g in groups for i in g}
    assert matched | set(grouping.unmatched) == set(range(pool.n))
    assert matched.isdisjoint(grouping.unmatched)


def exact_weight(graph):
    g = nx.Graph()
    g.add_weighted_edges_from(zip(graph.u.tolist(), graph.v.tolist(), graph.weight.tolist(), strict=True))
    return sum(g[a][b]["weight"] for a, b in nx.max_weight_matching(g))


@pytest.mark.parametrize("seed", range(8))
def test_quality_on_random_graphs_against_networkx(seed):
    rng = np.random.default_rng(seed)
    n = 120
    u, v = np.triu_indices(n, 1)
    keep = rng.random(len(u)) < 0.08
    u, v = u[keep].astype(np.int32), v[keep].astype(np.int32)
    weight = rng.choice([1.0, 2.5, 3.0, 4.5, 5.0, 6.5, 7.75], size=len(u)) + rng.random(len(u))
    graph = CandidateGraph(n, u, v, weight, np.zeros(len(u), dtype=np.uint32))
    ours = match_pairs(graph, n, allow_trio=False, seed=seed)
    assert ours.weight >= 0.97 * exact_weight(graph)
    assert abs(ours.weight - sum(graph.weight[(graph.u == a) & (graph.v == b)][0] for a, b in ours.pairs)) < 1e-6


@pytest.mark.parametrize("seed", range(4))
def test_quality_on_candidate_graphs_against_networkx(seed):
    rng = np.random.default_rng(seed)
    n = 300
    rows = [
        {
            "unit": int(rng.integers(0, 12)),
            "level": int(rng.integers(1, 5)),
            "region": int(rng.integers(0, 5)),
            "role": int(rng.integers(0, 6)),
            "offset": float(rng.choice([-5, 0, 1, 8])),
            "topics": set(rng.integers(0, 10, size=int(rng.integers(0, 4))).tolist()),
        }
        for _ in range(n)
    ]
    graph = candidates(make_pool(rows), Criteria(), Constraints(), per_person=12, seed=seed)
    ours = match_pairs(graph, n, allow_trio=False)
    assert ours.weight >= 0.97 * exact_weight(graph)


@given(st.integers(0, 2**31 - 1), st.integers(20, 400), st.floats(0.02, 0.3), st.booleans())
@settings(max_examples=40, deadline=None)
def test_the_incremental_local_search_matches_a_full_pass_every_round(seed, n, density, ties):
    """Looking only at the edges whose gain may have changed gives exactly the matching that
    looking at every edge every round gives (and so the same quality)."""
    rng = np.random.default_rng(seed)
    u, v = np.triu_indices(n, 1)
    keep = rng.random(len(u)) < density
    u, v = u[keep].astype(np.int32), v[keep].astype(np.int32)
    weight = rng.choice([1.0, 2.0, 3.0], size=len(u)) if ties else rng.random(len(u)) * 10
    graph = CandidateGraph(n, u, v, weight.astype(np.float64), np.zeros(len(u), dtype=np.uint32))
    incremental = match_pairs(graph, n, seed=seed)
    engine_pairs.INCREMENTAL = False
    try:
        full = match_pairs(graph, n, seed=seed)
    finally:
        engine_pairs.INCREMENTAL = True
    assert np.array_equal(incremental.pairs, full.pairs)
    assert np.array_equal(incremental.trios, full.trios)
    assert incremental.weight == full.weight


def everyone_valid(n, unit=None):
    return make_pool([{"unit": i if unit is None else unit, "level": 3} for i in range(n)])


def test_odd_count_makes_a_trio_or_says_who_is_left_over():
    pool = everyone_valid(5)
    graph = candidates(pool, Criteria(), Constraints())
    with_trio = match_pairs(graph, 5)
    assert (len(with_trio.pairs), len(with_trio.trios), with_trio.unmatched) == (1, 1, {})
    without = match_pairs(graph, 5, allow_trio=False)
    assert len(without.pairs) == 2
    [(_left, why)] = without.unmatched.items()
    assert why == "left over: each of their 4 candidates fits better with someone else"


def test_empty_pool():
    pool = make_pool([])
    graph = candidates(pool, Criteria(), Constraints())
    matching = match_pairs(graph, 0)
    assert (len(graph), len(matching.pairs), len(matching.trios), matching.unmatched) == (0, 0, 0, {})
    assert form_groups(pool, Criteria(), Constraints(), size=3).groups == []
    assert round_stats(pool, matching, graph)["matched"] == 0
    single = everyone_valid(1)
    assert match_pairs(candidates(single, Criteria(), Constraints()), 1).unmatched == {
        0: "nobody else is in this round"
    }


def test_one_unit_with_cross_unit_required_matches_nobody_and_says_why():
    pool = everyone_valid(6, unit=4)
    names = {"unit": {4: "Sales"}}
    graph = candidates(pool, Criteria(), Constraints(), names=names)
    matching = match_pairs(graph, 6)
    assert len(graph) == 0
    assert matching.unmatched == dict.fromkeys(range(6), "everyone else at levels 2-4 is in Sales")


def test_one_unit_with_relaxing_allowed_matches_and_marks_it():
    pool = everyone_valid(6, unit=4)
    graph = candidates(pool, Criteria(allow_relax_cross_unit=True), Constraints())
    matching = match_pairs(graph, 6)
    assert len(matching.pairs) == 3 and matching.unmatched == {}
    for i, j in matching.pairs:
        reasons = graph.reasons_of(int(i), int(j))
        assert reasons & RELAXED_SAME_UNIT
        assert "same unit: nobody outside it at this level" in explain(pool, int(i), int(j), reasons, names={})


def test_unbalanced_units_match_the_small_unit_across():
    rows = [{"unit": 1, "level": 2} for _ in range(90)] + [{"unit": 2, "level": 2} for _ in range(10)]
    pool = make_pool(rows)
    graph = candidates(pool, Criteria(), Constraints())
    matching = match_pairs(graph, 100)
    assert len(matching.pairs) == 10 and len(matching.trios) == 0
    assert all(pool.unit[i] != pool.unit[j] for i, j in matching.pairs)
    assert len(matching.unmatched) == 80
    assert set(matching.unmatched) == set(range(90)) - {int(i) for p in matching.pairs for i in p}
    stats = round_stats(pool, matching, graph)
    assert (stats["cross_unit_share"], stats["unmatched"], stats["matched"]) == (1.0, 80, 20)


def test_learning_pairs_go_to_a_clearly_better_peer_and_say_so():
    rows = [{"unit": i, "level": 2} for i in range(6)]
    metric = [81.0, 94.0, 80.0, 60.0, 85.0, float("nan")]
    pool = make_pool(rows, metric=metric)
    criteria = Criteria(metric_mode="learn_from_better", metric_min_gap=10)
    graph = candidates(pool, criteria, Constraints())
    matching = match_pairs(graph, pool.n, allow_trio=False)
    for i, j in matching.pairs:
        assert abs(metric[i] - metric[j]) >= 10
    assert matching.unmatched[5] == "no value for the metric of this round"
    names = {"metric": {0: "on-time deliveries", 1: "%"}, "person": {int(pool.person_ids[1]): "Bo"}}
    reasons = int(graph.reasons_of(0, 1))
    assert explain(pool, 0, 1, reasons, names=names)[-1] == "Bo's on-time deliveries are 94% against your 81%"
    lower = candidates(pool, Criteria(metric_mode="learn_from_better", metric_higher_is_better=False), Constraints())
    assert len(lower) > 0


def test_explain_speaks_in_the_style_of_the_product():
    rows = [
        {"unit": 1, "level": 6, "region": 10, "role": 3, "offset": 7.0, "topics": {5, 9}},
        {"unit": 2, "level": 6, "region": 11, "role": 3, "offset": -3.0, "topics": {5}},
    ]
    pool = make_pool(rows)
    graph = candidates(pool, Criteria(), Constraints())
    names = {
        "role_family": {3: "lead regional sales"},
        "topic": {5: "Pricing", 9: "Logistics"},
        "region": {10: "Jakarta", 11: "São Paulo"},
    }
    words = explain(pool, 0, 1, graph.reasons_of(0, 1), names=names)
    assert "; ".join(words) == "both lead regional sales at level 6; both follow Pricing; Jakarta and São Paulo"
    names["role_family"] = {3: "regional sales"}
    assert explain(pool, 0, 1, graph.reasons_of(0, 1), names=names)[0] == "both work in regional sales at level 6"


def test_no_repeat_guard_allows_the_oldest_repeat_only_when_needed():
    pool = everyone_valid(3)
    ids = pool.person_ids.tolist()
    recent = {(ids[0], ids[1]): 1, (ids[0], ids[2]): 5, (ids[1], ids[2]): 2}
    graph = candidates(pool, Criteria(), Constraints(recent_pairs=recent))
    matching = match_pairs(graph, 3, allow_trio=False)
    # Everybody met everybody: each person gets their oldest pair back, 0-2 (five rounds ago) wins.
    assert [sorted(map(int, p)) for p in matching.pairs] == [[0, 2]]
    assert graph.reasons_of(0, 2) & REPEAT_ALLOWED
    four = everyone_valid(4)
    ids = four.person_ids.tolist()
    graph = candidates(four, Criteria(), Constraints(recent_pairs={(ids[0], ids[1])}))
    matching = match_pairs(graph, 4)
    assert sorted(sorted(map(int, p)) for p in matching.pairs) in ([[0, 2], [1, 3]], [[0, 3], [1, 2]])
    assert round_stats(four, matching, graph)["repeat_rate"] == 0.0


def test_manager_and_report_never_meet_and_blocked_pairs_neither():
    rows = [{"unit": 1, "level": 3}, {"unit": 2, "level": 3, "manager": 0}, {"unit": 3, "level": 3}]
    pool = make_pool(rows)
    ids = pool.person_ids.tolist()
    graph = candidates(pool, Criteria(), Constraints(blocked_pairs={(ids[0], ids[2])}))
    assert [(int(a), int(b)) for a, b in zip(graph.u, graph.v, strict=True)] == [(1, 2)]
    matching = match_pairs(graph, 3)
    assert [sorted(map(int, p)) for p in matching.pairs] == [[1, 2]]
    assert matching.unmatched == {
        0: "no candidate at levels 2-4 outside their unit (managers, blocked and recent pairs excluded)"
    }


def test_composer_fills_seats_per_role_family():
    rows = [{"unit": i, "level": 2, "role": 0} for i in range(5)] + [
        {"unit": 10 + i, "level": 2, "role": 1} for i in range(3)
    ]
    pool = make_pool(rows)
    names = {"role_family": {0: "Sales", 1: "Operations"}}
    grouping = form_groups(pool, Criteria(), Constraints(), size=0, seats={"sales": 2, "operations": 1}, names=names)
    assert len(grouping.groups) == 2
    for g in grouping.groups:
        assert sorted(pool.role_family[g].tolist()) == [0, 0, 1]
    assert len(grouping.unmatched) == 2
    assert set(grouping.unmatched.values()) == {
        "not enough people at level 2 for another circle of 2 sales + 1 operations"
    }
    with pytest.raises(ValueError, match="unknown role family"):
        form_groups(pool, Criteria(), Constraints(), size=0, seats={"legal": 1}, names=names)


def test_circles_spread_units_and_take_leftovers():
    rows = [{"unit": i % 3, "level": 4, "region": i % 2} for i in range(10)]
    pool = make_pool(rows)
    grouping = form_groups(pool, Criteria(different_unit="preferred"), Constraints(), size=3, seed=2)
    assert sorted(len(g) for g in grouping.groups) == [3, 3, 4]
    assert grouping.unmatched == {}
    assert round_stats(pool, grouping)["cross_unit_share"] > 0.6
