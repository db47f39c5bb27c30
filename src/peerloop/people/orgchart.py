"""Org chart algorithms over plain mappings (no Django): cycles, chains, depth, subtrees.

``managers`` maps a person key to their manager's key (or None). The same functions
serve the unit tree, where the mapping is unit -> parent unit.
"""

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def find_manager_cycle(managers: Mapping[K, K | None]) -> list[K] | None:
    """Return one cycle in the manager chain as [a, b, ..., a], or None if there is none.

    Runs in O(n): each person is walked at most once, colouring the chain as it goes.
    """
    cycles = find_manager_cycles(managers, limit=1)
    return cycles[0] if cycles else None


def find_manager_cycles(managers: Mapping[K, K | None], *, limit: int | None = None) -> list[list[K]]:
    """Every cycle in the manager chains, each as [a, b, ..., a] (at most ``limit`` of them).

    Each key has one manager, so the cycles are disjoint and each is reported once,
    starting from the first of its members in the mapping's order. O(n).
    """
    state: dict[K, int] = {}  # 1: on the current walk, 2: finished
    cycles: list[list[K]] = []
    for start in managers:
        if state.get(start) == 2:
            continue
        path: list[K] = []
        node: K | None = start
        while node is not None and state.get(node) != 2:
            if state.get(node) == 1:
                cycle = path[path.index(node) :]
                cycles.append([*cycle, node])
                break
            state[node] = 1
            path.append(node)
            node = managers.get(node)
        for seen in path:
            state[seen] = 2
        if limit is not None and len(cycles) >= limit:
            break
    return cycles


def cycle_through(
    person: K,
    new_manager: K | None,
    manager_of: Callable[[K], K | None],
    *,
    max_steps: int = 10_000,
) -> list[K] | None:
    """The cycle that giving ``person`` the manager ``new_manager`` would close, as
    [person, new_manager, ..., person], or None when the change is safe.

    ``manager_of`` answers the current manager of anyone (it may query a database one
    step at a time). A chain that loops without passing through ``person`` (which a
    consistent org chart never holds) stops after ``max_steps`` rather than spinning.
    """
    chain: list[K] = [person]
    node = new_manager
    seen: set[K] = set()
    while node is not None and len(chain) <= max_steps:
        chain.append(node)
        if node == person:
            return chain
        if node in seen:
            return None
        seen.add(node)
        node = manager_of(node)
    return None


def chain_to_top(person: K, managers: Mapping[K, K | None]) -> list[K]:
    """The managers of ``person`` from the nearest to the top (``person`` excluded).

    Stops before repeating anyone, so a malformed mapping cannot loop forever.
    """
    chain: list[K] = []
    seen = {person}
    node = managers.get(person)
    while node is not None and node not in seen:
        chain.append(node)
        seen.add(node)
        node = managers.get(node)
    return chain


def depths(managers: Mapping[K, K | None]) -> dict[K, int]:
    """Depth of each person below the top of their tree (top is 0). Assumes no cycle.

    A manager who is not a key of the mapping is outside it: their reports count as tops.
    """
    result: dict[K, int] = {}
    for start in managers:
        chain: list[K] = []
        node: K | None = start
        while node is not None and node not in result and node in managers:
            chain.append(node)
            node = managers.get(node)
        base = -1 if node is None or node not in result else result[node]
        for offset, person in enumerate(reversed(chain), start=1):
            result[person] = base + offset
    return result


def descendants(parents: Mapping[K, K | None], roots: Iterable[K]) -> set[K]:
    """The roots and everything below them in the tree given by ``parents`` (child -> parent)."""
    children: dict[K, list[K]] = {}
    for child, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found: set[K] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node in found:
            continue
        found.add(node)
        stack.extend(children.get(node, ()))
    return found


def format_chain(chain: Iterable[K], label: Callable[[K], str] = str) -> str:
    """A chain as people read it: "Ana → Bo → Ana"."""
    return " → ".join(label(node) for node in chain)
