"""REST endpoints of the shared kernel (mounted under /api/v1 by peerloop.api):
the interaction stream, background jobs and the audit log."""

from datetime import UTC, datetime
import uuid

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from peerloop.core import permissions
from peerloop.core.queries import audit_list, interaction_list, job_get

router = Router(tags=["core"])

MAX_ID = 2**63 - 1


def aware(value: datetime | None) -> datetime | None:
    """The datetime in UTC; one given without a zone is taken as UTC.

    PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 lets a client send, so every
    value is moved to UTC here; one that leaves the calendar on the way is a 422.
    """
    if value is None:
        return None
    if timezone.is_naive(value):
        return timezone.make_aware(value, UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise HttpError(422, "That date and time is out of range.") from None


class InteractionOut(Schema):
    id: int
    occurred_at: datetime
    kind: str
    actor_id: int = Field(description="The person who acted")
    target_id: int | None = Field(description="The person acted upon, if any")
    space_id: int | None
    object_type: str
    object_id: str
    weight: float
    event_id: uuid.UUID = Field(description="Rows of one event with several targets share it")


class InteractionFilters(Schema):
    since: datetime | None = Field(None, description="Occurred at or after (ISO 8601; UTC when no zone)")
    until: datetime | None = Field(None, description="Occurred before (ISO 8601; UTC when no zone)")
    kind: str | None = Field(None, max_length=64, description="Exact kind, e.g. space.join")
    actor: int | None = Field(None, ge=1, le=MAX_ID, description="The acting person's id")


@router.get("/interactions", response=list[InteractionOut], summary="The interaction stream")
@paginate(LimitOffsetPagination)
def interactions(request: HttpRequest, filters: Query[InteractionFilters]):  # type: ignore[type-arg]
    """Who interacted with whom, how, where and when, oldest first. Admins and leaders."""
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_interaction_reader(actor)
    return interaction_list(
        since=aware(filters.since), until=aware(filters.until), kind=filters.kind, actor_id=filters.actor
    )


class JobOut(Schema):
    id: uuid.UUID
    kind: str
    label: str
    status: str = Field(description="queued, running, succeeded or failed")
    done: int
    total: int
    percent: int
    message: str
    result: dict
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


@router.get("/jobs/{job_id}", response=JobOut, summary="A background job's progress")
def job_detail(request: HttpRequest, job_id: uuid.UUID):
    """The job's status and progress; visible to the person who started it and to admins."""
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_authenticated(actor)
    job = job_get(job_id=job_id)
    permissions.require(job is not None and permissions.can_see_job(actor, job), hide=True)
    return job


class AuditEntryOut(Schema):
    id: int
    at: datetime
    actor_id: int | None = Field(description="The account that acted; null for the system")
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict
    ip_address: str | None


class AuditFilters(Schema):
    action: str | None = Field(None, max_length=64, description="Exact action, e.g. api_token.create")
    since: datetime | None = Field(None, description="At or after (ISO 8601; UTC when no zone)")
    until: datetime | None = Field(None, description="Before (ISO 8601; UTC when no zone)")


@router.get("/audit", response=list[AuditEntryOut], summary="The audit log")
@paginate(LimitOffsetPagination)
def audit(request: HttpRequest, filters: Query[AuditFilters]):  # type: ignore[type-arg]
    """Security and admin actions, newest first. Admins only."""
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_admin(actor)
    return audit_list(action=filters.action, since=aware(filters.since), until=aware(filters.until))
