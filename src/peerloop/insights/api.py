"""REST endpoints of insights (mounted under /api/v1 by peerloop.api): the latest snapshot's
metrics, matrices and trends, and refreshes. Leaders, program owners and admins; aggregates
only (groups under the privacy floor are left out). Others get 404s."""

from datetime import date, datetime
import uuid

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Field, Query, Router, Schema, Status

from peerloop.core.permissions import NotFound, require_write
from peerloop.core.roles import Actor
from peerloop.core.services import job_create
from peerloop.core.tasks import actor_params, enqueue_on_commit
from peerloop.insights import exports, permissions, queries, reports
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


class InsightsKpiImpactOut(Schema):
    metric_code: str
    metric_name: str
    target: float
    latest: float | None
    progress_percent: float | None
    effect: float | None = Field(description="Units that took part minus units that did not; positive is better")
    low: float | None = Field(description="95% interval")
    high: float | None
    treated_units: int
    comparison_units: int
    message: str
    months: list[str]
    treated_mean: list[float | None]
    comparison_mean: list[float | None]


class InsightsMechanismHealthOut(Schema):
    code: str
    label: str
    state: str = Field(description="healthy, needs attention, no activity yet or not measured")
    summary: str
    figures: dict[str, str]


class InsightsProgramReportOut(Schema):
    program_id: int
    since: date
    audience: int
    taking_part: int | None = Field(description="None when fewer than five people")
    units_taking_part: int
    units_not_taking_part: int
    leaders: int
    leaders_taking_part: int | None
    owner_actions: int
    sponsor_actions: int | None
    kpis: list[InsightsKpiImpactOut]
    mechanisms: list[InsightsMechanismHealthOut]


@router.get(
    "/insights/programs/{program_id}/report",
    response=InsightsProgramReportOut,
    summary="Did a program pay off: participation and the impact on its KPIs",
)
def program_report(request: HttpRequest, program_id: int):
    """Progress against each KPI's target and the difference in differences of the units that took
    part against those that did not (None with a message when it cannot be estimated)."""
    report = reports.program_report(actor=_actor(request), program_id=program_id)
    return InsightsProgramReportOut(
        program_id=report.program.pk,
        since=report.since,
        audience=report.audience,
        taking_part=report.taking_part,
        units_taking_part=report.units_taking_part,
        units_not_taking_part=report.units_not_taking_part,
        leaders=report.leaders,
        leaders_taking_part=report.leaders_taking_part,
        owner_actions=report.owner_actions,
        sponsor_actions=report.sponsor_actions,
        mechanisms=[
            InsightsMechanismHealthOut(
                code=m.code, label=m.label, state=m.state, summary=m.summary, figures=dict(m.figures)
            )
            for m in report.mechanisms
        ],
        kpis=[
            InsightsKpiImpactOut(
                metric_code=k.progress.metric.code,
                metric_name=k.progress.metric.name,
                target=k.progress.kpi.target,
                latest=k.progress.latest,
                progress_percent=k.progress.percent,
                effect=k.result.effect,
                low=k.result.low,
                high=k.result.high,
                treated_units=k.result.treated_units,
                comparison_units=k.result.comparison_units,
                message=k.result.message,
                months=k.months,
                treated_mean=k.treated_mean,
                comparison_mean=k.comparison_mean,
            )
            for k in report.kpis
        ],
    )


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


@router.get(
    "/insights/exports/{kind}",
    summary="A pseudonymized CSV of the interactions or pair flows, for analysts (admins; audited)",
    openapi_extra={
        "responses": {
            200: {
                "description": "CSV: people as keyed pseudonyms, units under five people suppressed",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def export(
    request: HttpRequest,
    kind: str,
    key: str = Query(..., description="Export key: the same key gives the same pseudonyms"),
    months: int = Query(12, ge=1, le=36),
) -> StreamingHttpResponse:
    """``kind`` is ``interactions`` (one row per interaction: hour, kind, pseudonyms, units) or
    ``pairs`` (one row per pair: count, weight, first and last day). Writes one audit row."""
    actor = _actor(request)
    permissions.require_export(actor)
    opened = exports.export_open(actor=actor, kind=kind, key=key, months=months)
    response = StreamingHttpResponse(opened.rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{opened.file_name}"'
    response["Cache-Control"] = "no-store"
    return response
