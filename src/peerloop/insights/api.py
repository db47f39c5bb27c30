"""REST endpoints of insights (mounted under /api/v1 by peerloop.api): the latest snapshot's
metrics, matrices and trends, and refreshes. Leaders, program owners and admins; aggregates
only (groups under the privacy floor are left out). Others get 404s."""

from datetime import datetime
import uuid

from django.http import HttpRequest
from ninja import Router, Schema, Status

from peerloop.core.permissions import NotFound, require_write
from peerloop.core.roles import Actor
from peerloop.core.services import job_create
from peerloop.core.tasks import actor_params, enqueue_on_commit
from peerloop.insights import permissions, queries
from peerloop.insights.tasks import snapshot_refresh_task

router = Router(tags=["insights"])


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined,no-any-return]


class InsightsSnapshotOut(Schema):
    id: int
    computed_at: datetime
    window_start: datetime
    window_end: datetime
    people: int
    interactions: int
    seconds: float
    metrics: dict


class InsightsRefreshOut(Schema):
    job_id: uuid.UUID
    status_url: str


@router.get("/insights/snapshot", response=InsightsSnapshotOut, summary="The latest insights")
def snapshot(request: HttpRequest):
    """Flow mix and its monthly trend, unit and region matrices (groups of at least five people),
    cross-silo shares, hub share, centralization, communities, lesson diffusion, feedback-loop
    latency and participation. 404 before the first refresh."""
    actor = _actor(request)
    permissions.require_read(actor)
    latest = queries.snapshot_latest()
    if latest is None:
        raise NotFound("No insights yet: refresh first.")
    return InsightsSnapshotOut(
        id=latest.pk,
        computed_at=latest.computed_at,
        window_start=latest.window_start,
        window_end=latest.window_end,
        people=latest.people,
        interactions=latest.interactions,
        seconds=latest.seconds,
        metrics=latest.data,
    )


@router.post("/insights/refresh", response={202: InsightsRefreshOut}, summary="Refresh the insights in the background")
def refresh(request: HttpRequest):
    """Starts a refresh; follow it at /api/v1/jobs/{job_id}."""
    actor = _actor(request)
    permissions.require_read(actor)
    require_write(actor)
    job = job_create(
        kind="insights.refresh",
        label="Refresh of the insights",
        started_by_id=actor.user_id,
        params={"actor": actor_params(actor)},
    )
    enqueue_on_commit(snapshot_refresh_task, str(job.pk))
    return Status(202, InsightsRefreshOut(job_id=job.pk, status_url=f"/api/v1/jobs/{job.pk}"))
