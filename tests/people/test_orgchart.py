"""The pure org chart algorithms (no database)."""

import itertools

from hypothesis import given
from hypothesis import strategies as st

from peerloop.people.orgchart import (
    chain_to_top,
    cycle_through,
    depths,
    descendants,
    find_manager_cycles,
    format_chain,
)

charts = st.dictionaries(st.integers(0, 25), st.one_of(st.none(), st.integers(0, 25)), max_size=25)


def on_a_cycle(managers, start) -> bool:
    node, seen = managers.get(start), set()
    while node is not None and node not in seen:
        if node == start:
            return True
        seen.add(node)
        node = managers.get(node)
    return False


@given(charts)
def test_every_cycle_is_found_once(managers):
    cycles = find_manager_cycles(managers)
    members = [node for cycle in cycles for node in cycle[:-1]]
    assert len(members) == len(set(members))  # disjoint, each once
    assert set(members) == {node for node in managers if on_a_cycle(managers, node)}
    for cycle in cycles:
        assert cycle[0] == cycle[-1]
        for a, b in itertools.pairwise(cycle):
            assert managers[a] == b


def test_two_cycles_and_a_limit():
    managers = {"a": "b", "b": "a", "c": None, "d": "e", "e": "d", "f": "d"}
    assert find_manager_cycles(managers) == [["a", "b", "a"], ["d", "e", "d"]]
    assert find_manager_cycles(managers, limit=1) == [["a", "b", "a"]]


@given(charts, st.integers(0, 25), st.one_of(st.none(), st.integers(0, 25)))
def test_cycle_through_agrees_with_the_changed_chart(managers, person, new_manager):
    if find_manager_cycles(managers):
        return  # only consistent charts are asked
    chain = cycle_through(person, new_manager, managers.get)
    changed = {**managers, person: new_manager}
    assert (chain is not None) == on_a_cycle(changed, person)
    if chain:
        assert chain[0] == chain[-1] == person
        for a, b in itertools.pairwise(chain):
            assert changed[a] == b


def test_chain_to_top_and_depths():
    managers = {"cy": "bo", "bo": "ana", "ana": None, "dee": "ana"}
    assert chain_to_top("cy", managers) == ["bo", "ana"]
    assert chain_to_top("ana", managers) == []
    assert depths(managers) == {"cy": 2, "bo": 1, "ana": 0, "dee": 1}
    # A manager outside the mapping counts as above it.
    assert depths({"x": "outside", "y": "x"}) == {"x": 0, "y": 1}


def test_descendants_include_the_roots():
    parents = {1: None, 2: 1, 3: 2, 4: 1, 5: None}
    assert descendants(parents, [2]) == {2, 3}
    assert descendants(parents, [1]) == {1, 2, 3, 4}
    assert descendants(parents, [5, 3]) == {3, 5}


def test_format_chain():
    assert format_chain(["Ana", "Bo", "Ana"]) == "Ana → Bo → Ana"
    assert format_chain([1, 2], lambda n: f"#{n}") == "#1 → #2"
