"""Writes of the shared kernel: the interaction stream, the audit log, jobs."""

from collections.abc import Iterable, Sequence
from datetime import datetime
import uuid

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from peerloop.core.models import AuditEntry, Interaction, Job
from peerloop.core.roles import Actor


def interaction_record(
    *,
    kind: str,
    actor_id: int,
    target_ids: Sequence[int] = (),
    space_id: int | None = None,
    object_type: str = "",
    object_id: str | int = "",
    weight: float = 1.0,
    occurred_at: datetime | None = None,
) -> list[Interaction]:
    """Record one event in the interaction stream, one row per target.

    Every module calls this and only this to say what happened; insights reads the
    stream. It joins the caller's transaction, so the event exists exactly when the
    write it describes does.
    """
    if weight < 0:
        raise ValueError("weight must not be negative")
    when = occurred_at or timezone.now()
    event_id = uuid.uuid4()
    targets: Iterable[int | None] = target_ids or [None]
    rows = [
        Interaction(
            kind=kind,
            actor_id=actor_id,
            target_id=target,
            space_id=space_id,
            object_type=object_type,
            object_id=str(object_id),
            weight=weight,
            occurred_at=when,
            event_id=event_id,
        )
        for target in targets
    ]
    return Interaction.objects.bulk_create(rows)


def audit_record(
    *,
    actor: Actor | None,
    action: str,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    changes: dict | None = None,
    ip_address: str | None = None,
) -> AuditEntry:
    """Write exactly one audit row for a security or admin action.

    ``changes`` must never hold secrets: callers pass field names and public values only.
    """
    return AuditEntry.objects.create(
        actor_id=actor.user_id if actor else None,
        actor_label=(actor.label if actor else "") or "system",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr[:200],
        changes=changes or {},
        ip_address=ip_address,
    )


def job_create(*, kind: str, label: str, started_by_id: int | None, params: dict | None = None) -> Job:
    return Job.objects.create(kind=kind, label=label, started_by_id=started_by_id, params=params or {})


def job_start(*, job_id: uuid.UUID | str, total: int = 0) -> None:
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.RUNNING, started_at=timezone.now(), total=total, done=0, updated_at=timezone.now()
    )


def job_progress(*, job_id: uuid.UUID | str, done: int, total: int | None = None, message: str = "") -> None:
    """Record progress; written outside any surrounding transaction so the UI sees it."""
    fields: dict = {"done": done, "updated_at": timezone.now()}
    if total is not None:
        fields["total"] = total
    if message:
        fields["message"] = message[:500]
    Job.objects.filter(pk=job_id).update(**fields)


def job_advance(*, job_id: uuid.UUID | str, by: int) -> None:
    Job.objects.filter(pk=job_id).update(done=F("done") + by, updated_at=timezone.now())


def job_finish(*, job_id: uuid.UUID | str, result: dict | None = None, error: str = "") -> None:
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        job.status = Job.Status.FAILED if error else Job.Status.SUCCEEDED
        job.finished_at = timezone.now()
        job.result = result or {}
        job.message = (error or job.message)[:500]
        if not error and job.total:
            job.done = job.total
        job.save()
