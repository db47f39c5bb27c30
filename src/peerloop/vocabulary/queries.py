"""Reads of the common vocabulary.

The words of the vocabulary (topic names and synonyms) are kept in one in-process
index with one compiled pattern, rebuilt when the topics change. "Change" is read
from the database on each use (row count, id sum and last update), so a change made
by another process is seen on the next call, not after a timeout.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
import re
import threading
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Max, Q, QuerySet, Sum

from peerloop.vocabulary.models import CompanyValue, Segment, Topic
from peerloop.vocabulary.terms import compile_terms, find_terms, term_key

# --- the index of words ---------------------------------------------------------------


@dataclass(frozen=True)
class TermOwner:
    """Which topic a word belongs to, and whether it is that topic's name or a synonym."""

    topic_id: int
    topic_name: str
    is_name: bool

    def describe(self) -> str:
        role = "the name" if self.is_name else "a synonym"
        return f"{role} of the topic {self.topic_name!r}"


@dataclass
class _TermIndex:
    fingerprint: tuple[Any, ...]
    names: dict[str, TermOwner] = field(default_factory=dict)
    synonyms: dict[str, TermOwner] = field(default_factory=dict)
    slugs: dict[str, int] = field(default_factory=dict)
    _pattern: re.Pattern[str] | None = None
    _compiled: bool = False

    def owner(self, key: str) -> TermOwner | None:
        return self.names.get(key) or self.synonyms.get(key)

    def pattern(self) -> re.Pattern[str] | None:
        if not self._compiled:
            self._pattern = compile_terms([*self.names, *self.synonyms])
            self._compiled = True
        return self._pattern


_lock = threading.Lock()
_index: _TermIndex | None = None


def _fingerprint() -> tuple[Any, ...]:
    row = Topic.objects.aggregate(n=Count("id"), ids=Sum("id"), last=Max("updated_at"))
    return (row["n"], row["ids"], row["last"])


def _term_index() -> _TermIndex:
    global _index
    fingerprint = _fingerprint()
    current = _index
    if current is not None and current.fingerprint == fingerprint:
        return current
    index = _TermIndex(fingerprint)
    for topic_id, name, slug, synonyms in Topic.objects.order_by("id").values_list("id", "name", "slug", "synonyms"):
        owner = TermOwner(topic_id, name, True)
        index.names.setdefault(term_key(name), owner)
        index.slugs[slug.lower()] = topic_id
        for synonym in synonyms or []:
            if isinstance(synonym, str) and synonym.strip():
                index.synonyms.setdefault(term_key(synonym), TermOwner(topic_id, name, False))
    with _lock:
        _index = index
    return index


def invalidate_terms() -> None:
    """Forget the index now (the services call this after a change)."""
    global _index
    with _lock:
        _index = None


def term_owners(*, exclude_id: int | None = None) -> dict[str, TermOwner]:
    """Every word of the vocabulary (by term key) and the topic it belongs to."""
    index = _term_index()
    owners = {**index.synonyms, **index.names}
    if exclude_id is None:
        return owners
    return {key: owner for key, owner in owners.items() if owner.topic_id != exclude_id}


# --- topics ---------------------------------------------------------------------------


def topic_list(*, q: str | None = None) -> QuerySet[Topic]:
    """Topics by name; ``q`` keeps those whose name, slug or a synonym contains it."""
    qs = Topic.objects.select_related("parent").order_by("name", "id")
    if q and q.strip():
        needle = term_key(q)
        index = _term_index()
        synonym_ids = {owner.topic_id for key, owner in index.synonyms.items() if needle in key}
        qs = qs.filter(Q(name__icontains=needle) | Q(slug__icontains=needle) | Q(id__in=synonym_ids))
    return qs


def topic_get(*, topic_id: int) -> Topic | None:
    return Topic.objects.select_related("parent").filter(pk=topic_id).first()


def topic_children(*, topic_id: int) -> QuerySet[Topic]:
    return Topic.objects.filter(parent_id=topic_id).order_by("name", "id")


@dataclass
class TopicNode:
    topic: Topic
    children: list["TopicNode"] = field(default_factory=list)

    @property
    def size(self) -> int:
        """This topic and every topic below it."""
        return 1 + sum(child.size for child in self.children)


def topic_tree() -> list[TopicNode]:
    """The topics as a forest, each level sorted by name, from one query."""
    nodes = {t.pk: TopicNode(t) for t in Topic.objects.order_by("name", "id")}
    roots: list[TopicNode] = []
    for node in nodes.values():
        parent = nodes.get(node.topic.parent_id) if node.topic.parent_id else None
        (parent.children if parent is not None else roots).append(node)
        if parent is not None:
            # The parent is already loaded: spare the template a query per topic.
            node.topic.parent = parent.topic
    return roots


def topic_resolve(*, names: Iterable[str]) -> dict[str, Topic | None]:
    """Each given word to its topic, or None: case-insensitive on name, then slug, then synonym."""
    index = _term_index()
    chosen: dict[str, int | None] = {}
    for given in names:
        key = term_key(given)
        owner = index.names.get(key)
        topic_id = owner.topic_id if owner else index.slugs.get(key)
        if topic_id is None and key in index.synonyms:
            topic_id = index.synonyms[key].topic_id
        chosen[given] = topic_id
    topics = Topic.objects.in_bulk({i for i in chosen.values() if i is not None})
    return {given: (topics.get(i) if i is not None else None) for given, i in chosen.items()}


def topic_match_text(*, text: str) -> list[tuple[Topic, str]]:
    """The topics whose name or synonym appears in ``text`` as whole words, case-insensitive:
    (topic, the words as written), each topic once, in order of first appearance."""
    index = _term_index()
    found: dict[int, str] = {}
    for key, written in find_terms(index.pattern(), text):
        owner = index.owner(key)
        if owner is not None and owner.topic_id not in found:
            found[owner.topic_id] = written
    if not found:
        return []
    topics = Topic.objects.in_bulk(list(found))
    return [(topics[i], written) for i, written in found.items() if i in topics]


# --- tags -----------------------------------------------------------------------------


def tags_for(*, obj: models.Model) -> list[Topic]:
    """The topics ``obj`` is tagged with, by name."""
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return list(
        Topic.objects.filter(tagged_items__content_type=content_type, tagged_items__object_id=str(obj.pk)).order_by(
            "name"
        )
    )


def tags_for_many(*, objs: Sequence[models.Model]) -> dict[Any, list[Topic]]:
    """{obj.pk: [topics]} for objects of one model, in one query."""
    if not objs:
        return {}
    content_type = ContentType.objects.get_for_model(objs[0], for_concrete_model=True)
    by_key = {str(o.pk): o.pk for o in objs}
    result: dict[Any, list[Topic]] = {o.pk: [] for o in objs}
    rows = (
        Topic.objects.filter(tagged_items__content_type=content_type, tagged_items__object_id__in=list(by_key))
        .annotate(tagged_object=models.F("tagged_items__object_id"))
        .order_by("name")
    )
    for topic in rows:
        result[by_key[topic.tagged_object]].append(topic)  # type: ignore[attr-defined]
    return result


# --- segments and values --------------------------------------------------------------


def segment_list() -> QuerySet[Segment]:
    return Segment.objects.order_by("name", "id")


def segment_get(*, segment_id: int) -> Segment | None:
    return Segment.objects.filter(pk=segment_id).first()


def company_value_list() -> QuerySet[CompanyValue]:
    return CompanyValue.objects.order_by("name", "id")


def company_value_get(*, value_id: int) -> CompanyValue | None:
    return CompanyValue.objects.filter(pk=value_id).first()
