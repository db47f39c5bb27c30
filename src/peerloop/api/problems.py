"""RFC 9457 problem details."""

import json
from typing import Any

from django.http import HttpRequest, HttpResponse

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    422: "Invalid input",
    429: "Too many requests",
}


def problem(
    request: HttpRequest | None, status: int, title: str | None = None, *, detail: str = "", **extra: Any
) -> HttpResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title or TITLES.get(status, "Error"), "status": status}
    if detail:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.path
    body.update(extra)
    return HttpResponse(json.dumps(body, default=str), status=status, content_type="application/problem+json")
