"""Sources of feedback, routing rules and surveys (program owners and admins)."""

import re
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from peerloop.core.roles import Actor
from peerloop.core.services import audit_record
from peerloop.feedback import permissions
from peerloop.feedback.models import FeedbackSource, RoutingRule, SourceKind, Survey
from peerloop.people import queries as people_queries
from peerloop.spaces import queries as spaces_queries
from peerloop.vocabulary import queries as vocabulary_queries

ITEM_FIELDS = (
    "text",
    "score",
    "channel",
    "segment",
    "product",
    "region",
    "unit",
    "occurred_at",
    "idempotency_key",
    "attributes",
)
PATH = re.compile(r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$")


def clean_mapping(mapping: dict[str, Any] | None) -> dict[str, str]:
    """A webhook's field mapping: item field -> dotted path in the sender's JSON."""
    cleaned: dict[str, str] = {}
    for field, path in (mapping or {}).items():
        if field not in ITEM_FIELDS:
            raise ValidationError(
                {"mapping": f"Unknown item field {field!r}; the fields are {', '.join(ITEM_FIELDS)}."}
            )
        if not isinstance(path, str) or not PATH.match(path) or len(path) > 200:
            raise ValidationError({"mapping": f"The path of {field!r} must be dotted names like 'data.comment'."})
        cleaned[field] = path
    return cleaned


def source_create(
    *, actor: Actor, name: str, kind: str, slug: str = "", mapping: dict[str, Any] | None = None
) -> FeedbackSource:
    """A new source; a webhook source gets a generated secret (shown to the program owner)."""
    permissions.require_run_loop(actor, write=True)
    name = " ".join((name or "").split())[:160]
    if not name:
        raise ValidationError({"name": "A name is required."})
    if kind not in SourceKind.values:
        raise ValidationError({"kind": f"The kind is one of {', '.join(SourceKind.values)}."})
    slug = slugify(slug or name)[:80] or "source"
    source = FeedbackSource(name=name, slug=slug, kind=kind, mapping=clean_mapping(mapping))
    if kind == SourceKind.WEBHOOK:
        source.secret = secrets.token_hex(32)
    try:
        with transaction.atomic():
            source.save()
    except IntegrityError as exc:
        raise ValidationError({"slug": f"A source with the slug {slug!r} exists."}) from exc
    audit_record(
        actor=actor,
        action="feedback.source_created",
        object_type="feedback_source",
        object_id=source.pk,
        object_repr=source.name,
        changes={"kind": kind},
    )
    return source


def source_update(
    *,
    actor: Actor,
    source_id: int,
    name: str | None = None,
    mapping: dict[str, Any] | None = None,
    active: bool | None = None,
    rotate_secret: bool = False,
) -> FeedbackSource:
    permissions.require_run_loop(actor, write=True)
    source = FeedbackSource.objects.filter(pk=source_id).first()
    if source is None:
        from peerloop.core.permissions import NotFound

        raise NotFound()
    changes: dict[str, Any] = {}
    if name is not None and name.strip():
        source.name = " ".join(name.split())[:160]
        changes["name"] = source.name
    if mapping is not None:
        source.mapping = clean_mapping(mapping)
        changes["mapping"] = sorted(source.mapping)
    if active is not None:
        source.active = active
        changes["active"] = active
    if rotate_secret and source.kind == SourceKind.WEBHOOK:
        source.secret = secrets.token_hex(32)
        changes["secret"] = "rotated"
    source.save()
    audit_record(
        actor=actor,
        action="feedback.source_updated",
        object_type="feedback_source",
        object_id=source.pk,
        object_repr=source.name,
        changes=changes,
    )
    return source


def source_for_kind(*, kind: str) -> FeedbackSource:
    """The built-in source of a kind (manual entry, API, upload), created on first use."""
    source, _ = FeedbackSource.objects.get_or_create(
        slug=f"{kind}-default", defaults={"name": f"{SourceKind(kind).label}", "kind": kind}
    )
    return source


def rule_save(
    *,
    actor: Actor,
    rule_id: int | None = None,
    name: str,
    role_family: str,
    min_level: int = 1,
    scope: str = RoutingRule.Scope.REGION,
    priority: int = 100,
    topic_id: int | None = None,
    segment: str = "",
    region_id: int | None = None,
    unit_id: int | None = None,
    score_max: float | None = None,
    sla_hours: int = 48,
    active: bool = True,
) -> RoutingRule:
    """Create or change a routing rule."""
    permissions.require_run_loop(actor, write=True)
    errors: dict[str, str] = {}
    name = " ".join((name or "").split())[:160]
    if not name:
        errors["name"] = "A name is required."
    role_family = (role_family or "").strip()
    if not role_family:
        errors["role_family"] = "Name the role family accountable (e.g. sales)."
    if scope not in RoutingRule.Scope.values:
        errors["scope"] = f"The scope is one of {', '.join(RoutingRule.Scope.values)}."
    if not 1 <= min_level <= 20:
        errors["min_level"] = "The level is between 1 and 20."
    if not 1 <= sla_hours <= 24 * 90:
        errors["sla_hours"] = "The SLA is between 1 hour and 90 days."
    if not 0 <= priority <= 100_000:
        errors["priority"] = "The priority is between 0 and 100000."
    if score_max is not None and not 0 <= score_max <= 10:
        errors["score_max"] = "Scores are between 0 and 10."
    if topic_id is not None and vocabulary_queries.topic_get(topic_id=topic_id) is None:
        errors["topic_id"] = "No such topic."
    if region_id is not None and people_queries.region_get(region_id=region_id) is None:
        errors["region_id"] = "No such region."
    if unit_id is not None and people_queries.unit_get(unit_id=unit_id) is None:
        errors["unit_id"] = "No such unit."
    if errors:
        raise ValidationError(errors)
    rule = RoutingRule() if rule_id is None else RoutingRule.objects.filter(pk=rule_id).first()
    if rule is None:
        from peerloop.core.permissions import NotFound

        raise NotFound()
    fields = {
        "name": name,
        "role_family": role_family,
        "min_level": min_level,
        "scope": scope,
        "priority": priority,
        "topic_id": topic_id,
        "segment": segment.strip()[:120],
        "region_id": region_id,
        "unit_id": unit_id,
        "score_max": score_max,
        "sla_hours": sla_hours,
        "active": active,
    }
    for key, value in fields.items():
        setattr(rule, key, value)
    rule.save()
    audit_record(
        actor=actor,
        action="feedback.rule_saved",
        object_type="routing_rule",
        object_id=rule.pk,
        object_repr=rule.name,
        changes={k: v for k, v in fields.items() if v not in (None, "")},
    )
    return rule


def rule_delete(*, actor: Actor, rule_id: int) -> None:
    permissions.require_run_loop(actor, write=True)
    rule = RoutingRule.objects.filter(pk=rule_id).first()
    if rule is None:
        from peerloop.core.permissions import NotFound

        raise NotFound()
    audit_record(
        actor=actor,
        action="feedback.rule_deleted",
        object_type="routing_rule",
        object_id=rule.pk,
        object_repr=rule.name,
    )
    rule.delete()


def survey_create(
    *, actor: Actor, title: str, question: str, kind: str = Survey.Kind.NPS, space_id: int | None = None
) -> Survey:
    permissions.require_run_loop(actor, write=True)
    errors = {}
    title = " ".join((title or "").split())[:200]
    question = " ".join((question or "").split())[:300]
    if not title:
        errors["title"] = "A title is required."
    if not question:
        errors["question"] = "A question is required."
    if kind not in Survey.Kind.values:
        errors["kind"] = f"The kind is one of {', '.join(Survey.Kind.values)}."
    if space_id is not None and spaces_queries.space_get(space_id=space_id) is None:
        errors["space_id"] = "No such space."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        source = FeedbackSource.objects.create(
            name=f"Survey: {title}"[:160], slug=f"survey-{secrets.token_hex(4)}", kind=SourceKind.SURVEY
        )
        survey = Survey.objects.create(source=source, title=title, question=question, kind=kind, space_id=space_id)
        audit_record(
            actor=actor, action="feedback.survey_created", object_type="survey", object_id=survey.pk, object_repr=title
        )
    return survey
