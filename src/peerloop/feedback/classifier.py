"""A text classifier for feedback topics, without Django: TF-IDF of words and word
pairs into a logistic regression, trained on the tags owners set or corrected.

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

MIN_EXAMPLES = 20
MIN_LABELS = 2


class NotEnoughExamples(ValueError):
    """Too few examples, or a single label: nothing to learn."""


@dataclass
class TopicClassifier:
    pipeline: Pipeline
    labels: list[int]

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


def train(texts: Sequence[str], labels: Sequence[int], *, max_features: int = 50_000) -> TopicClassifier:
    """Fit on (text, topic id) examples. Raises NotEnoughExamples below 20 examples or 2 topics."""
    if len(texts) != len(labels):
        raise ValueError("texts and labels differ in length")
    distinct = sorted(set(labels))
    if len(texts) < MIN_EXAMPLES or len(distinct) < MIN_LABELS:
        raise NotEnoughExamples(f"{len(texts)} examples of {len(distinct)} topics")
    model = pipeline(max_features=max_features)
    model.fit(list(texts), list(labels))
    return TopicClassifier(model, [int(x) for x in distinct])


def dumps(model: TopicClassifier) -> bytes:
    return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)


def loads(blob: bytes) -> Any:
    return pickle.loads(blob)  # noqa: S301 - our own model, from our own database
