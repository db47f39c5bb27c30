"""Writes of the shared kernel: the interaction stream, the audit log, jobs."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
import uuid

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from peerloop.core.models import AuditEntry, Interaction, Job
from peerloop.core.roles import Actor


@dataclass(frozen=True)
class InteractionEvent:
    """One thing that happened, as a module describes it to the interaction stream."""

    kind: str
    actor_id: int
    target_ids: Sequence[int] = ()
    space_id: int | None = None
    object_type: str = ""
    object_id: str | int = ""
    weight: float = 1.0
    occurred_at: datetime | None = None


def _interaction_rows(event: InteractionEvent, now: datetime) -> list[Interaction]:
    if event.weight < 0:
        raise ValueError("weight must not be negative")
    when = event.occurred_at or now
    event_id = uuid.uuid4()
    targets: Iterable[int | None] = event.target_ids or [None]
    return [
        Interaction(
            kind=event.kind,
            actor_id=event.actor_id,
            target_id=target,
            space_id=event.space_id,
            object_type=event.object_type,
            object_id=str(event.object_id),
            weight=event.weight,
            occurred_at=when,
            event_id=event_id,
        )
        for target in targets
    ]


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

    Every module calls this (or :func:`interaction_record_many`) to say what happened;
    insights reads the stream. It joins the caller's transaction, so the event exists
    exactly when the write it describes does.
    """
    event = InteractionEvent(kind, actor_id, target_ids, space_id, object_type, object_id, weight, occurred_at)
    return Interaction.objects.bulk_create(_interaction_rows(event, timezone.now()))


def interaction_record_many(*, events: Iterable[InteractionEvent], batch_size: int = 5000) -> int:
    """Record many events at once (imports, matching rounds, the demo); returns the rows written.

    One transaction: all of them or none. Rows are written about ``batch_size`` at a time by
    :func:`interaction_record_fast`, so a long stream of events is never all in memory.
    """
    now = timezone.now()
    written = rows = 0
    chunk: list[InteractionEvent] = []
    with transaction.atomic():
        for event in events:
            chunk.append(event)
            rows += len(event.target_ids) or 1
            if rows >= batch_size:
                written += interaction_record_fast(events=chunk, now=now)
                chunk, rows = [], 0
        if chunk:
            written += interaction_record_fast(events=chunk, now=now)
    return written


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


def interaction_record_pairs(*, kind: str, object_type: str, pairs: Sequence[tuple[int, int]], at: datetime) -> int:
    """One event of ``kind`` per (actor, object id) pair, all at ``at``, without targets or
    space, in the caller's transaction: what a batch records per item (the feedback
    processor's ``feedback.routed``). On PostgreSQL the server builds the rows, each event's
    id included, from two arrays of ids in one statement; elsewhere
    :func:`interaction_record_fast`. Returns the rows written."""
    from django.db import connection

    from peerloop.core.sql import array_literal

    if not pairs:
        return 0
    if connection.vendor != "postgresql":
        events = [InteractionEvent(kind, actor, object_type=object_type, object_id=obj, occurred_at=at)
                  for actor, obj in pairs]  # fmt: skip
        return interaction_record_fast(events=events)
    actors, objects = zip(*pairs, strict=True)
    table = Interaction._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (occurred_at, kind, actor_id, target_id, space_id, object_type, object_id, "  # noqa: S608
            "weight, event_id) SELECT %s, %s, p.actor, NULL, NULL, %s, p.object::text, 1.0, gen_random_uuid() "
            "FROM unnest(%s::bigint[], %s::bigint[]) AS p(actor, object)",
            [at, kind, object_type, array_literal(actors), array_literal(objects)],
        )
    return len(pairs)


def interaction_record_fast(*, events: Iterable[InteractionEvent], now: datetime | None = None) -> int:
    """Every event's rows in one statement, without building model instances, in the
    caller's transaction (COPY on PostgreSQL, one prepared INSERT on SQLite): the
    feedback processor's batches, and :func:`interaction_record_many` a batch at a time.
    ``now`` stands for events without a time. Returns the rows written."""
    from django.db import connection

    now = now or timezone.now()
    rows = []
    stamp = connection.ops.adapt_datetimefield_value
    native_uuid = connection.features.has_native_uuid_field
    stamps: dict[datetime, Any] = {}  # a batch's events mostly share one moment
    for event in events:
        # Tuples straight from the event, without a model instance per row (the hot path).
        if event.weight < 0:
            raise ValueError("weight must not be negative")
        when = event.occurred_at or now
        if when not in stamps:
            stamps[when] = stamp(when)
        event_id = uuid.uuid4() if native_uuid else uuid.uuid4().hex
        targets: Iterable[int | None] = event.target_ids or [None]
        for target in targets:
            rows.append(
                (stamps[when], event.kind, event.actor_id, target, event.space_id, event.object_type,
                 str(event.object_id), event.weight, event_id)
            )  # fmt: skip
    if not rows:
        return 0
    table = Interaction._meta.db_table
    columns = "occurred_at, kind, actor_id, target_id, space_id, object_type, object_id, weight, event_id"
    sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"  # noqa: S608 - fixed names
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(sql, rows)
    return len(rows)
