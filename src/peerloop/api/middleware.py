"""Request size limits for every path, and problem details for every /api/ error.

Sizes (RELIABILITY.md): JSON and other non-multipart bodies sent to /api/ over
1 MiB, and uploads (multipart) over 10 MiB anywhere, get 413 before the body is
read. Import endpoints (a path segment containing "import") accept uploads up to
``PEERLOOP_IMPORT_MAX_BYTES``. The declared Content-Length is checked first; the
body stream is also counted, so a body longer than it claims is refused too.

On /api/ paths, error responses that Django or django-ninja produce outside our
exception handlers (an unknown path, a method not allowed, a CSRF failure, a
server error page) are rewritten as RFC 9457 problem details.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import defaults

from peerloop.api.problems import is_problem, problem

API_PREFIX = "/api/"
MIB = 1024 * 1024
# The docs page is HTML from django-ninja's bundled assets (no inline script).
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
JSON_CSP = "default-src 'none'; frame-ancestors 'none'"
# Headers worth keeping when an error response is rewritten as a problem.
KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After", "Vary")


def json_max_bytes() -> int:
    return int(getattr(settings, "PEERLOOP_API_JSON_MAX_BYTES", MIB))


def upload_max_bytes(path: str) -> int:
    if any("import" in segment for segment in path.split("/")):
        return int(getattr(settings, "PEERLOOP_IMPORT_MAX_BYTES", 64 * MIB))
    return int(getattr(settings, "PEERLOOP_UPLOAD_MAX_BYTES", 10 * MIB))


class RequestTooLarge(Exception):
    """The body is larger than this kind of request may be (413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is larger than {limit // MIB} MiB.")
        self.limit = limit


class CappedStream:
    """Wraps the request body stream and raises RequestTooLarge past ``limit`` bytes."""

    def __init__(self, stream: Any, limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.count = 0
        self.exceeded = False

    def _counted(self, data: bytes) -> bytes:
        self.count += len(data)
        if self.count > self.limit:
            # Whoever catches the exception, the middleware sees the flag and answers 413.
            self.exceeded = True
            raise RequestTooLarge(self.limit)
        return data

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            # Read at most one byte past the limit, so an oversized body is never held whole.
            return self._counted(self.stream.read(self.limit - self.count + 1))
        return self._counted(self.stream.read(size))

    def readline(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.limit - self.count + 1
        return self._counted(self.stream.readline(size))

    def __iter__(self) -> Any:
        while True:
            line = self.readline()
            if not line:
                return
            yield line

    def close(self) -> None:
        close = getattr(self.stream, "close", None)
        if close:
            close()


def body_limit(request: HttpRequest) -> int | None:
    """The largest body this request may carry, or None when it carries none."""
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return None
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith("multipart/"):
        return upload_max_bytes(request.path_info)
    if request.path_info.startswith(API_PREFIX):
        return json_max_bytes()
    # Django refuses larger form bodies anyway, but with a 400; say 413 before reading.
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 10 * MIB)


def declared_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def too_large_response(request: HttpRequest, limit: int) -> HttpResponse:
    detail = f"The request body is larger than {limit // MIB} MiB."
    if request.path_info.startswith(API_PREFIX):
        return problem(request, 413, detail=detail, max_bytes=limit)
    return render(request, "413.html", {"limit_mib": limit // MIB}, status=413)


class RequestBoundaryMiddleware:
    """Body size limits everywhere; problem details and no-store on /api/."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.respond(request)
        if request.path_info.startswith(API_PREFIX):
            response = api_response(request, response)
        return response

    def respond(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit(request)
        if limit is None:
            return self.get_response(request)
        if declared_length(request) > limit:
            return too_large_response(request, limit)
        stream = getattr(request, "_stream", None)
        if stream is None:
            return self.get_response(request)
        capped = CappedStream(stream, limit)
        request._stream = capped  # type: ignore[attr-defined,assignment]
        response = self.get_response(request)
        if capped.exceeded:
            return too_large_response(request, capped.limit)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestTooLarge):
            return too_large_response(request, exception.limit)
        if isinstance(exception, RequestDataTooBig):
            return too_large_response(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return None


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 view (``handler400``): a request refused before any view runs, such as a
    Host header this server does not answer for, which CommonMiddleware refuses before this
    module's middleware sees the request. Problem details on /api/, the page elsewhere."""
    if request.path_info.startswith(API_PREFIX):
        return api_response(request, problem(request, 400, detail=problem_detail(400)))
    return defaults.bad_request(request, exception)


def api_response(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """An /api/ answer: an error as problem details, no caching, the API's CSP."""
    content_type = response.headers.get("Content-Type", "")
    if response.status_code >= 400 and not is_problem(response) and "json" not in content_type:
        rewritten = problem(request, response.status_code, detail=problem_detail(response.status_code))
        for name in KEPT_HEADERS:
            if name in response.headers:
                rewritten.headers[name] = response.headers[name]
        response = rewritten
    if response.headers.get("Content-Type", "").startswith("text/html"):
        response.headers.setdefault("Content-Security-Policy", DOCS_CSP)
    else:
        response.headers.setdefault("Content-Security-Policy", JSON_CSP)
    response.headers.setdefault("Cache-Control", "private, no-store")
    return response


def problem_detail(status: int) -> str:
    return {
        400: "The request was refused as malformed (a Host header this server does not answer for, for one).",
        404: "There is no API operation at this path.",
        405: "This API operation does not accept this method.",
        403: "The request was refused (a CSRF token is required for session writes).",
        500: "The server failed to answer; the error was logged.",
    }.get(status, "")
