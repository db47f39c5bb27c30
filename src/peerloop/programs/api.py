"""REST endpoints of programs and metrics (mounted under /api/v1 by peerloop.api).

Employees read; program owners and admins create programs and metrics and import
values; a program's owner or an admin changes it. Service errors leave as 422
problem details naming the field; an import's errors name each row and column.
"""

from datetime import date
from functools import partial
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError
from ninja.pagination import LimitOffsetPagination, paginate

from peerloop.core.permissions import NotFound
from peerloop.core.roles import Actor
from peerloop.programs import catalog, permissions, queries, services
from peerloop.programs.models import Metric, Program

router = Router(tags=["programs"])

MAX_IMPORT_ROWS = 20_000


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined,no-any-return]


# --- schemas --------------------------------------------------------------------------


class ProgramPersonRef(Schema):
    id: int
    name: str


class ProgramOut(Schema):
    id: int
    name: str
    slug: str
    status: str
    objective: str
    expected_outcomes: str
    mechanisms: list[str]
    audience_filter: dict[str, Any]
    audience_space_id: int | None
    owner: ProgramPersonRef
    sponsor: ProgramPersonRef | None
    starts_on: date | None
    ends_on: date | None
    kpi_count: int = 0


class ProgramIn(Schema):
    name: str = Field(..., max_length=200)
    objective: str = Field(..., max_length=5000)
    expected_outcomes: str = Field("", max_length=5000)
    owner_id: int | None = Field(None, description="Defaults to the person making the request")
    sponsor_id: int | None = None
    mechanisms: list[str] = Field(default_factory=list, max_length=20)
    audience_filter: dict[str, Any] | None = Field(
        None, description="unit_ids, region_ids, levels, role_families (or give audience_space_id)"
    )
    audience_space_id: int | None = None
    status: str = Field("draft", description="draft or active")
    starts_on: date | None = None
    ends_on: date | None = None
    template: str | None = Field(
        None, description="A built-in template's key (GET /programs/templates): adds its KPIs with their targets"
    )


class ProgramPatch(Schema):
    name: str | None = Field(None, max_length=200)
    objective: str | None = Field(None, max_length=5000)
    expected_outcomes: str | None = Field(None, max_length=5000)
    owner_id: int | None = None
    sponsor_id: int | None = None
    mechanisms: list[str] | None = Field(None, max_length=20)
    audience_filter: dict[str, Any] | None = None
    audience_space_id: int | None = None
    status: str | None = Field(None, description="draft → active → paused or closed; paused → active")
    starts_on: date | None = None
    ends_on: date | None = None


class ProgramFilters(Schema):
    status: str | None = Field(None, description="draft, active, paused or closed")
    q: str | None = Field(None, max_length=100, description="Part of the name or objective")


class KpiIn(Schema):
    metric_id: int
    target: float
    baseline: float | None = None
    target_date: date | None = None


class KpisIn(Schema):
    kpis: list[KpiIn] = Field(..., max_length=50, description="The complete set; KPIs not listed are removed")


class KpiOut(Schema):
    metric_id: int
    metric_code: str
    metric_name: str
    direction: str
    baseline: float | None
    target: float
    target_date: date | None
    latest: float | None = Field(None, description="Average over the audience's units for the latest period")
    period_start: date | None = None
    percent: float | None = Field(None, description="0 at the baseline, 100 at the target")


class MetricOut(Schema):
    id: int
    code: str
    name: str
    direction: str
    unit_label: str
    description: str


class MetricIn(Schema):
    code: str = Field(..., max_length=64)
    name: str = Field(..., max_length=160)
    direction: str = "higher"
    unit_label: str = Field("", max_length=32)
    description: str = Field("", max_length=5000)


class MetricValueOut(Schema):
    id: int
    metric_id: int
    unit_id: int | None
    person_id: int | None
    period_start: date
    period_end: date
    value: float


class ValueFilters(Schema):
    unit: int | None = Field(None, description="A unit id")
    person: int | None = Field(None, description="A person id")
    since: date | None = Field(None, description="Periods starting on or after this date")


class MetricValueImportIn(Schema):
    rows: list[dict[str, Any]] = Field(
        ..., description="Objects with metric, unit or person, period_start, period_end, value"
    )
    dry_run: bool = False


class ImportOut(Schema):
    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int


# --- programs -------------------------------------------------------------------------


def _program(program_id: int) -> Program:
    program = queries.program_get(program_id=program_id)
    if program is None:
        raise NotFound()
    return program


@router.get("/programs", response=list[ProgramOut], summary="List programs")
@paginate(LimitOffsetPagination)
def programs_list(request: HttpRequest, filters: Query[ProgramFilters]):  # type: ignore[no-untyped-def]
    permissions.require_view(_actor(request))
    return queries.program_list(status=filters.status or None, q=filters.q)


class ProgramTemplateKpiOut(Schema):
    code: str
    name: str
    direction: str
    unit_label: str
    target: float


class ProgramTemplateOut(Schema):
    key: str
    name: str
    summary: str
    objective: str
    expected_outcomes: str
    mechanisms: list[str]
    kpis: list[ProgramTemplateKpiOut]


@router.get("/programs/templates", response=list[ProgramTemplateOut], summary="The built-in program templates")
def program_templates(request: HttpRequest) -> list[dict]:
    """What each template pre-fills: objective, expected outcomes, mechanisms, KPIs with targets."""
    permissions.require_see_templates(_actor(request))
    return [
        {**t.__dict__, "mechanisms": list(t.mechanisms), "kpis": [k.__dict__ for k in t.kpis]}
        for t in catalog.TEMPLATES
    ]


@router.post("/programs", response={201: ProgramOut}, summary="Create a program (program owners, admins)")
def program_create(request: HttpRequest, payload: ProgramIn) -> Status[Program]:
    actor = _actor(request)
    permissions.require_create(actor)
    owner_id = payload.owner_id if payload.owner_id is not None else actor.person_id
    if owner_id is None:
        raise ValidationError([{"loc": ["body", "owner_id"], "msg": "Give the owner's person id.", "type": "missing"}])
    create = (
        partial(services.program_create_from_template, template_key=payload.template)
        if payload.template
        else services.program_create
    )
    program = create(
        actor=actor,
        name=payload.name,
        objective=payload.objective,
        expected_outcomes=payload.expected_outcomes,
        owner_id=owner_id,
        sponsor_id=payload.sponsor_id,
        mechanisms=payload.mechanisms,
        audience_filter=payload.audience_filter,
        audience_space_id=payload.audience_space_id,
        status=payload.status,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
    )
    return Status(201, _program(program.pk))


@router.get("/programs/{program_id}", response=ProgramOut, summary="Get a program")
def program_detail(request: HttpRequest, program_id: int) -> Program:
    permissions.require_view(_actor(request))
    return _program(program_id)


@router.patch("/programs/{program_id}", response=ProgramOut, summary="Change a program (its owner, admins)")
def program_update(request: HttpRequest, program_id: int, payload: ProgramPatch) -> Program:
    actor = _actor(request)
    permissions.require_view(actor)
    program = _program(program_id)
    permissions.require_edit(actor, program)
    fields = payload.dict(exclude_unset=True)
    for name in ("name", "objective", "expected_outcomes", "mechanisms", "owner_id", "status"):
        if name in fields and fields[name] is None:
            raise ValidationError([{"loc": ["body", name], "msg": "May not be null.", "type": "value_error"}])
    services.program_update(actor=actor, program_id=program.pk, **fields)
    return _program(program.pk)


def _kpis_out(program: Program) -> list[dict[str, Any]]:
    return [
        {
            "metric_id": k.metric.pk,
            "metric_code": k.metric.code,
            "metric_name": k.metric.name,
            "direction": k.metric.direction,
            "baseline": k.kpi.baseline,
            "target": k.kpi.target,
            "target_date": k.kpi.target_date,
            "latest": k.latest,
            "period_start": k.period_start,
            "percent": k.percent,
        }
        for k in queries.kpi_progress(program=program)
    ]


@router.get("/programs/{program_id}/kpis", response=list[KpiOut], summary="A program's KPIs with their progress")
def program_kpis(request: HttpRequest, program_id: int) -> list[dict[str, Any]]:
    permissions.require_view(_actor(request))
    return _kpis_out(_program(program_id))


@router.put(
    "/programs/{program_id}/kpis", response=list[KpiOut], summary="Replace a program's KPIs (its owner, admins)"
)
def program_kpis_replace(request: HttpRequest, program_id: int, payload: KpisIn) -> list[dict[str, Any]]:
    actor = _actor(request)
    permissions.require_view(actor)
    program = _program(program_id)
    permissions.require_edit(actor, program)
    services.program_kpis_replace(actor=actor, program_id=program.pk, kpis=[item.dict() for item in payload.kpis])
    return _kpis_out(program)


# --- metrics --------------------------------------------------------------------------


@router.get("/metrics", response=list[MetricOut], summary="List metrics")
@paginate(LimitOffsetPagination)
def metrics_list(request: HttpRequest):  # type: ignore[no-untyped-def]
    permissions.require_view(_actor(request))
    return queries.metric_list()


@router.post("/metrics", response={201: MetricOut}, summary="Create a metric (program owners, admins)")
def metric_create(request: HttpRequest, payload: MetricIn) -> Status[Metric]:
    actor = _actor(request)
    permissions.require_manage_metrics(actor)
    return Status(201, services.metric_create(actor=actor, **payload.dict()))


@router.get("/metrics/{metric_id}/values", response=list[MetricValueOut], summary="A metric's values by period")
@paginate(LimitOffsetPagination)
def metric_values(request: HttpRequest, metric_id: int, filters: Query[ValueFilters]):  # type: ignore[no-untyped-def]
    actor = _actor(request)
    permissions.require_view(actor)
    if queries.metric_get(metric_id=metric_id) is None:
        raise NotFound()
    values = queries.metric_value_series(
        metric_id=metric_id,
        unit_ids=[filters.unit] if filters.unit is not None else None,
        person_ids=[filters.person] if filters.person is not None else None,
        since=filters.since,
    )
    if not permissions.can_view_all_person_values(actor):
        values = queries.metric_values_visible(values, person_id=actor.person_id)
    return values


@router.post("/metric-values/import", response=ImportOut, summary="Import metric values (program owners, admins)")
def metric_values_import(request: HttpRequest, payload: MetricValueImportIn) -> dict[str, Any]:
    """Rows are numbered from 1; with errors nothing is written and the answer is a
    422 whose ``errors`` name each row and column."""
    actor = _actor(request)
    permissions.require_manage_metrics(actor)
    if len(payload.rows) > MAX_IMPORT_ROWS:
        raise ValidationError(
            [{"loc": ["body", "rows"], "msg": f"At most {MAX_IMPORT_ROWS} rows per request.", "type": "too_long"}]
        )
    report = services.metric_value_import(actor=actor, rows=payload.rows, dry_run=payload.dry_run, first_line=1)
    if report.errors:
        raise ValidationError(
            [
                {
                    "loc": ["body", "rows", e.line - 1, e.column] if e.line else ["body", "rows"],
                    "msg": e.message,
                    "type": "value_error",
                    "row": e.line,
                    "column": e.column,
                }
                for e in report.errors
            ]
        )
    return report.as_dict()
