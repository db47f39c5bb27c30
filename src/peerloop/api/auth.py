"""API authentication: personal tokens for machines, the session for the browser."""

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from peerloop.accounts.queries import user_for_token
from peerloop.people.queries import actor_for_user


class TokenAuth(HttpBearer):
    openapi_description = "A personal API token: `Authorization: Bearer pl_...`"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = user_for_token(secret=token)
        if found is None:
            return None
        user, scope = found
        actor = actor_for_user(user, scope=scope)
        request.actor = actor  # type: ignore[attr-defined]
        return actor


class SessionActorAuth(APIKeyCookie):
    """The browser session, with CSRF checked on every write."""

    param_name = "sessionid"
    openapi_description = "The browser session cookie (CSRF token required for writes)"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        actor = actor_for_user(user)
        request.actor = actor  # type: ignore[attr-defined]
        return actor
