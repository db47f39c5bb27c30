"""REST endpoints of the directory (mounted under /api/v1 by peerloop.api).

Reads are for internal accounts (guests get 404); the import is for admins with a
write-scoped token or a session.
"""

import json
from typing import Annotated, Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from peerloop.core.permissions import NotFound
from peerloop.core.roles import Actor
from peerloop.people import permissions, queries, services
from peerloop.people.models import Person, Region, Unit
from peerloop.vocabulary.queries import topic_list

router = Router(tags=["people"])

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined,no-any-return]


class UnitRef(Schema):
    id: int
    name: str
    code: str


class RegionRef(Schema):
    id: int
    name: str
    code: str


class TopicRef(Schema):
    id: int
    name: str
    slug: str


class PersonRef(Schema):
    id: int
    name: str
    title: str


class PersonOut(Schema):
    id: int
    name: str
    email: str
    title: str
    role_family: str
    level: int | None = Field(description="Altitude: 1 is the front line, 12 the top")
    unit: UnitRef | None
    region: RegionRef | None
    location: str
    timezone: str
    manager_id: int | None
    kind: str = Field(description="employee or guest")
    active: bool
    skills: list[str]
    topics: list[TopicRef]

    @staticmethod
    def resolve_topics(obj: Person) -> list[Any]:
        return list(obj.topics.all())


class ReportOut(PersonRef):
    report_count: int = Field(0, description="Their own active direct reports")


class PersonDetailOut(PersonOut):
    managers: list[PersonRef] = Field(description="The manager chain, from the nearest manager to the top")
    reports: list[ReportOut] = Field(description="Active direct reports")

    @staticmethod
    def resolve_topics(obj: Person) -> list[Any]:
        return obj._profile.topics  # type: ignore[attr-defined,no-any-return]

    @staticmethod
    def resolve_managers(obj: Person) -> list[Any]:
        return obj._profile.chain  # type: ignore[attr-defined,no-any-return]

    @staticmethod
    def resolve_reports(obj: Person) -> list[Any]:
        return obj._profile.reports  # type: ignore[attr-defined,no-any-return]


class PersonFilters(Schema):
    unit: list[Id] | None = Field(None, description="Unit ids (repeat the parameter for several); subunits included")
    region: list[Id] | None = Field(None, description="Region ids")
    level: list[Annotated[int, Field(ge=1, le=12)]] | None = Field(None, description="Levels, 1 to 12")
    role_family: list[Annotated[str, Field(max_length=80)]] | None = Field(None, description="Role families")
    topic: list[Id] | None = Field(None, description="Topic ids")
    q: str | None = Field(None, max_length=100, description="Words in the name, title or email (case-insensitive)")


class UnitOut(Schema):
    id: int
    name: str
    code: str
    parent_id: int | None
    people_count: int = Field(0, description="Active people directly in the unit")


class UnitDetailOut(UnitOut):
    parent: UnitRef | None
    children: list[UnitRef]


class RegionOut(Schema):
    id: int
    name: str
    code: str
    people_count: int = Field(0, description="Active people in the region")


class PersonImportIn(Schema):
    rows: list[dict[str, Any]] = Field(
        description="Objects with the import columns: email and name required; external_id, title, role_family, "
        "level, unit, unit_parent, region, location, timezone, manager_email, skills, topics, kind, active"
    )
    dry_run: bool = Field(True, description="Check and report only (the default); false applies the rows")
    deactivate_missing: bool = Field(False, description="Deactivate employees not in the rows")


class ImportErrorOut(Schema):
    line: int = Field(description="The row's position, from 1 (0 for the whole import)")
    column: str
    message: str


class ImportReportOut(Schema):
    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    deactivated: int
    units_created: list[str]
    regions_created: list[str]
    errors: list[ImportErrorOut]


def _people(filters: PersonFilters) -> QuerySet[Person]:
    return queries.person_list(
        unit_ids=filters.unit,
        region_ids=filters.region,
        levels=filters.level,
        role_families=filters.role_family,
        topic_ids=filters.topic,
        q=filters.q,
    ).prefetch_related(Prefetch("topics", queryset=topic_list().select_related(None).order_by("name")))


@router.get("/people", response=list[PersonOut], summary="People of the directory")
@paginate(LimitOffsetPagination)
def person_list(request: HttpRequest, filters: Query[PersonFilters]):  # type: ignore[no-untyped-def]
    """Active people by name. Each filter matches any of its values; filters combine with AND."""
    permissions.check_view_directory(_actor(request))
    return _people(filters)


@router.get("/people/{int:person_id}", response=PersonDetailOut, summary="A person, with manager chain and reports")
def person_detail(request: HttpRequest, person_id: Id) -> Any:
    actor = _actor(request)
    permissions.check_view_directory(actor)
    profile = queries.profile_for(person_id=person_id, include_inactive=actor.is_admin)
    permissions.check_view_person(actor, profile.person if profile else None)
    assert profile is not None
    profile.person._profile = profile  # type: ignore[attr-defined]
    return profile.person


@router.get("/units", response=list[UnitOut], summary="Units (silos), by name")
@paginate(LimitOffsetPagination)
def unit_list(request: HttpRequest):  # type: ignore[no-untyped-def]
    permissions.check_view_units(_actor(request))
    return queries.unit_list_with_counts().order_by("name", "id")


@router.get("/units/{int:unit_id}", response=UnitDetailOut, summary="A unit, with its parent and children")
def unit_detail(request: HttpRequest, unit_id: Id) -> Any:
    permissions.check_view_units(_actor(request))
    unit = queries.unit_get(unit_id=unit_id)
    if unit is None:
        raise NotFound()
    return _unit_detail(unit)


def _unit_detail(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.pk,
        "name": unit.name,
        "code": unit.code,
        "parent_id": unit.parent_id,
        "people_count": getattr(unit, "people_count", 0),
        "parent": unit.parent,
        "children": queries.unit_children(unit_id=unit.pk),
    }


@router.get("/regions", response=list[RegionOut], summary="Regions, by name")
@paginate(LimitOffsetPagination)
def region_list(request: HttpRequest):  # type: ignore[no-untyped-def]
    permissions.check_view_regions(_actor(request))
    return queries.region_list_with_counts().order_by("name", "id")


@router.get("/regions/{int:region_id}", response=RegionOut, summary="A region")
def region_detail(request: HttpRequest, region_id: Id) -> Region:
    permissions.check_view_regions(_actor(request))
    region = queries.region_get(region_id=region_id)
    if region is None:
        raise NotFound()
    return region


@router.post(
    "/people/import",
    response={200: ImportReportOut},
    summary="Import people (preview by default)",
    openapi_extra={"responses": {422: {"description": "The rows have errors: nothing was written"}}},
)
def person_import(request: HttpRequest, payload: PersonImportIn) -> Any:
    """Check (``dry_run``, the default) or apply rows in the import format. With any
    error nothing is written, and the answer is a 422 problem listing every error by
    row (its position, from 1) and column. Applying is atomic and idempotent."""
    actor = _actor(request)
    permissions.check_import(actor)
    report = services.person_import(
        actor=actor, rows=payload.rows, dry_run=payload.dry_run, deactivate_missing=payload.deactivate_missing
    )
    if report.errors:
        body = {
            "type": "about:blank",
            "title": "Invalid input",
            "status": 422,
            "detail": report.summary(),
            "instance": request.path,
            "errors": report.as_dict()["errors"],
        }
        return HttpResponse(json.dumps(body), status=422, content_type="application/problem+json")
    return report.as_dict()
