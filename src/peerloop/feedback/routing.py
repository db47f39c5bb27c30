"""Which routing rule an item matches and whom among candidates it goes to, without Django."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RuleSpec:
    id: int
    topic_id: int | None = None
    segment: str = ""
    region_id: int | None = None
    unit_id: int | None = None
    score_max: float | None = None


@dataclass(frozen=True)
class ItemFacts:
    topic_ids: frozenset[int] = field(default_factory=frozenset)
    segment: str = ""
    region_id: int | None = None
    unit_id: int | None = None
    score: float | None = None


def rule_matches(rule: RuleSpec, item: ItemFacts) -> bool:
    """Every condition the rule gives holds for the item (a rule without conditions matches all)."""
    if rule.topic_id is not None and rule.topic_id not in item.topic_ids:
        return False
    if rule.segment and rule.segment.lower() != item.segment.lower():
        return False
    if rule.region_id is not None and rule.region_id != item.region_id:
        return False
    if rule.unit_id is not None and rule.unit_id != item.unit_id:
        return False
    return not (rule.score_max is not None and (item.score is None or item.score > rule.score_max))


def matching_rules(rules: Sequence[RuleSpec], item: ItemFacts) -> list[int]:
    """The ids of the rules the item matches, in the given (priority) order."""
    return [rule.id for rule in rules if rule_matches(rule, item)]


def least_loaded(candidates: Iterable[int], open_counts: Mapping[int, int]) -> int | None:
    """The candidate with the fewest open items (ties: the lowest id), or None."""
    best: tuple[int, int] | None = None
    for person_id in candidates:
        key = (open_counts.get(person_id, 0), person_id)
        if best is None or key < best:
            best = key
    return best[1] if best else None
