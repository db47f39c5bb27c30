"""REST endpoints of accounts: who am I, and my API tokens (mounted under /api/v1)."""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from peerloop.accounts import permissions, queries, services
from peerloop.accounts.models import ApiToken
from peerloop.core.permissions import LoginRequired, NotFound
from peerloop.core.roles import Actor

router = Router(tags=["accounts"])


class MeOut(Schema):
    user_id: int
    email: str
    role: str
    person_id: int | None
    scope: str = Field(description="write for a browser session; the token's scope for a token")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The first characters after pl_, to recognize the token")
    scope: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    secret: str = Field(description="The token itself; shown in this answer only")


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    scope: Literal["read", "write"] = "read"
    days: int = Field(90, ge=1, le=services.MAX_TOKEN_DAYS, description="Lifetime in days")


def _actor(request: HttpRequest) -> Actor:
    actor = getattr(request, "auth", None)
    if not isinstance(actor, Actor) or not actor.authenticated:
        raise LoginRequired()
    return actor


@router.get("/me", response=MeOut, summary="Who am I")
def me(request: HttpRequest) -> MeOut:
    actor = _actor(request)
    user = queries.user_get(user_id=actor.user_id)  # type: ignore[arg-type]
    if user is None:
        raise LoginRequired()
    return MeOut(user_id=user.pk, email=user.email, role=user.role, person_id=actor.person_id, scope=actor.scope)


@router.get("/tokens", response=list[TokenOut], summary="My API tokens")
@paginate(LimitOffsetPagination)
def token_list(request: HttpRequest) -> list[ApiToken]:
    actor = _actor(request)
    permissions.check_manage_tokens(actor)
    return queries.api_token_list(user_id=actor.user_id)  # type: ignore[arg-type]


@router.post("/tokens", response={201: TokenCreated}, summary="Create an API token")
def token_create(request: HttpRequest, payload: TokenIn) -> tuple[int, TokenCreated]:
    actor = _actor(request)
    permissions.check_create_token(actor)
    user = queries.user_get(user_id=actor.user_id)  # type: ignore[arg-type]
    if user is None:
        raise LoginRequired()
    token, secret = services.api_token_create(
        actor=actor, user=user, name=payload.name, scope=payload.scope, days=payload.days
    )
    return 201, TokenCreated(**TokenOut.from_orm(token).dict(), secret=secret)


@router.delete("/tokens/{token_id}", response={204: None}, summary="Revoke one of my API tokens")
def token_revoke(request: HttpRequest, token_id: int) -> tuple[int, None]:
    actor = _actor(request)
    token = queries.api_token_get(user_id=actor.user_id, token_id=token_id)  # type: ignore[arg-type]
    permissions.check_revoke_token(actor, token)
    if token is None:
        raise NotFound()
    services.api_token_revoke(actor=actor, token=token)
    return 204, None
