"""Writes of the common vocabulary: topics, segments, company values and tags.

Every change an admin makes writes one audit row. Topic names and synonyms form one
namespace (a word means one topic), so the feedback loop and the importers can
resolve any word to exactly one topic.
"""

from collections.abc import Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.text import slugify

from peerloop.core.roles import Actor
from peerloop.core.services import audit_record
from peerloop.core.tabular import looks_like_formula
from peerloop.vocabulary import queries
from peerloop.vocabulary.importing import vocabulary_import, vocabulary_import_file
from peerloop.vocabulary.models import CompanyValue, Segment, TaggedItem, Topic
from peerloop.vocabulary.terms import MAX_TERM_LENGTH, clean_term, normalize_synonyms, parent_cycle, term_key

__all__ = [
    "company_value_create",
    "company_value_delete",
    "company_value_update",
    "segment_create",
    "segment_delete",
    "segment_update",
    "tag_add",
    "tag_remove",
    "topic_create",
    "topic_delete",
    "topic_update",
    "vocabulary_import",
    "vocabulary_import_file",
]

SLUG_MAX = 120
_UNSET: Any = object()


# --- shared checks -------------------------------------------------------------------


def clean_name(value: str, *, field: str = "name") -> str:
    name = clean_term(value or "")
    if not name:
        raise ValidationError({field: "A name is required."})
    if len(name) > MAX_TERM_LENGTH:
        raise ValidationError({field: f"Keep the name under {MAX_TERM_LENGTH} characters."})
    if looks_like_formula(name):
        raise ValidationError({field: "A name cannot start with =, +, - or @ (it would run as a spreadsheet formula)."})
    return name


def clean_slug(value: str, *, field: str = "slug") -> str:
    slug = slugify(value or "")
    if not slug:
        raise ValidationError({field: "The slug needs at least one letter or digit."})
    if len(slug) > SLUG_MAX:
        raise ValidationError({field: f"Keep the slug under {SLUG_MAX} characters."})
    return slug


def _free_slug(model: type[models.Model], base: str, *, exclude_id: int | None = None) -> str:
    """``base``, or ``base-2``, ``base-3``... the first one no other row uses."""
    base = base[: SLUG_MAX - 4] or "item"
    taken = set(
        model._default_manager.filter(slug__startswith=base)  # type: ignore[attr-defined]
        .exclude(pk=exclude_id)
        .values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _pick_slug(model: type[models.Model], *, name: str, slug: str | None, exclude_id: int | None = None) -> str:
    if slug:
        chosen = clean_slug(slug)
        clash = model._default_manager.filter(slug=chosen).exclude(pk=exclude_id).first()  # type: ignore[attr-defined]
        if clash is not None:
            raise ValidationError({"slug": f"The slug {chosen!r} is already used by {clash}."})
        return chosen
    return _free_slug(model, clean_slug(name, field="name"), exclude_id=exclude_id)


def _diff(obj: models.Model, fields: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changes; sets the new values."""
    changes: dict[str, list[Any]] = {}
    for name, value in fields.items():
        old = getattr(obj, name)
        if old != value:
            changes[name] = [old, value]
            setattr(obj, name, value)
    return changes


# --- topics --------------------------------------------------------------------------


def _check_terms(*, name: str, synonyms: Sequence[str], topic_id: int | None) -> None:
    """A topic's name and synonyms may not be another topic's name or synonym."""
    owners = queries.term_owners(exclude_id=topic_id)
    clash = owners.get(term_key(name))
    if clash is not None:
        raise ValidationError({"name": f"{name!r} is already {clash.describe()}."})
    problems = [f"{s!r} is already {owners[term_key(s)].describe()}" for s in synonyms if term_key(s) in owners]
    if problems:
        raise ValidationError({"synonyms": "; ".join(problems) + "."})


def _clean_synonyms(synonyms: Sequence[str] | str, *, name: str) -> list[str]:
    if isinstance(synonyms, str):
        synonyms = [synonyms]
    cleaned = normalize_synonyms(synonyms, name=name)
    for synonym in cleaned:
        if len(synonym) > MAX_TERM_LENGTH:
            raise ValidationError({"synonyms": f"Keep each synonym under {MAX_TERM_LENGTH} characters."})
        if looks_like_formula(synonym):
            raise ValidationError({"synonyms": f"{synonym!r} cannot start with =, +, - or @."})
    return cleaned


def _check_parent(*, topic_id: int | None, parent_id: int | None) -> None:
    if parent_id is None:
        return
    parents = dict(Topic.objects.values_list("id", "parent_id"))
    if parent_id not in parents:
        raise ValidationError({"parent_id": f"There is no topic {parent_id}."})
    if topic_id is None:
        return
    parents[topic_id] = parent_id
    cycle = parent_cycle(parents, topic_id)
    if cycle:
        names = dict(Topic.objects.filter(id__in=set(cycle)).values_list("id", "name"))
        chain = " → ".join(names[i] for i in cycle)
        raise ValidationError({"parent_id": f"That parent would make a cycle: {chain}."})


def topic_create(
    *,
    actor: Actor,
    name: str,
    slug: str | None = None,
    parent_id: int | None = None,
    synonyms: Sequence[str] = (),
    description: str = "",
) -> Topic:
    """Create a topic. Its name and synonyms must be new to the vocabulary; its slug
    is derived from the name when not given (and made unique)."""
    name = clean_name(name)
    synonyms = _clean_synonyms(synonyms, name=name)
    with transaction.atomic():
        _check_terms(name=name, synonyms=synonyms, topic_id=None)
        _check_parent(topic_id=None, parent_id=parent_id)
        topic = Topic(
            name=name,
            slug=_pick_slug(Topic, name=name, slug=slug),
            parent_id=parent_id,
            synonyms=synonyms,
            description=(description or "").strip(),
        )
        _save_new(topic)
        audit_record(
            actor=actor,
            action="topic.create",
            object_type="vocabulary.topic",
            object_id=topic.pk,
            object_repr=topic.name,
            changes={"name": name, "slug": topic.slug, "parent_id": parent_id, "synonyms": synonyms},
        )
    queries.invalidate_terms()
    return topic


def topic_update(
    *,
    actor: Actor,
    topic_id: int,
    name: str = _UNSET,
    slug: str = _UNSET,
    parent_id: int | None = _UNSET,
    synonyms: Sequence[str] = _UNSET,
    description: str = _UNSET,
) -> Topic:
    """Change the given fields of a topic (others stay). Refuses a parent that would
    make a cycle, naming the chain."""
    with transaction.atomic():
        topic = Topic.objects.select_for_update().filter(pk=topic_id).first()
        if topic is None:
            raise ValidationError({"topic_id": f"There is no topic {topic_id}."})
        new_name = clean_name(name) if name is not _UNSET else topic.name
        new_synonyms = _clean_synonyms(synonyms if synonyms is not _UNSET else topic.synonyms, name=new_name)
        fields: dict[str, Any] = {"name": new_name, "synonyms": new_synonyms}
        if slug is not _UNSET:
            fields["slug"] = _pick_slug(Topic, name=new_name, slug=slug or None, exclude_id=topic.pk)
        if parent_id is not _UNSET:
            if parent_id == topic.pk:
                raise ValidationError({"parent_id": f"{topic.name} cannot be its own parent."})
            _check_parent(topic_id=topic.pk, parent_id=parent_id)
            fields["parent_id"] = parent_id
        if description is not _UNSET:
            fields["description"] = (description or "").strip()
        _check_terms(name=new_name, synonyms=new_synonyms, topic_id=topic.pk)
        changes = _diff(topic, fields)
        if changes:
            topic.save()
            audit_record(
                actor=actor,
                action="topic.update",
                object_type="vocabulary.topic",
                object_id=topic.pk,
                object_repr=topic.name,
                changes=changes,
            )
    if changes:
        queries.invalidate_terms()
    return topic


def topic_delete(*, actor: Actor, topic_id: int) -> None:
    """Delete a topic and its tags; refused while it has subtopics."""
    with transaction.atomic():
        topic = Topic.objects.select_for_update().filter(pk=topic_id).first()
        if topic is None:
            raise ValidationError({"topic_id": f"There is no topic {topic_id}."})
        children = list(Topic.objects.filter(parent_id=topic.pk).order_by("name").values_list("name", flat=True))
        if children:
            shown = ", ".join(children[:5]) + (f" and {len(children) - 5} more" if len(children) > 5 else "")
            raise ValidationError(
                f"{topic.name} has {len(children)} subtopic{'s' if len(children) > 1 else ''} ({shown}). "
                "Move or delete them first."
            )
        tags = TaggedItem.objects.filter(topic_id=topic.pk).count()
        audit_record(
            actor=actor,
            action="topic.delete",
            object_type="vocabulary.topic",
            object_id=topic.pk,
            object_repr=topic.name,
            changes={"slug": topic.slug, "synonyms": topic.synonyms, "tags_removed": tags},
        )
        topic.delete()
    queries.invalidate_terms()


def _save_new(obj: models.Model) -> None:
    """Insert, turning a race on the unique slug into a ValidationError."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise ValidationError({"slug": f"The slug {obj.slug!r} is already used."}) from exc  # type: ignore[attr-defined]


# --- segments and company values -----------------------------------------------------


def _named_create(
    model: type[Segment] | type[CompanyValue], kind: str, *, actor: Actor, name: str, slug: str | None, description: str
) -> Any:
    name = clean_name(name)
    with transaction.atomic():
        clash = model._default_manager.filter(name__iexact=name).first()
        if clash is not None:
            raise ValidationError({"name": f"There is already a {kind} named {clash.name!r}."})
        obj = model(name=name, slug=_pick_slug(model, name=name, slug=slug), description=(description or "").strip())
        _save_new(obj)
        audit_record(
            actor=actor,
            action=f"{kind.replace(' ', '_')}.create",
            object_type=f"vocabulary.{model.__name__.lower()}",
            object_id=obj.pk,
            object_repr=obj.name,
            changes={"name": obj.name, "slug": obj.slug},
        )
    return obj


def _named_update(
    model: type[Segment] | type[CompanyValue],
    kind: str,
    *,
    actor: Actor,
    obj_id: int,
    name: str,
    slug: str,
    description: str,
) -> Any:
    with transaction.atomic():
        obj = model._default_manager.select_for_update().filter(pk=obj_id).first()
        if obj is None:
            raise ValidationError({"id": f"There is no {kind} {obj_id}."})
        fields: dict[str, Any] = {}
        if name is not _UNSET:
            fields["name"] = clean_name(name)
            clash = model._default_manager.filter(name__iexact=fields["name"]).exclude(pk=obj.pk).first()
            if clash is not None:
                raise ValidationError({"name": f"There is already a {kind} named {clash.name!r}."})
        if slug is not _UNSET:
            fields["slug"] = _pick_slug(model, name=fields.get("name", obj.name), slug=slug or None, exclude_id=obj.pk)
        if description is not _UNSET:
            fields["description"] = (description or "").strip()
        changes = _diff(obj, fields)
        if changes:
            obj.save()
            audit_record(
                actor=actor,
                action=f"{kind.replace(' ', '_')}.update",
                object_type=f"vocabulary.{model.__name__.lower()}",
                object_id=obj.pk,
                object_repr=obj.name,
                changes=changes,
            )
    return obj


def _named_delete(model: type[Segment] | type[CompanyValue], kind: str, *, actor: Actor, obj_id: int) -> None:
    with transaction.atomic():
        obj = model._default_manager.filter(pk=obj_id).first()
        if obj is None:
            raise ValidationError({"id": f"There is no {kind} {obj_id}."})
        audit_record(
            actor=actor,
            action=f"{kind.replace(' ', '_')}.delete",
            object_type=f"vocabulary.{model.__name__.lower()}",
            object_id=obj.pk,
            object_repr=obj.name,
            changes={"slug": obj.slug},
        )
        obj.delete()


def segment_create(*, actor: Actor, name: str, slug: str | None = None, description: str = "") -> Segment:
    """Create a customer segment; names are unique regardless of case."""
    return _named_create(Segment, "segment", actor=actor, name=name, slug=slug, description=description)


def segment_update(
    *, actor: Actor, segment_id: int, name: str = _UNSET, slug: str = _UNSET, description: str = _UNSET
) -> Segment:
    return _named_update(
        Segment, "segment", actor=actor, obj_id=segment_id, name=name, slug=slug, description=description
    )


def segment_delete(*, actor: Actor, segment_id: int) -> None:
    _named_delete(Segment, "segment", actor=actor, obj_id=segment_id)


def company_value_create(*, actor: Actor, name: str, slug: str | None = None, description: str = "") -> CompanyValue:
    """Create a company value; names are unique regardless of case."""
    return _named_create(CompanyValue, "company value", actor=actor, name=name, slug=slug, description=description)


def company_value_update(
    *, actor: Actor, value_id: int, name: str = _UNSET, slug: str = _UNSET, description: str = _UNSET
) -> CompanyValue:
    return _named_update(
        CompanyValue, "company value", actor=actor, obj_id=value_id, name=name, slug=slug, description=description
    )


def company_value_delete(*, actor: Actor, value_id: int) -> None:
    _named_delete(CompanyValue, "company value", actor=actor, obj_id=value_id)


# --- tags ----------------------------------------------------------------------------


def _object_key(obj: models.Model) -> tuple[ContentType, str]:
    if obj.pk is None:
        raise ValidationError({"obj": "Save the object before tagging it."})
    return ContentType.objects.get_for_model(obj, for_concrete_model=True), str(obj.pk)


def tag_add(*, actor: Actor, topic_id: int, obj: models.Model) -> bool:
    """Tag ``obj`` with a topic; True when the tag is new (tagging twice is a no-op)."""
    if not Topic.objects.filter(pk=topic_id).exists():
        raise ValidationError({"topic_id": f"There is no topic {topic_id}."})
    content_type, object_id = _object_key(obj)
    try:
        with transaction.atomic():
            _, created = TaggedItem.objects.get_or_create(
                topic_id=topic_id, content_type=content_type, object_id=object_id
            )
    except IntegrityError:
        # Someone tagged it in the same instant: the tag exists, which is what was asked.
        return False
    return created


def tag_remove(*, actor: Actor, topic_id: int, obj: models.Model) -> bool:
    """Remove a topic from ``obj``; True when a tag was removed (removing twice is a no-op)."""
    content_type, object_id = _object_key(obj)
    deleted, _ = TaggedItem.objects.filter(topic_id=topic_id, content_type=content_type, object_id=object_id).delete()
    return bool(deleted)
