"""Who to ask: rank people for a question by what they have shown they know. Pure: numpy
only, no Django.

Evidence per person and topic (a "tag"), each count decayed by age so that recent work
weighs more than old work:

- answers given on the topic (weight 1),
- accepted answers on the topic (weight ``ACCEPTED``),
- endorsements of their answers and lessons on the topic (weight ``ENDORSED`` each, capped),
- lessons posted on the topic (weight ``LESSON``).

A question's score for a person sums, over the question's topics, the topic's inverse
document frequency times ``log1p`` of the person's evidence on it (a rare topic shared
says more than a common one; the log keeps one prolific person from drowning the rest).
People at the asker's level and in another unit are preferred (``PEER_BONUS``, "look
across, not up"); the asker is never suggested. Each suggestion carries its reasons in
words. The baseline of docs/benchmarks.md, "most answers on these tags", is
:func:`rank_by_answer_count`.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

ACCEPTED = 3.0
ENDORSED = 0.5
ENDORSE_CAP = 10
LESSON = 2.0
HALF_LIFE = 400.0  # in steps of the caller's clock; 400 questions was best on a validation split (bench_experts.py)
PEER_BONUS = 0.25
OTHER_UNIT_BONUS = 0.10


@dataclass(frozen=True)
class Contribution:
    """One piece of evidence: ``person`` answered (or posted a lesson) on ``tags`` at ``time``."""

    person: int
    tags: tuple[int, ...]
    time: float
    accepted: bool = False
    endorsements: int = 0
    lesson: bool = False


@dataclass(frozen=True)
class Person:
    """What the ranking may know of a candidate; ``level`` and ``unit`` may be unknown (-1)."""

    level: int = -1
    unit: int = -1


@dataclass
class Suggestion:
    person: int
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass
class Profiles:
    """Evidence matrices, people x tags."""

    answers: np.ndarray
    accepted: np.ndarray
    endorsed: np.ndarray
    lessons: np.ndarray
    evidence: np.ndarray  # the weighted, decayed sum the ranking uses
    idf: np.ndarray
    raw_answers: np.ndarray  # undecayed answer counts (the baseline)


def build_profiles(
    contributions: Sequence[Contribution], *, n_people: int, n_tags: int, now: float, half_life: float = HALF_LIFE
) -> Profiles:
    """Evidence of every person on every tag from ``contributions`` made before ``now``."""
    shape = (n_people, n_tags)
    answers, accepted, endorsed, lessons, raw = (np.zeros(shape) for _ in range(5))
    docs_per_tag = np.zeros(n_tags)
    for c in contributions:
        if c.time > now or not c.tags:
            continue
        decay = 0.5 ** ((now - c.time) / half_life) if half_life > 0 else 1.0
        tags = np.fromiter(set(c.tags), dtype=np.int64)
        if c.lesson:
            lessons[c.person, tags] += decay
        else:
            answers[c.person, tags] += decay
            raw[c.person, tags] += 1
        if c.accepted:
            accepted[c.person, tags] += decay
        if c.endorsements > 0:
            endorsed[c.person, tags] += decay * min(c.endorsements, ENDORSE_CAP)
        docs_per_tag[tags] += 1
    total = max(1.0, float(docs_per_tag.sum()))
    idf = np.log1p(total / (1.0 + docs_per_tag))
    evidence = answers + ACCEPTED * accepted + ENDORSED * endorsed + LESSON * lessons
    return Profiles(answers, accepted, endorsed, lessons, evidence, idf, raw)


def _top(scores: np.ndarray, k: int, exclude: Sequence[int]) -> np.ndarray:
    scores = scores.copy()
    for e in exclude:
        if 0 <= e < len(scores):
            scores[e] = -np.inf
    k = min(k, int(np.isfinite(scores).sum()), len(scores))
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    candidates = np.argpartition(-scores, k - 1)[:k]
    order = np.lexsort((candidates, -scores[candidates]))  # best first, ties by person index
    chosen = candidates[order]
    return chosen[scores[chosen] > 0]


def rank_by_answer_count(
    profiles: Profiles, tags: Sequence[int], *, k: int = 10, exclude: Sequence[int] = ()
) -> list[int]:
    """The baseline: most answers on these tags, ignoring everything else."""
    if not tags:
        return []
    scores = profiles.raw_answers[:, sorted(set(tags))].sum(axis=1)
    return [int(p) for p in _top(scores, k, exclude)]


def rank(
    profiles: Profiles,
    tags: Sequence[int],
    *,
    k: int = 10,
    asker: int | None = None,
    people: Sequence[Person] | None = None,
    tag_names: Sequence[str] | None = None,
) -> list[Suggestion]:
    """The ``k`` people best placed to answer a question on ``tags``, best first, with reasons."""
    tags = sorted(set(tags))
    if not tags:
        return []
    weights = profiles.idf[tags]
    scores = (np.log1p(profiles.evidence[:, tags]) * weights).sum(axis=1)
    peer_reason: dict[int, str] = {}
    if people is not None and asker is not None and 0 <= asker < len(people):
        me = people[asker]
        levels = np.array([p.level for p in people])
        units = np.array([p.unit for p in people])
        same_level = (levels == me.level) & (me.level >= 0)
        other_unit = (units != me.unit) & (units >= 0) & (me.unit >= 0)
        bonus = 1.0 + PEER_BONUS * same_level + OTHER_UNIT_BONUS * other_unit
        scores = scores * bonus
        for i in np.nonzero(same_level & other_unit)[0]:
            peer_reason[int(i)] = "a peer at your level in another unit"
        for i in np.nonzero(same_level & ~other_unit)[0]:
            peer_reason.setdefault(int(i), "at your level")
    chosen = _top(scores, k, [asker] if asker is not None else [])
    names = list(tag_names) if tag_names is not None else [str(t) for t in range(profiles.evidence.shape[1])]
    suggestions = []
    for p in chosen:
        p = int(p)
        reasons = _reasons(profiles, p, tags, names)
        if p in peer_reason:
            reasons.append(peer_reason[p])
        suggestions.append(Suggestion(person=p, score=float(scores[p]), reasons=reasons))
    return suggestions


def _on(names: list[str], tags: list[int], row: np.ndarray) -> str:
    shown = [names[t] for t in tags if row[t] > 0][:3]
    return ", ".join(shown)


def _reasons(profiles: Profiles, person: int, tags: list[int], names: list[str]) -> list[str]:
    reasons = []
    accepted = profiles.accepted[person]
    if accepted[tags].sum() > 0:
        reasons.append(f"accepted answers on {_on(names, tags, accepted)}")
    answers = profiles.raw_answers[person]
    total = int(answers[tags].sum())
    if total:
        reasons.append(f"{total} answer{'s' if total != 1 else ''} on {_on(names, tags, answers)}")
    if profiles.lessons[person][tags].sum() > 0:
        reasons.append(f"lessons on {_on(names, tags, profiles.lessons[person])}")
    if profiles.endorsed[person][tags].sum() > 0:
        reasons.append("peers endorsed their work on these topics")
    return [r for r in reasons if r]


def reciprocal_rank(ranked: Sequence[int], truth: int) -> float:
    for i, p in enumerate(ranked):
        if p == truth:
            return 1.0 / (i + 1)
    return 0.0
