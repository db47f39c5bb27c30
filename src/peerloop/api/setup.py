"""Builds the v1 API: authentication, problem-details errors, the module routers."""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from peerloop.api.auth import SessionActorAuth, TokenAuth
from peerloop.api.problems import problem
from peerloop.core.permissions import LoginRequired, NotFound, PermissionDenied


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="Peerloop API",
        version="1",
        description=(
            "The Peerloop REST API. Authenticate with a personal API token "
            "(`Authorization: Bearer <token>`) or a browser session. Errors are "
            "RFC 9457 problem details."
        ),
        auth=[TokenAuth(), SessionActorAuth()],
        urls_namespace="api-1",
    )

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return problem(request, 422, "Invalid input", errors=exc.errors)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem(request, 401, "Authentication required", detail="Send a valid API token or log in.")

    @api.exception_handler(LoginRequired)
    def login_required(request: HttpRequest, exc: LoginRequired) -> HttpResponse:
        return problem(request, 401, "Authentication required", detail="Send a valid API token or log in.")

    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return problem(request, 403, "Forbidden", detail=exc.message)

    @api.exception_handler(NotFound)
    def not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
        return problem(request, 404, "Not found", detail=exc.message)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem(request, exc.status_code, str(exc))

    from peerloop.api.routers import mount

    mount(api)
    return api
