"""API authentication: personal tokens for machines, the session for the browser."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from peerloop.people.queries import actor_for_token, actor_for_user


class TokenAuth(HttpBearer):
    openapi_description = "A personal API token: `Authorization: Bearer pl_...`"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        actor = actor_for_token(secret=token)
        if actor is None:
            return None
        request.actor = actor  # type: ignore[attr-defined]
        return actor


class SessionActorAuth(APIKeyCookie):
    """The browser session, with CSRF checked on every write."""

    param_name = "sessionid"
    openapi_description = "The browser session cookie (CSRF token required for writes)"

    def __init__(self) -> None:
        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a session cookie there is nothing to protect: answer 401, not a CSRF 403.
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        actor = actor_for_user(user)
        request.actor = actor  # type: ignore[attr-defined]
        return actor
