"""Reads of the shared kernel."""

from datetime import datetime
import uuid

from django.db.models import QuerySet

from peerloop.core.models import AuditEntry, Interaction, Job


def interaction_list(
    *, since: datetime | None = None, until: datetime | None = None, kind: str | None = None
) -> QuerySet[Interaction]:
    qs = Interaction.objects.all().order_by("occurred_at", "id")
    if since:
        qs = qs.filter(occurred_at__gte=since)
    if until:
        qs = qs.filter(occurred_at__lt=until)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def audit_list() -> QuerySet[AuditEntry]:
    return AuditEntry.objects.all()


def job_get(*, job_id: uuid.UUID | str) -> Job | None:
    return Job.objects.filter(pk=job_id).first()


def job_list_for_user(*, user_id: int, limit: int = 20) -> list[Job]:
    return list(Job.objects.filter(started_by_id=user_id)[:limit])
