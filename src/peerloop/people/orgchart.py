"""Org chart algorithms over plain mappings (no Django): cycles and depth.

``managers`` maps a person key to their manager's key (or None).
"""

from collections.abc import Hashable, Mapping


def find_manager_cycle(managers: Mapping[Hashable, Hashable | None]) -> list[Hashable] | None:
    """Return one cycle in the manager chain as [a, b, ..., a], or None if there is none.

    Runs in O(n): each person is walked at most once, colouring the chain as it goes.
    """
    state: dict[Hashable, int] = {}  # 1: on the current walk, 2: known to reach a root
    for start in managers:
        if state.get(start) == 2:
            continue
        path: list[Hashable] = []
        node: Hashable | None = start
        while node is not None and state.get(node) != 2:
            if state.get(node) == 1:
                cycle = path[path.index(node) :]
                return [*cycle, node]
            state[node] = 1
            path.append(node)
            node = managers.get(node)
        for seen in path:
            state[seen] = 2
    return None


def depths(managers: Mapping[Hashable, Hashable | None]) -> dict[Hashable, int]:
    """Depth of each person below the top of their tree (top is 0). Assumes no cycle."""
    result: dict[Hashable, int] = {}
    for start in managers:
        chain: list[Hashable] = []
        node: Hashable | None = start
        while node is not None and node not in result:
            chain.append(node)
            node = managers.get(node)
        base = -1 if node is None else result[node]
        for offset, person in enumerate(reversed(chain), start=1):
            result[person] = base + offset
    return result
