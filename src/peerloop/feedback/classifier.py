"""A text classifier for feedback topics, without Django: TF-IDF of words and word
pairs into a logistic regression, trained on the tags owners set or corrected. Trained
with the vocabulary rules' tags of the same texts, it also keeps how far those rules are
to be trusted beside it (the rules' weight in tagging.merge).

The model is serialized with pickle by :func:`dumps` and only ever loaded from what
:func:`dumps` wrote into Peerloop's own database (never from uploaded data).
"""

from collections.abc import Sequence
from dataclasses import dataclass
import pickle
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from peerloop.feedback import tagging

MIN_EXAMPLES = 20
MIN_LABELS = 2
HOLDOUT_EVERY = 5  # rule_weight holds out every fifth example
HOLDOUT_MIN = 20  # and needs at least this many held out (100 examples)


class NotEnoughExamples(ValueError):
    """Too few examples, or a single label: nothing to learn."""


@dataclass
class TopicClassifier:
    pipeline: Pipeline
    labels: list[int]
    # The rules' weight beside this classifier (tagging.merge); 1, the rules as written,
    # for a model trained without it (and for models stored before it existed).
    rule_weight: float = 1.0

    def predict(self, texts: Sequence[str], *, top: int = 2, floor: float = 0.15) -> list[list[tuple[int, float]]]:
        """For each text, up to ``top`` (label, probability) pairs at or above ``floor``, likeliest first."""
        if not texts:
            return []
        proba = self.pipeline.predict_proba(list(texts))
        classes = self.pipeline.classes_
        order = np.argsort(-proba, axis=1)[:, :top]
        result = []
        for row, picks in zip(proba, order, strict=True):
            result.append([(int(classes[i]), float(row[i])) for i in picks if row[i] >= floor])
        return result

    def predict_labels(self, texts: Sequence[str]) -> list[int]:
        return [int(label) for label in self.pipeline.predict(list(texts))]


def pipeline(*, max_features: int = 50_000) -> Pipeline:
    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    ngram_range=(1, 2), min_df=2, max_features=max_features, sublinear_tf=True, strip_accents="unicode"
                ),
            ),
            ("model", LogisticRegression(max_iter=1000, C=4.0, class_weight="balanced")),
        ]
    )


def train(
    texts: Sequence[str],
    labels: Sequence[int],
    *,
    max_features: int = 50_000,
    rule_tags: Sequence[Sequence[tagging.Tag]] | None = None,
) -> TopicClassifier:
    """Fit on (text, topic id) examples. Raises NotEnoughExamples below 20 examples or 2 topics.

    With ``rule_tags`` (the vocabulary rules' tags of each text), the model also keeps the
    rules' weight beside it (:func:`rule_weight`)."""
    if len(texts) != len(labels):
        raise ValueError("texts and labels differ in length")
    distinct = sorted(set(labels))
    if len(texts) < MIN_EXAMPLES or len(distinct) < MIN_LABELS:
        raise NotEnoughExamples(f"{len(texts)} examples of {len(distinct)} topics")
    model = pipeline(max_features=max_features)
    model.fit(list(texts), list(labels))
    weight = 1.0 if rule_tags is None else rule_weight(texts, labels, rule_tags, max_features=max_features)
    return TopicClassifier(model, [int(x) for x in distinct], weight)


def rule_weight(
    texts: Sequence[str], labels: Sequence[int], rule_tags: Sequence[Sequence[tagging.Tag]], *, max_features: int
) -> float:
    """How far the rules' confidences hold beside a classifier of these examples: every
    HOLDOUT_EVERY-th example is held out, a classifier learns from the rest, and
    tagging.rule_weight_fit picks the weight that routes the held-out examples best.
    1 (the rules as written) when fewer than HOLDOUT_MIN examples would be held out or
    the rest holds a single topic."""
    held = range(0, len(texts), HOLDOUT_EVERY)
    if len(held) < HOLDOUT_MIN:
        return 1.0
    rest = [i for i in range(len(texts)) if i % HOLDOUT_EVERY]
    if len({labels[i] for i in rest}) < MIN_LABELS:
        return 1.0
    model = pipeline(max_features=max_features)
    model.fit([texts[i] for i in rest], [labels[i] for i in rest])
    guesses = TopicClassifier(model, []).predict([texts[i] for i in held], top=tagging.MERGED, floor=0.0)
    learned = [[tagging.Tag(topic, round(p, 4), "classifier") for topic, p in row] for row in guesses]
    return tagging.rule_weight_fit([rule_tags[i] for i in held], learned, [labels[i] for i in held])


def dumps(model: TopicClassifier) -> bytes:
    return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)


def loads(blob: bytes) -> Any:
    return pickle.loads(blob)  # noqa: S301 - our own model, from our own database
