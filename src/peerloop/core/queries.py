"""Reads of the shared kernel."""

from datetime import datetime
import uuid

from django.db.models import QuerySet

from peerloop.core.models import AuditEntry, Interaction, Job


def interaction_list(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    kind: str | None = None,
    actor_id: int | None = None,
    after_id: int | None = None,
) -> QuerySet[Interaction]:
    """Interactions oldest first, in [since, until), of one kind, by one person and recorded after
    the row ``after_id`` when given."""
    qs = Interaction.objects.all().order_by("occurred_at", "id")
    if since:
        qs = qs.filter(occurred_at__gte=since)
    if until:
        qs = qs.filter(occurred_at__lt=until)
    if kind:
        qs = qs.filter(kind=kind)
    if actor_id is not None:
        qs = qs.filter(actor_id=actor_id)
    if after_id is not None:
        qs = qs.filter(id__gt=after_id)
    return qs


def audit_list(
    *, action: str | None = None, since: datetime | None = None, until: datetime | None = None
) -> QuerySet[AuditEntry]:
    """Audit entries newest first, in [since, until), of one action when given."""
    qs = AuditEntry.objects.all().order_by("-at", "-id")
    if action:
        qs = qs.filter(action=action)
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    return qs


def job_get(*, job_id: uuid.UUID | str) -> Job | None:
    return Job.objects.filter(pk=job_id).first()


def job_list_for_user(*, user_id: int, limit: int = 20) -> list[Job]:
    return list(Job.objects.filter(started_by_id=user_id)[:limit])


def interaction_after(*, after_id: int, kinds: list[str], limit: int = 1000) -> list[Interaction]:
    """Up to ``limit`` interactions of the given kinds with an id above ``after_id``, by id
    (for readers of the stream that keep a cursor)."""
    return list(Interaction.objects.filter(id__gt=after_id, kind__in=kinds).order_by("id")[:limit])
