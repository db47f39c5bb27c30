"""Builds the v1 API: authentication, problem-details errors, the module routers.

Every error leaves as RFC 9457 problem details (peerloop.api.problems): the
permission layer's exceptions, django-ninja's validation and parse errors, the
services' ``django.core.exceptions.ValidationError`` (422, naming the fields),
database errors caused by input (out-of-range numbers: 422, conflicts: 409) and,
last, any other exception (500, logged, no traceback in the body).
"""

import logging
from typing import Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    RequestDataTooBig,
)
from django.core.exceptions import (
    PermissionDenied as DjangoPermissionDenied,
)
from django.core.exceptions import (
    ValidationError as DjangoValidationError,
)
from django.db import DataError, IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema

from peerloop.api.auth import SessionActorAuth, TokenAuth
from peerloop.api.middleware import RequestTooLarge
from peerloop.api.problems import ERROR_RESPONSES, PROBLEM_CONTENT_TYPE, PROBLEM_SCHEMA, problem, status_title
from peerloop.core.permissions import LoginRequired, NotFound, PermissionDenied

logger = logging.getLogger("django.request")

AUTH_DETAIL = "Send a valid API token (Authorization: Bearer pl_...) or log in."


class PeerloopAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document also describes the problem-details errors."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_problems(schema)
        return schema


def document_problems(schema: dict[str, Any]) -> None:
    """Add the Problem schema and the error responses to every operation."""
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "put", "post", "delete", "patch", "head", "options"):
                continue
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                if status == 413 and method in ("get", "head", "delete"):
                    continue
                content = {PROBLEM_CONTENT_TYPE: {"schema": ref}}
                declared = responses.get(status) or responses.get(str(status))
                if declared is None:
                    responses[str(status)] = {"description": description, "content": content}
                elif "content" not in declared:
                    declared["content"] = content  # a module described it; errors are problems


def validation_errors(exc: DjangoValidationError) -> list[dict[str, Any]]:
    """A service's ValidationError as the API's list of ``{loc, msg, type}``."""
    errors: list[dict[str, Any]] = []
    if hasattr(exc, "error_dict"):
        for field_name, field_errors in exc.error_dict.items():
            loc = ["body"] if field_name == "__all__" else ["body", field_name]
            for error in field_errors:
                errors.extend({"loc": loc, "msg": message, "type": "invalid"} for message in error.messages)
    else:
        errors.extend({"loc": ["body"], "msg": message, "type": "invalid"} for message in exc.messages)
    return errors


def new_api(*, namespace: str = "api-1") -> PeerloopAPI:
    """An API with Peerloop's authentication and error handling and no routes yet."""
    api = PeerloopAPI(
        title="Peerloop API",
        version="1",
        description=(
            "The Peerloop REST API. Authenticate with a personal API token "
            "(`Authorization: Bearer <token>`; read tokens may only read) or a browser session "
            "(writes need the CSRF token). Errors are RFC 9457 problem details "
            "(`application/problem+json`). List operations take `limit` (at most 100) and `offset`."
        ),
        auth=[TokenAuth(), SessionActorAuth()],
        urls_namespace=namespace,
    )
    install_problem_handlers(api)
    return api


def build_api() -> NinjaAPI:
    """/api/v1: every module's router."""
    from peerloop.api.routers import mount

    api = new_api()
    mount(api)
    return api


def install_problem_handlers(api: NinjaAPI) -> None:
    """Every exception leaves the API as problem details."""

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return problem(request, 422, detail="The input is invalid.", errors=clean_ninja_errors(exc.errors))

    @api.exception_handler(DjangoValidationError)
    def service_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return problem(request, 422, detail="The input is invalid.", errors=validation_errors(exc))

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem(request, 401, detail=AUTH_DETAIL)

    @api.exception_handler(LoginRequired)
    def login_required(request: HttpRequest, exc: LoginRequired) -> HttpResponse:
        return problem(request, 401, detail=AUTH_DETAIL)

    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return problem(request, 403, detail=exc.message)

    @api.exception_handler(DjangoPermissionDenied)
    def django_permission_denied(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
        return problem(request, 403, detail="You do not have permission to do this.")

    @api.exception_handler(NotFound)
    def not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
        return problem(request, 404, detail=exc.message)

    @api.exception_handler(Http404)
    def http404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(request, 404, detail="Not found.")

    @api.exception_handler(ObjectDoesNotExist)
    def does_not_exist(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
        return problem(request, 404, detail="Not found.")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        detail = str(exc)
        if exc.status_code == 400 and detail.startswith("Cannot parse request body"):
            detail = "The request body is not valid JSON."
        elif exc.status_code == 403 and detail == "CSRF check Failed":
            detail = "A write with the browser session needs the CSRF token (the X-CSRFToken header)."
        return problem(request, exc.status_code, detail=detail if detail != status_title(exc.status_code) else "")

    @api.exception_handler(RequestTooLarge)
    def request_too_large(request: HttpRequest, exc: RequestTooLarge) -> HttpResponse:
        return problem(request, 413, detail=str(exc), max_bytes=exc.limit)

    @api.exception_handler(RequestDataTooBig)
    def request_data_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return problem(request, 413, detail="The request body is too large.")

    @api.exception_handler(OverflowError)
    def overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
        return problem(request, 422, detail="A number is out of range.")

    @api.exception_handler(DataError)
    def data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
        return problem(request, 422, detail="A value is out of range or too long for its field.")

    @api.exception_handler(IntegrityError)
    def integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
        return problem(request, 409, detail="This conflicts with existing data (a duplicate or a missing reference).")

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.error(
            "Internal Server Error: %s", request.path, exc_info=exc, extra={"status_code": 500, "request": request}
        )
        return problem(request, 500, detail="The server failed to answer; the error was logged.")


def clean_ninja_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """django-ninja's errors without pydantic's ``ctx`` objects and ``url`` links."""
    cleaned = []
    for error in errors:
        item = {key: value for key, value in error.items() if key not in ("ctx", "url")}
        if "loc" in item:
            item["loc"] = list(item["loc"])
        cleaned.append(item)
    return cleaned
