"""Tagging feedback with the vocabulary's words, without Django.

A :class:`Rulebook` holds every topic's name and synonyms; :meth:`Rulebook.tag` finds
them in a text as whole words and gives each topic found a confidence: a topic's own
name is surer than a synonym, and every further mention adds to it, up to 0.95. A
classifier's suggestions are merged in by :func:`merge`, the rules' confidences weighed by
how well they held beside that classifier on corrections it did not learn from; an item
whose best tag is below the triage threshold (or that has none) goes to the triage queue.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
import re

from peerloop.vocabulary.terms import compile_terms, term_key

NAME_CONFIDENCE = 0.8
SYNONYM_CONFIDENCE = 0.65
MENTION_BONUS = 0.1
MAX_RULE_CONFIDENCE = 0.95
TRIAGE_BELOW = 0.5
SPELLINGS = 10_000
MERGED = 3  # the most tags an item keeps
# The rules' weights beside a classifier that rule_weight_fit tries.
RULE_WEIGHTS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


@dataclass(frozen=True)
class Tag:
    topic_id: int
    confidence: float
    origin: str  # "rule" or "classifier"
    matched: str = ""


@dataclass(frozen=True)
class Term:
    topic_id: int
    is_name: bool


class Rulebook:
    """The vocabulary's words, compiled once: ``terms`` maps a term key to its topic."""

    def __init__(self, terms: Mapping[str, Term]) -> None:
        self.terms = dict(terms)
        self.pattern: re.Pattern[str] | None = compile_terms(self.terms)
        self._spellings: dict[str, Term | None] = {}

    @classmethod
    def from_topics(cls, topics: Iterable[tuple[int, str, Sequence[str]]]) -> "Rulebook":
        """From (topic id, name, synonyms); a word claimed twice keeps its first topic,
        and a name wins over a synonym."""
        names: dict[str, Term] = {}
        synonyms: dict[str, Term] = {}
        for topic_id, name, words in topics:
            names.setdefault(term_key(name), Term(topic_id, True))
            for word in words:
                if isinstance(word, str) and word.strip():
                    synonyms.setdefault(term_key(word), Term(topic_id, False))
        return cls({**synonyms, **names})

    def tag(self, text: str) -> list[Tag]:
        """The topics mentioned in ``text``, surest first (ties by topic id)."""
        if self.pattern is None or not text:
            return []
        found: dict[int, list[tuple[str, bool]]] = {}
        for match in self.pattern.finditer(text):
            written = match.group(0)
            term = self._term(written)
            if term is not None:
                found.setdefault(term.topic_id, []).append((written, term.is_name))
        if not found:
            return []
        tags = []
        for topic_id, mentions in found.items():
            base = NAME_CONFIDENCE if any(is_name for _, is_name in mentions) else SYNONYM_CONFIDENCE
            confidence = min(MAX_RULE_CONFIDENCE, base + MENTION_BONUS * (len(mentions) - 1))
            words = ", ".join(dict.fromkeys(w for w, _ in mentions))
            tags.append(Tag(topic_id, round(confidence, 4), "rule", words[:200]))
        return sorted(tags, key=lambda t: (-t.confidence, t.topic_id)) if len(tags) > 1 else tags

    def _term(self, written: str) -> Term | None:
        """The term a match stands for, by the words as written: the processor tags
        thousands of texts that spell a handful of terms, so each spelling's key is worked
        out once (at most SPELLINGS of them are kept)."""
        try:
            return self._spellings[written]
        except KeyError:
            pass
        term = self.terms.get(term_key(written)) if written else None
        if len(self._spellings) < SPELLINGS:
            self._spellings[written] = term
        return term


def merge(
    rule_tags: Sequence[Tag], learned: Sequence[Tag], *, limit: int = MERGED, rule_weight: float = 1.0
) -> list[Tag]:
    """Rule tags and classifier tags together: one tag per topic, the surer one kept
    (a topic both find gets the higher confidence plus half the other's remainder).

    ``rule_weight`` scales the rules' confidences first: how far they held beside the
    classifier on owners' corrections it did not learn from (:func:`rule_weight_fit`)."""
    if rule_weight != 1.0:
        rule_tags = [Tag(t.topic_id, round(t.confidence * rule_weight, 4), t.origin, t.matched) for t in rule_tags]
    by_topic: dict[int, Tag] = {t.topic_id: t for t in rule_tags}
    for tag in learned:
        other = by_topic.get(tag.topic_id)
        if other is None:
            by_topic[tag.topic_id] = tag
            continue
        high, low = (other, tag) if other.confidence >= tag.confidence else (tag, other)
        confidence = min(0.99, high.confidence + (1 - high.confidence) * low.confidence / 2)
        by_topic[tag.topic_id] = Tag(tag.topic_id, round(confidence, 4), high.origin, other.matched or tag.matched)
    ranked = sorted(by_topic.values(), key=lambda t: (-t.confidence, t.topic_id))
    return ranked[:limit]


def rule_weight_fit(
    rule_tags: Sequence[Sequence[Tag]],
    learned: Sequence[Sequence[Tag]],
    truth: Sequence[int],
    *,
    weights: Sequence[float] = RULE_WEIGHTS,
) -> float:
    """The rules' weight under which :func:`merge` puts the true topic first most often,
    over examples the classifier did not learn from; ties go to the larger weight (the
    rules' confidences as written are 1)."""
    best, best_right = 1.0, -1
    for weight in sorted(weights, reverse=True):
        right = sum(
            1
            for rules, guesses, topic in zip(rule_tags, learned, truth, strict=True)
            if (merged := merge(rules, guesses, limit=1, rule_weight=weight)) and merged[0].topic_id == topic
        )
        if right > best_right:
            best, best_right = weight, right
    return best


def needs_triage(tags: Sequence[Tag], *, threshold: float = TRIAGE_BELOW) -> bool:
    """True when no tag reaches ``threshold``: a person should look at the item."""
    return not tags or max(t.confidence for t in tags) < threshold
