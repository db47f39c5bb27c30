"""RFC 9457 problem details: the one shape of every API error.

Every error the API returns is ``application/problem+json`` with ``type``
(``about:blank``: the status code says it all), ``title`` (the HTTP reason phrase),
``status``, ``instance`` (the request path) and, when there is more to say,
``detail`` and extension members such as ``errors`` (a list of
``{"loc": [...], "msg": "...", "type": "..."}``, one per invalid field).
"""

from http import HTTPStatus
import json
from typing import Any

from django.http import HttpRequest, HttpResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"


# RFC 9110's names where Python 3.11 still has the older ones.
RFC9110_PHRASES = {413: "Content Too Large", 422: "Unprocessable Content"}


def status_title(status: int) -> str:
    """The reason phrase of ``status`` ("Not Found"), or "Error" for unknown codes."""
    if status in RFC9110_PHRASES:
        return RFC9110_PHRASES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_body(
    request: HttpRequest | None, status: int, title: str | None = None, *, detail: str = "", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "about:blank", "title": title or status_title(status), "status": status}
    if detail:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.path
    body.update(extra)
    return body


def problem(
    request: HttpRequest | None, status: int, title: str | None = None, *, detail: str = "", **extra: Any
) -> HttpResponse:
    """A problem-details response; ``extra`` become extension members of the body."""
    body = problem_body(request, status, title, detail=detail, **extra)
    response = HttpResponse(
        json.dumps(body, default=str, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE
    )
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="peerloop"'
    return response


def is_problem(response: HttpResponse) -> bool:
    return response.headers.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE)


# The OpenAPI description of a problem, referenced by every operation's error responses.
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "required": ["type", "title", "status"],
}

# Error responses every operation may answer with, documented for each one.
ERROR_RESPONSES: dict[int, str] = {
    400: "The request could not be parsed (malformed JSON, a bad header).",
    401: "No valid API token or session.",
    403: "Not allowed (a read-only token writing, a role that may not do this).",
    404: "No such object, or one the caller may not see.",
    413: "The body is too large (JSON over 1 MiB, uploads over 10 MiB).",
    422: "The input is invalid; `errors` names each field.",
}
