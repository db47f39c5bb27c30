"""Writes of a program's KPIs: a metric with a baseline and a target."""

from collections.abc import Mapping, Sequence
from datetime import date
import math
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from peerloop.core.roles import Actor
from peerloop.core.services import audit_record
from peerloop.programs.models import Kpi, Metric, Program
from peerloop.programs.services._common import public


def _number(value: Any, field: str, *, required: bool) -> float | None:
    if value is None or value == "":
        if required:
            raise ValidationError({field: "A number is required."})
        return None
    if isinstance(value, bool):
        raise ValidationError({field: "Give a number."})
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: f"{value!r} is not a number."}) from exc
    if not math.isfinite(number):
        raise ValidationError({field: "Give a finite number."})
    return number


def _check_kpi(
    *, metric_id: int, target: Any, baseline: Any, metrics: Mapping[int, Metric]
) -> tuple[float, float | None]:
    if metric_id not in metrics:
        raise ValidationError({"metric_id": f"There is no metric {metric_id}."})
    target_value = _number(target, "target", required=True)
    baseline_value = _number(baseline, "baseline", required=False)
    assert target_value is not None
    if baseline_value is not None and baseline_value == target_value:
        raise ValidationError({"target": "The target must differ from the baseline."})
    return target_value, baseline_value


def kpi_set(
    *,
    actor: Actor,
    program_id: int,
    metric_id: int,
    target: float,
    baseline: float | None = None,
    target_date: date | None = None,
) -> Kpi:
    """Give a program a KPI on a metric, or change the one it has (one per metric)."""
    with transaction.atomic():
        program = Program.objects.select_for_update().filter(pk=program_id).first()
        if program is None:
            raise ValidationError({"program_id": f"There is no program {program_id}."})
        metrics = Metric.objects.in_bulk([metric_id])
        target_value, baseline_value = _check_kpi(
            metric_id=metric_id, target=target, baseline=baseline, metrics=metrics
        )
        kpi, created = Kpi.objects.update_or_create(
            program=program,
            metric_id=metric_id,
            defaults={"target": target_value, "baseline": baseline_value, "target_date": target_date},
        )
        audit_record(
            actor=actor,
            action="program.kpi_set",
            object_type="programs.program",
            object_id=program.pk,
            object_repr=program.name,
            changes={
                "metric": metrics[metric_id].code,
                "target": target_value,
                "baseline": baseline_value,
                "target_date": public(target_date),
                "created": created,
            },
        )
    return kpi


def kpi_remove(*, actor: Actor, program_id: int, metric_id: int) -> bool:
    """Remove a program's KPI on a metric; True when there was one."""
    with transaction.atomic():
        kpi = Kpi.objects.select_related("program", "metric").filter(program_id=program_id, metric_id=metric_id).first()
        if kpi is None:
            return False
        audit_record(
            actor=actor,
            action="program.kpi_remove",
            object_type="programs.program",
            object_id=program_id,
            object_repr=kpi.program.name,
            changes={"metric": kpi.metric.code},
        )
        kpi.delete()
    return True


def program_kpis_replace(*, actor: Actor, program_id: int, kpis: Sequence[Mapping[str, Any]]) -> list[Kpi]:
    """Make the program's KPIs exactly ``kpis`` (each: metric_id, target, baseline,
    target_date), all or nothing. Errors name the item: ``kpis[2].target``."""
    with transaction.atomic():
        program = Program.objects.select_for_update().filter(pk=program_id).first()
        if program is None:
            raise ValidationError({"program_id": f"There is no program {program_id}."})
        metrics = Metric.objects.in_bulk([k.get("metric_id") for k in kpis if isinstance(k.get("metric_id"), int)])
        wanted: dict[int, dict[str, Any]] = {}
        errors: dict[str, str] = {}
        for position, item in enumerate(kpis):
            metric_id = item.get("metric_id")
            try:
                if not isinstance(metric_id, int) or isinstance(metric_id, bool):
                    raise ValidationError({"metric_id": "A metric id is required."})
                if metric_id in wanted:
                    raise ValidationError({"metric_id": f"The metric {metric_id} appears twice."})
                target, baseline = _check_kpi(
                    metric_id=metric_id, target=item.get("target"), baseline=item.get("baseline"), metrics=metrics
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    errors[f"kpis[{position}].{field}"] = messages[0]
                continue
            wanted[metric_id] = {"target": target, "baseline": baseline, "target_date": item.get("target_date")}
        if errors:
            raise ValidationError(errors)
        Kpi.objects.filter(program=program).exclude(metric_id__in=list(wanted)).delete()
        result = [
            Kpi.objects.update_or_create(program=program, metric_id=metric_id, defaults=values)[0]
            for metric_id, values in wanted.items()
        ]
        audit_record(
            actor=actor,
            action="program.kpis_replace",
            object_type="programs.program",
            object_id=program.pk,
            object_repr=program.name,
            changes={
                "kpis": [
                    {"metric": metrics[m].code, "target": v["target"], "baseline": v["baseline"]}
                    for m, v in wanted.items()
                ]
            },
        )
    return result
