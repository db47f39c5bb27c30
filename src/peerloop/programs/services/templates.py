"""Programs started from a built-in template (programs/catalog.py)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from peerloop.core.roles import Actor
from peerloop.programs import catalog
from peerloop.programs.models import Metric, Program
from peerloop.programs.services.kpis import kpi_set
from peerloop.programs.services.metrics import metric_create
from peerloop.programs.services.programs import program_create


def program_create_from_template(*, actor: Actor, template_key: str, **fields: Any) -> Program:
    """Create a program from a template: the fields given (as for ``program_create``; the
    template's objective, outcomes and mechanisms fill those left out or empty), then the template's
    KPIs with their targets, on the organization's metrics of the same code (created when
    missing). All of it or nothing."""
    template = catalog.template_get(template_key)
    if template is None:
        raise ValidationError({"template": f"No template “{template_key}”."})
    for name, value in (
        ("objective", template.objective),
        ("expected_outcomes", template.expected_outcomes),
        ("mechanisms", template.mechanisms),
    ):
        if not fields.get(name):
            fields[name] = value
    with transaction.atomic():
        program = program_create(actor=actor, **fields)
        program.template = template.key
        program.save(update_fields=["template"])
        for kpi in template.kpis:
            metric = Metric.objects.filter(code=kpi.code).first() or metric_create(
                actor=actor,
                code=kpi.code,
                name=kpi.name,
                direction=kpi.direction,
                unit_label=kpi.unit_label,
                description=kpi.description,
            )
            kpi_set(actor=actor, program_id=program.pk, metric_id=metric.pk, target=kpi.target)
    return program
