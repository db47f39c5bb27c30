"""/api/v1: one NinjaAPI that mounts each module's router."""

from typing import Any

from django.urls import URLPattern, URLResolver, include, path

from peerloop.api.setup import build_api

api = build_api()


def grouped(patterns: list[Any]) -> list[Any]:
    """The API's patterns nested by their first path segment (``feedback/``, ``matching/``...).

    Django tries a list of patterns in order, and the API has well over a hundred: a flat
    list made ``/api/v1/feedback/items`` try about 80 patterns on every request, which
    cost more than some of the request's own queries. Nested, a request tries the groups,
    then its group's patterns. Patterns keep their names, so ``reverse`` is unchanged.
    A first segment with a converter, or a single-segment path, stays where it is.
    """
    out: list[Any] = []
    groups: dict[str, list[URLPattern]] = {}
    for pattern in patterns:
        route = str(pattern.pattern)
        head, slash, rest = route.partition("/")
        if not isinstance(pattern, URLPattern) or not slash or "<" in head:
            out.append(pattern)
            continue
        if head not in groups:
            groups[head] = []
            out.append(head)  # placeholder: the group goes where its first pattern was
        groups[head].append(path(rest, pattern.callback, pattern.default_args, pattern.name))
    return [path(f"{item}/", include(groups[item])) if isinstance(item, str) else item for item in out]


def urls() -> tuple[list[URLPattern | URLResolver], str, str]:
    patterns, app_name, namespace = api.urls
    return grouped(patterns), app_name, namespace
