"""The shared kernel's data: the interaction stream, the audit log and background jobs."""

import uuid

from django.conf import settings
from django.db import models


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AppendOnly(models.Model):
    """Rows are written once: updates and deletes through the ORM are refused."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only")


class AppendOnlyError(RuntimeError):
    pass


class Interaction(AppendOnly):
    """One edge of the interaction stream: who interacted with whom, how, where, when.

    An event with several targets is stored as one row per target sharing an
    ``event_id``; an event with no target has ``target`` empty. Nothing points at this
    table and rows are never updated, so PostgreSQL can partition it by
    ``occurred_at`` (docs/adr/0003-interaction-stream.md).
    """

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=64)
    # Looked up through the (actor, occurred_at) and (target, occurred_at) indexes: an index
    # of their own would be two more writes per event on the busiest table.
    # The actor has no constraint in the database: a check per row on the busiest table, for
    # people who are deactivated and never deleted; the ORM still refuses to delete a person
    # the stream names (PROTECT) (docs/adr/0010-no-database-checks-on-the-routing-path.md).
    actor = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    target = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", null=True, blank=True, db_index=False
    )
    space_id = models.BigIntegerField(null=True, blank=True)
    object_type = models.CharField(max_length=64, blank=True, default="")
    object_id = models.CharField(max_length=64, blank=True, default="")
    weight = models.FloatField(default=1.0)
    event_id = models.UUIDField(default=uuid.uuid4)

    class Meta:
        indexes = [
            models.Index(fields=["actor", "occurred_at"], name="interaction_actor_time"),
            # Most events have no target or no space: they get no entry in these two.
            models.Index(
                fields=["target", "occurred_at"],
                condition=models.Q(target__isnull=False),
                name="interaction_target_time",
            ),
            models.Index(fields=["kind", "occurred_at"], name="interaction_kind_time"),
            models.Index(
                fields=["space_id", "occurred_at"],
                condition=models.Q(space_id__isnull=False),
                name="interaction_space_time",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(weight__gte=0), name="interaction_weight_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.actor_id} at {self.occurred_at:%Y-%m-%d %H:%M}"


class AuditEntry(AppendOnly):
    """One security or admin action: who did what to which object, and what changed."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True, default="")
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True, default="")
    object_id = models.CharField(max_length=64, blank=True, default="")
    object_repr = models.CharField(max_length=200, blank=True, default="")
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "audit entries"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type} {self.object_id}"


class Job(TimeStamped):
    """A piece of background work a person started, with its progress and outcome."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=64)
    label = models.CharField(max_length=200)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True, default="")
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["started_by", "-created_at"], name="job_owner_recent")]

    def __str__(self) -> str:
        return f"{self.label} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(100 * self.done / self.total))

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
