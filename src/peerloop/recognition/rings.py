"""Reciprocal rings among kudos: A thanks B and B thanks A, or A -> B -> C -> A.

Pure: takes (giver, recipient) pairs, imports no Django. Everyone who gives to nobody or
receives from nobody (among the heavy edges) is pruned first, repeatedly, since they can
be on no cycle; a depth-limited search then lists each simple cycle of length 2 to
``max_length`` once, starting from its smallest id.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Ring:
    people: tuple[int, ...]  # in the order kudos went round, smallest id first
    kudos_per_edge: tuple[int, ...]  # how many kudos each hop carried (people[i] -> people[i+1])

    @property
    def size(self) -> int:
        return len(self.people)

    @property
    def total(self) -> int:
        return sum(self.kudos_per_edge)


def find_rings(
    pairs: Iterable[tuple[int, int]], *, min_kudos: int = 2, max_length: int = 4, limit: int = 500
) -> list[Ring]:
    """Cycles in which every hop carried at least ``min_kudos`` kudos, most kudos first."""
    counts = Counter((giver, recipient) for giver, recipient in pairs if giver != recipient)
    edges = {edge: n for edge, n in counts.items() if n >= min_kudos}
    if not edges:
        return []
    alive = _prune(set(edges))
    adjacency: dict[int, list[int]] = {}
    for giver, recipient in sorted(alive):
        adjacency.setdefault(giver, []).append(recipient)
    rings: list[Ring] = []
    for start in sorted(adjacency):
        stack: list[tuple[int, list[int]]] = [(start, [start])]
        while stack and len(rings) < limit:
            node, path = stack.pop()
            for nxt in adjacency.get(node, []):
                if nxt == start and len(path) >= 2:
                    hops = tuple(edges[(path[i], path[(i + 1) % len(path)])] for i in range(len(path)))
                    rings.append(Ring(people=tuple(path), kudos_per_edge=hops))
                elif nxt > start and nxt not in path and len(path) < max_length:
                    stack.append((nxt, [*path, nxt]))
    rings.sort(key=lambda ring: (-ring.total, ring.people))
    return rings[:limit]


def concentration(
    given: Iterable[tuple[int, int]], reports_of: dict[int, set[int]], *, min_kudos: int = 5, share: float = 0.8
) -> list[tuple[int, int, int, float]]:
    """Managers whose kudos go mostly to their own reports: (manager, to reports, total, share)."""
    totals: Counter[int] = Counter()
    to_reports: Counter[int] = Counter()
    for giver, recipient in given:
        totals[giver] += 1
        if recipient in reports_of.get(giver, ()):
            to_reports[giver] += 1
    found = []
    for manager, total in totals.items():
        if manager in reports_of and total >= min_kudos and to_reports[manager] / total >= share:
            found.append((manager, to_reports[manager], total, to_reports[manager] / total))
    return sorted(found, key=lambda row: (-row[3], -row[2], row[0]))


def _prune(edges: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Drop edges touching a person with no way in or no way out, until none is left."""
    while True:
        givers = {g for g, _ in edges}
        recipients = {r for _, r in edges}
        kept = {(g, r) for g, r in edges if g in recipients and r in givers}
        if len(kept) == len(edges):
            return kept
        edges = kept
