import itertools

from hypothesis import given
from hypothesis import strategies as st

from peerloop.people.orgchart import depths, find_manager_cycle


def test_no_cycle_in_a_tree():
    assert find_manager_cycle({"a": None, "b": "a", "c": "a", "d": "c"}) is None


def test_cycle_is_named_as_a_chain():
    cycle = find_manager_cycle({"a": "b", "b": "c", "c": "a", "d": "a"})
    assert cycle is not None
    assert cycle[0] == cycle[-1]
    assert set(cycle) == {"a", "b", "c"}


def test_self_manager_is_a_cycle():
    assert find_manager_cycle({"a": "a"}) == ["a", "a"]


def test_depths_of_a_tree():
    assert depths({"a": None, "b": "a", "c": "b", "x": None}) == {"a": 0, "b": 1, "c": 2, "x": 0}


@given(st.dictionaries(st.integers(0, 30), st.one_of(st.none(), st.integers(0, 30)), max_size=30))
def test_cycle_reported_exactly_when_one_exists(managers):
    cycle = find_manager_cycle(managers)
    # Independent check: follow each chain for at most n steps.
    has_cycle = False
    for start in managers:
        node, steps = start, 0
        while node is not None and steps <= len(managers) + 1:
            node = managers.get(node)
            steps += 1
        if node is not None:
            has_cycle = True
    assert (cycle is not None) == has_cycle
    if cycle:
        for a, b in itertools.pairwise(cycle):
            assert managers[a] == b
