"""Network analytics checked against networkx, computed independently, on the real email network
of a European research institution (SNAP email-Eu-core: departments as units) and on random
organizations."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
import networkx as nx
from networkx.algorithms import community as nx_community
import numpy as np
import pytest

from peerloop.insights import graph as G

EMAIL = Path(__file__).resolve().parents[3] / "shared" / "data" / "email-eu-core"


@pytest.fixture(scope="module")
def email():
    """(org, stream, networkx graph) of email-Eu-core: 1,005 people, 42 departments."""
    edges = np.loadtxt(EMAIL / "email-Eu-core.txt", dtype=np.int64)
    labels = np.loadtxt(EMAIL / "email-Eu-core-department-labels.txt", dtype=np.int64)
    n = int(labels[:, 0].max()) + 1
    unit = np.full(n, -1, dtype=np.int64)
    unit[labels[:, 0]] = labels[:, 1]
    org = G.Org(unit=unit, region=np.full(n, -1), level=np.zeros(n, dtype=np.int64), manager=np.full(n, -1))
    stream = G.Stream(edges[:, 0], edges[:, 1], np.zeros(len(edges), dtype=np.int64), np.ones(len(edges)))
    reference = nx.Graph()
    reference.add_nodes_from(range(n))
    for a, b in edges.tolist():
        if a != b:
            w = reference.get_edge_data(a, b, {"weight": 0})["weight"]
            reference.add_edge(a, b, weight=w + 1)
    return org, stream, reference


def test_the_person_graph_is_the_networkx_graph(email):
    org, stream, reference = email
    graph = G.person_graph(org.n, stream)
    assert (graph.vcount(), graph.ecount()) == (reference.number_of_nodes(), reference.number_of_edges())
    ours = {(min(e.source, e.target), max(e.source, e.target)): e["weight"] for e in graph.es}
    theirs = {(min(a, b), max(a, b)): d["weight"] for a, b, d in reference.edges(data=True)}
    assert ours == theirs


def test_cross_department_share_and_matrix(email):
    org, stream, _ = email
    matrix = G.mix_matrix(org.unit, stream, 42)
    assert matrix.sum() == len(stream)  # every email, self-emails included
    by_hand = sum(
        1 for a, b in zip(stream.actor.tolist(), stream.target.tolist(), strict=True) if org.unit[a] != org.unit[b]
    )
    assert G.cross_share(matrix) == pytest.approx(by_hand / len(stream))
    assert matrix[1, 1] == sum(
        1 for a, b in zip(stream.actor.tolist(), stream.target.tolist(), strict=True) if org.unit[a] == org.unit[b] == 1
    )


def test_degree_centralization_against_networkx(email):
    org, stream, reference = email
    degree = np.array([d for _, d in sorted(reference.degree())])
    n = len(degree)
    assert G.degree_centralization(G.person_graph(org.n, stream)) == pytest.approx(
        (degree.max() - degree).sum() / ((n - 1) * (n - 2))
    )
    star = G.Stream(np.zeros(9, dtype=np.int64), np.arange(1, 10), np.zeros(9, dtype=np.int64), np.ones(9))
    assert G.degree_centralization(G.person_graph(10, star)) == pytest.approx(1.0)


def test_brokers_exact_and_sampled_against_networkx(email):
    org, stream, reference = email
    graph = G.person_graph(org.n, stream)
    exact = nx.betweenness_centrality(reference)
    ours = G.brokers(graph)
    assert np.allclose(ours, [exact[i] for i in range(org.n)], atol=1e-12)
    sampled = G.brokers(graph, sources=300, seed=3)
    # An estimate: the same top brokers, and the same scale as networkx's own estimate.
    top = set(np.argsort(-ours)[:10].tolist())
    assert len(top & set(np.argsort(-sampled)[:10].tolist())) >= 7
    assert sampled.sum() == pytest.approx(ours.sum(), rel=0.1)


def test_isolates(email):
    org, stream, reference = email
    assert set(G.isolates(org.n, stream).tolist()) == {v for v in reference if reference.degree(v) == 0} - {
        int(a) for a in stream.actor
    }


def test_communities_against_networkx_and_the_departments(email):
    org, stream, reference = email
    graph = G.person_graph(org.n, stream)
    membership = G.communities(graph, seed=1)
    assert (membership == G.communities(graph, seed=1)).all()
    parts = [set(np.flatnonzero(membership == c).tolist()) for c in np.unique(membership)]
    ours = G.modularity(graph, membership)
    assert ours == pytest.approx(nx_community.modularity(reference, parts, weight="weight"))
    # networkx's own Louvain finds a partition of about the same quality.
    theirs = nx_community.modularity(reference, nx_community.louvain_communities(reference, seed=1), weight="weight")
    assert ours == pytest.approx(theirs, abs=0.03)
    # The departments are visible in the email, but not identical to the communities.
    nmi = G.agreement(membership, org.unit)
    assert 0.3 < nmi < 0.95
    assert G.agreement(org.unit, org.unit) == pytest.approx(1.0)


def brute_force_above(manager, a, b):
    seen = set()
    node = manager[b]
    while node >= 0 and node not in seen:
        if node == a:
            return True
        seen.add(node)
        node = manager[node]
    return False


@st.composite
def organizations(draw):
    n = draw(st.integers(2, 40))
    manager = [draw(st.integers(-1, i - 1)) if i else -1 for i in range(n)]
    order = draw(st.permutations(range(n)))  # people in any order, managers anywhere
    relabel = {old: new for new, old in enumerate(order)}
    manager = [relabel[manager[old]] if manager[old] >= 0 else -1 for old in order]
    unit = [draw(st.integers(-1, 3)) for _ in range(n)]
    level = [draw(st.integers(0, 5)) for _ in range(n)]
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1, max_size=60))
    return np.array(manager), np.array(unit), np.array(level), pairs


@given(organizations())
@settings(max_examples=200, deadline=None)
def test_flow_classes_follow_their_definition(case):
    manager, unit, level, pairs = case
    org = G.Org(unit=unit, region=np.zeros(len(unit)), level=level, manager=manager)
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    classes = G.flow_classes(org, a, b)
    for x, y, got in zip(a.tolist(), b.tolist(), classes.tolist(), strict=True):
        if x != y and (brute_force_above(manager, x, y) or brute_force_above(manager, y, x)):
            want = G.VERTICAL
        elif unit[x] < 0 or unit[y] < 0:
            want = G.UNKNOWN
        elif unit[x] == unit[y]:
            want = G.WITHIN_UNIT
        elif level[x] == 0 or level[y] == 0:
            want = G.UNKNOWN
        elif abs(level[x] - level[y]) <= 1:
            want = G.LATERAL
        else:
            want = G.DIAGONAL
        assert got == want, (x, y)


def test_a_manager_cycle_does_not_hang_the_tour():
    tin, tout = G.euler_tour(np.array([1, 2, 0, -1]))
    assert (tin >= 0).all() and (tout > tin).all()


def test_flow_mix_hub_share_and_trend():
    # 0 manages 1 and 2; 3 and 4 head other units at 1's level; 5 is in the central function.
    org = G.Org(
        unit=np.array([0, 0, 0, 1, 2, 3]),
        region=np.zeros(6),
        level=np.array([5, 4, 4, 4, 5, 4]),
        manager=np.array([-1, 0, 0, -1, -1, -1]),
        central=np.array([False, False, False, False, False, True]),
    )
    stream = G.Stream(
        actor=np.array([0, 1, 1, 1, 2]),
        target=np.array([1, 3, 4, 2, 5]),
        at=np.array([0, 10, 20, 30, 40]),
        weight=np.array([2.0, 1.0, 1.0, 1.0, 1.0]),
    )
    classes = G.flow_classes(org, stream.actor, stream.target)
    mix = G.flow_mix(classes, stream.weight)
    assert mix == pytest.approx(
        {"vertical": 2 / 6, "lateral": 3 / 6, "within unit": 1 / 6, "diagonal": 0.0, "unknown": 0.0}
    )
    assert G.hub_share(org, stream, classes) == pytest.approx(3 / 6)  # the reporting line and the central function
    period = G.periods(stream.at, 0, 25, 2)
    assert period.tolist() == [0, 0, 0, 1, 1]
    lateral = (classes == G.LATERAL).astype(float)
    assert G.trend(lateral, period, 2, stream.weight).tolist() == pytest.approx([2 / 4, 1 / 2])
