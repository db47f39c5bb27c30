"""REST endpoints of the vocabulary (mounted under /api/v1 by peerloop.api).

Employees read; admins create and change topics. A service's ValidationError
leaves as a 422 problem whose ``errors`` name the field (peerloop.api.setup).
"""

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError
from ninja.pagination import LimitOffsetPagination, paginate

from peerloop.core.permissions import NotFound
from peerloop.vocabulary import permissions, queries, services
from peerloop.vocabulary.models import Topic

router = Router(tags=["vocabulary"])


class TopicOut(Schema):
    id: int
    name: str
    slug: str
    parent_id: int | None
    synonyms: list[str]
    description: str


class TopicIn(Schema):
    name: str = Field(..., max_length=120)
    slug: str | None = Field(None, max_length=120)
    parent_id: int | None = None
    synonyms: list[str] = Field(default_factory=list, max_length=200)
    description: str = Field("", max_length=10_000)


class TopicPatch(Schema):
    name: str | None = Field(None, max_length=120)
    slug: str | None = Field(None, max_length=120)
    parent_id: int | None = None
    synonyms: list[str] | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=10_000)


class NamedOut(Schema):
    id: int
    name: str
    slug: str
    description: str


class TopicFilters(Schema):
    q: str | None = Field(None, max_length=120, description="Part of a name, slug or synonym")


def _actor(request: HttpRequest):  # type: ignore[no-untyped-def]
    return request.actor  # type: ignore[attr-defined]


@router.get("/topics", response=list[TopicOut], summary="List topics")
@paginate(LimitOffsetPagination)
def topics_list(request: HttpRequest, filters: Query[TopicFilters]):  # type: ignore[no-untyped-def]
    permissions.require_view(_actor(request))
    return queries.topic_list(q=filters.q)


@router.get("/topics/{topic_id}", response=TopicOut, summary="Get a topic")
def topic_detail(request: HttpRequest, topic_id: int) -> Topic:
    permissions.require_view(_actor(request))
    topic = queries.topic_get(topic_id=topic_id)
    if topic is None:
        raise NotFound()
    return topic


@router.post("/topics", response={201: TopicOut}, summary="Create a topic (admins)")
def topic_create(request: HttpRequest, payload: TopicIn) -> Status[Topic]:
    actor = _actor(request)
    permissions.require_edit(actor)
    topic = services.topic_create(
        actor=actor,
        name=payload.name,
        slug=payload.slug,
        parent_id=payload.parent_id,
        synonyms=payload.synonyms,
        description=payload.description,
    )
    return Status(201, topic)


@router.patch("/topics/{topic_id}", response=TopicOut, summary="Change a topic (admins)")
def topic_update(request: HttpRequest, topic_id: int, payload: TopicPatch) -> Topic:
    actor = _actor(request)
    permissions.require_edit(actor)
    if queries.topic_get(topic_id=topic_id) is None:
        raise NotFound()
    fields = payload.dict(exclude_unset=True)
    for required in ("name", "synonyms", "description"):
        if required in fields and fields[required] is None:
            raise ValidationError([{"loc": ["body", required], "msg": "May not be null.", "type": "value_error"}])
    if fields.get("slug") is None:
        fields.pop("slug", None)
    return services.topic_update(actor=actor, topic_id=topic_id, **fields)


@router.get("/segments", response=list[NamedOut], summary="List customer segments")
@paginate(LimitOffsetPagination)
def segments_list(request: HttpRequest):  # type: ignore[no-untyped-def]
    permissions.require_view(_actor(request))
    return queries.segment_list()


@router.get("/values", response=list[NamedOut], summary="List company values")
@paginate(LimitOffsetPagination)
def values_list(request: HttpRequest):  # type: ignore[no-untyped-def]
    permissions.require_view(_actor(request))
    return queries.company_value_list()
