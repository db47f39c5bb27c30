"""Writes of metrics, the measures every module shares (values come in by import)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from peerloop.core.roles import Actor
from peerloop.core.services import audit_record
from peerloop.programs.models import Metric
from peerloop.programs.services._common import UNSET, clean_text


def _clean_code(code: str) -> str:
    value = (code or "").strip().lower()
    if not value:
        raise ValidationError({"code": "A code is required (e.g. nps, cost-per-order)."})
    if slugify(value) != value.replace("_", "-").strip("-") or not value[0].isalnum():
        raise ValidationError({"code": "Use lower-case letters, digits, - and _ (e.g. cost-per-order)."})
    if len(value) > 64:
        raise ValidationError({"code": "Keep the code under 64 characters."})
    return value


def _clean_direction(direction: str) -> str:
    if direction not in Metric.Direction.values:
        raise ValidationError({"direction": f"Use {' or '.join(Metric.Direction.values)}."})
    return direction


def metric_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    direction: str = "higher",
    unit_label: str = "",
    description: str = "",
) -> Metric:
    """Create a metric; its code is how imports name it and never changes."""
    code = _clean_code(code)
    fields = {
        "name": clean_text(name, "name", limit=160),
        "direction": _clean_direction(direction),
        "unit_label": clean_text(unit_label, "unit_label", limit=32, required=False),
        "description": clean_text(description, "description", limit=5000, required=False),
    }
    with transaction.atomic():
        if Metric.objects.filter(code=code).exists():
            raise ValidationError({"code": f"The code {code!r} is already used."})
        metric = Metric(code=code, **fields)
        try:
            with transaction.atomic():
                metric.save()
        except IntegrityError as exc:
            raise ValidationError({"code": f"The code {code!r} is already used."}) from exc
        audit_record(
            actor=actor,
            action="metric.create",
            object_type="programs.metric",
            object_id=metric.pk,
            object_repr=metric.name,
            changes={"code": code, **fields},
        )
    return metric


def metric_update(
    *,
    actor: Actor,
    metric_id: int,
    name: str = UNSET,
    direction: str = UNSET,
    unit_label: str = UNSET,
    description: str = UNSET,
) -> Metric:
    """Change a metric's name, direction, unit label or description (not its code)."""
    with transaction.atomic():
        metric = Metric.objects.select_for_update().filter(pk=metric_id).first()
        if metric is None:
            raise ValidationError({"metric_id": f"There is no metric {metric_id}."})
        fields: dict[str, Any] = {}
        if name is not UNSET:
            fields["name"] = clean_text(name, "name", limit=160)
        if direction is not UNSET:
            fields["direction"] = _clean_direction(direction)
        if unit_label is not UNSET:
            fields["unit_label"] = clean_text(unit_label, "unit_label", limit=32, required=False)
        if description is not UNSET:
            fields["description"] = clean_text(description, "description", limit=5000, required=False)
        changes = {k: [getattr(metric, k), v] for k, v in fields.items() if getattr(metric, k) != v}
        if changes:
            for key, (_, value) in changes.items():
                setattr(metric, key, value)
            metric.save()
            audit_record(
                actor=actor,
                action="metric.update",
                object_type="programs.metric",
                object_id=metric.pk,
                object_repr=metric.name,
                changes=changes,
            )
    return metric
