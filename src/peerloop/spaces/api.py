"""REST endpoints of spaces (mounted under /api/v1 by peerloop.api)."""

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination, paginate

from peerloop.core.permissions import LoginRequired, NotFound
from peerloop.core.roles import Actor
from peerloop.spaces import permissions, queries, services
from peerloop.spaces.models import Membership, Space

router = Router(tags=["spaces"])


class SpaceTopicRef(Schema):
    id: int
    name: str
    slug: str


class SpaceOut(Schema):
    id: int
    kind: str
    name: str
    slug: str
    description: str
    goals: str
    topics: list[SpaceTopicRef]
    archived: bool
    member_count: int = 0
    my_role: str | None = Field(None, description="host, member, or null when I am not a member")

    @staticmethod
    def resolve_topics(obj: Space) -> list[Any]:
        return list(obj.topics.all())

    @staticmethod
    def resolve_member_count(obj: Space) -> int:
        return getattr(obj, "member_count", None) or 0


class SpaceFilters(Schema):
    kind: Literal["circle", "community", "cocreation", "marketplace"] | None = None
    q: str | None = Field(None, max_length=100, description="Words in the name, description or goals")


class MemberOut(Schema):
    """Guests see the names and titles of the members of their spaces, nothing more."""

    person_id: int
    name: str
    title: str
    role: str
    joined_at: datetime

    @staticmethod
    def resolve_name(obj: Membership) -> str:
        return obj.person.name

    @staticmethod
    def resolve_title(obj: Membership) -> str:
        return obj.person.title

    @staticmethod
    def resolve_joined_at(obj: Membership) -> datetime:
        return obj.created_at


class MemberIn(Schema):
    person_id: int = Field(..., ge=1)
    role: Literal["host", "member"] = "member"


class InvitationIn(Schema):
    email: str = Field(..., max_length=254)
    role: Literal["host", "member"] = "member"


class InvitationOut(Schema):
    id: int
    space_id: int
    email: str
    role: str
    expires_at: datetime


def _actor(request: HttpRequest) -> Actor:
    actor = getattr(request, "auth", None)
    if not isinstance(actor, Actor) or not actor.authenticated:
        raise LoginRequired()
    return actor


def _space(actor: Actor, space_id: int) -> Space:
    space = queries.space_get(space_id=space_id, person_id=actor.person_id)
    permissions.check_view(actor, space)
    assert space is not None
    return space


def _invalid(exc: DjangoValidationError) -> NinjaValidationError:
    errors = [
        {"loc": ["body", field], "msg": message, "type": "value_error"}
        for field, messages in exc.message_dict.items()
        for message in messages
    ]
    return NinjaValidationError(errors)


@router.get("/spaces", response=list[SpaceOut], summary="Spaces I can see")
@paginate(LimitOffsetPagination)
def space_list(request: HttpRequest, filters: Query[SpaceFilters]) -> QuerySet[Space]:
    """Employees see every space that is not archived; guests the spaces they belong to."""
    actor = _actor(request)
    permissions.check_list(actor)
    return queries.space_list_for(actor=actor, kind=filters.kind, q=filters.q)


@router.get("/spaces/{space_id}", response=SpaceOut, summary="One space")
def space_detail(request: HttpRequest, space_id: int) -> Space:
    actor = _actor(request)
    space = _space(actor, space_id)
    space.member_count = queries.member_list(space_id=space.pk).count()  # type: ignore[attr-defined]
    return space


@router.get("/spaces/{space_id}/members", response=list[MemberOut], summary="The members of a space")
@paginate(LimitOffsetPagination)
def member_list(request: HttpRequest, space_id: int) -> QuerySet[Membership]:
    actor = _actor(request)
    space = _space(actor, space_id)
    return queries.member_list(space_id=space.pk)


@router.post("/spaces/{space_id}/members", response={201: MemberOut}, summary="Add an employee to a space")
def member_add(request: HttpRequest, space_id: int, payload: MemberIn) -> tuple[int, Membership]:
    """Hosts (employees) and admins add someone of the directory directly; guests are
    invited by email instead. Adding a member again changes nothing."""
    actor = _actor(request)
    space = _space(actor, space_id)
    permissions.check_add_member_directly(actor, space)
    try:
        services.membership_add(actor=actor, space_id=space.pk, person_id=payload.person_id, role=payload.role)
    except DjangoValidationError as exc:
        raise _invalid(exc) from None
    return 201, queries.member_list(space_id=space.pk).get(person_id=payload.person_id)


@router.delete("/spaces/{space_id}/members/{person_id}", response={204: None}, summary="Remove a member")
def member_remove(request: HttpRequest, space_id: int, person_id: int) -> tuple[int, None]:
    """Hosts and admins remove anyone; a member removes themselves. Access ends on the
    next request."""
    actor = _actor(request)
    space = _space(actor, space_id)
    permissions.check_remove_member(actor, space, person_id)
    if queries.membership_role(space_id=space.pk, person_id=person_id) is None:
        raise NotFound("This person is not a member of this space.")
    services.membership_remove(actor=actor, space_id=space.pk, person_id=person_id)
    return 204, None


@router.post("/spaces/{space_id}/invitations", response={201: InvitationOut}, summary="Invite someone by email")
def invitation_create(request: HttpRequest, space_id: int, payload: InvitationIn) -> tuple[int, Any]:
    """Emails a link that works once and expires in 7 days. At most 2 invitations an
    hour and 5 a day go to one address (429 past that)."""
    actor = _actor(request)
    space = _space(actor, space_id)
    permissions.check_manage(actor, space)
    try:
        invitation, _path = services.invitation_create(
            actor=actor,
            space_id=space.pk,
            email=payload.email,
            role=payload.role,
            base_url=request.build_absolute_uri("/"),
        )
    except services.RateLimited as exc:
        raise HttpError(429, exc.message) from None
    except DjangoValidationError as exc:
        raise _invalid(exc) from None
    return 201, invitation
