"""The permission matrix: every case of every ``tests/<module>/matrix.py`` as every role.

Roles: those of tests/matrix.py plus ``deactivated`` (a member whose account was
deactivated after logging in; for API cases it sends a token made before the
deactivation), and for API cases ``read_token`` and ``write_token`` (tokens of the
admin account: a read token may do exactly the admin's GETs, a write token all the
admin may).

An allowed role must get a status in ``case.ok``. A denied role must get 401, 403
or 404 (web pages: anonymous and deactivated are redirected to the login page; API:
as problem details), and the denied response must not contain the object's data:
the private space's name, other people's emails, and the case's own
``extra["secrets"]`` (strings, or a callable of the world returning strings).
``extra["token_roles"]`` (a set of "read_token"/"write_token") overrides the token
rule for operations tokens may never use.

``test_every_route_has_a_case`` fails when a URL pattern or an OpenAPI operation has
no case; ``test_every_case_names_a_route`` when a case names one that does not exist.
"""

from collections.abc import Iterator
import importlib
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
import pytest

from peerloop.accounts.services import api_token_create
from peerloop.api.urls import api
from peerloop.core.roles import SYSTEM, SiteRole
from tests.factories import account
from tests.matrix import ROLES, Case

TESTS = Path(__file__).resolve().parent
WEB_ROLES = (*ROLES, "deactivated")
API_ROLES = (*WEB_ROLES, "read_token", "write_token")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
# URL prefixes that are not Peerloop's routes.
SKIPPED_PREFIXES = ("django-admin/", "static/", "media/", "__debug__/", "__reload__/")
API_NAMESPACE = "api-1"
API_PAGES = frozenset({"openapi-json", "openapi-view"})
PEOPLE_ROLES = tuple(role for role in ROLES if role != "anonymous")
PRIVATE_SPACE_NAME = "Sales leads circle"
DEACTIVATED_EMAIL = "deactivated@example.org"


def load_cases() -> list[Case]:
    """The CASES of every tests/<module>/matrix.py, in module order."""
    cases: list[Case] = []
    for path in sorted(TESTS.glob("*/matrix.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.matrix")
        cases.extend(module.CASES)
    return cases


CASES = load_cases()


def case_label(case: Case) -> str:
    if case.is_api or case.method.upper() == "GET":
        return case.route
    return f"{case.route} {case.method.upper()}"


def params() -> Iterator[Any]:
    for case in CASES:
        for role in API_ROLES if case.is_api else WEB_ROLES:
            yield pytest.param(case, role, id=f"{case_label(case)}-{role}")


def is_allowed(case: Case, role: str) -> bool:
    method = case.method.upper()
    if role == "deactivated":
        return "anonymous" in case.allowed or "deactivated" in case.allowed
    if role in ("read_token", "write_token"):
        if "token_roles" in case.extra:
            return role in case.extra["token_roles"]
        return "admin" in case.allowed and (role == "write_token" or method in SAFE_METHODS)
    return role in case.allowed


def client_for(role: str, world: Any, case: Case) -> Client:
    if role == "anonymous":
        return Client()
    if role in ("read_token", "write_token"):
        scope = "read" if role == "read_token" else "write"
        _, secret = api_token_create(actor=SYSTEM, user=world.admin.user, name=role, scope=scope)
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    if role == "deactivated":
        person = account(SiteRole.MEMBER, email=DEACTIVATED_EMAIL)
        user = person.user
        client = Client()
        if case.is_api:
            _, secret = api_token_create(actor=SYSTEM, user=user, name="before deactivation", scope="write")
            client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
        else:
            client.force_login(user)
        type(user).objects.filter(pk=user.pk).update(is_active=False)
        type(person).objects.filter(pk=person.pk).update(active=False)
        return client
    client = Client()
    client.force_login(world.person(role).user)
    return client


def perform(client: Client, case: Case, world: Any) -> Any:
    url = case.url(world)
    data = case.data(world) if case.data else None
    method = case.method.upper()
    if method == "GET":
        return client.get(url, data or {})
    if case.multipart or not case.is_api:
        if method == "POST":
            return client.post(url, data or {})
        from urllib.parse import urlencode

        return client.generic(
            method, url, urlencode(data or {}, doseq=True), content_type="application/x-www-form-urlencoded"
        )
    if data is None:
        return client.generic(method, url)
    return client.generic(method, url, json.dumps(data), content_type="application/json")


def secrets(case: Case, role: str, world: Any) -> list[str]:
    """Strings a denied response must not contain."""
    found = [] if role == "member" else [PRIVATE_SPACE_NAME]
    own = ""
    if role.endswith("_token"):
        own = world.admin.email
    elif role in PEOPLE_ROLES:
        own = world.person(role).email
    for person_role in PEOPLE_ROLES:
        email = world.person(person_role).email
        if email != own:
            found.append(email)
    extra = case.extra.get("secrets", ())
    found.extend(extra(world) if callable(extra) else extra)
    return found


def body_text(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


@pytest.mark.parametrize(("case", "role"), list(params()))
def test_matrix(case: Case, role: str, world: Any) -> None:
    client = client_for(role, world, case)
    response = perform(client, case, world)
    body = body_text(response)
    where = f"{case.method} {case.route} as {role}"
    if is_allowed(case, role):
        assert response.status_code in case.ok, f"{where}: expected {case.ok}, got {response.status_code}: {body[:500]}"
        return
    if not case.is_api and role in ("anonymous", "deactivated"):
        login = resolve_url(settings.LOGIN_URL)
        assert response.status_code == 302, f"{where}: expected a redirect to {login}, got {response.status_code}"
        assert response["Location"].startswith(login), f"{where}: redirected to {response['Location']}, not {login}"
    else:
        assert response.status_code in (401, 403, 404), f"{where}: expected 401/403/404, got {response.status_code}"
    if case.is_api:
        assert response["Content-Type"].startswith("application/problem+json"), f"{where}: not problem details"
    for secret in secrets(case, role, world):
        assert secret not in body, f"{where}: the denied response contains {secret!r}"


# --- coverage --------------------------------------------------------------------------


def url_routes() -> set[str]:
    """The name of every URL pattern of peerloop.urls (API operations excepted)."""
    found: set[str] = set()

    def walk(patterns: list, prefix: str, namespaces: tuple[str, ...]) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(SKIPPED_PREFIXES):
                continue
            if isinstance(pattern, URLResolver):
                names = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
                walk(pattern.url_patterns, route, names)
            elif isinstance(pattern, URLPattern):
                if namespaces and namespaces[-1] == API_NAMESPACE and pattern.name not in API_PAGES:
                    continue  # an API operation: covered by the OpenAPI document
                if not pattern.name:
                    found.add(f"<unnamed {route}>")
                    continue
                found.add(":".join((*namespaces, pattern.name)))

    walk(get_resolver().url_patterns, "", ())
    return found


def api_operations() -> set[str]:
    document = api.get_openapi_schema()
    return {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def test_every_route_has_a_case() -> None:
    declared = {case.route for case in CASES}
    missing = sorted((url_routes() | api_operations()) - declared)
    assert not missing, (
        "These routes have no case in any tests/<module>/matrix.py (add one per route, see tests/matrix.py):\n  "
        + "\n  ".join(missing)
    )


def test_every_case_names_a_route() -> None:
    existing = url_routes() | api_operations()
    unknown = sorted({case.route for case in CASES} - existing)
    assert not unknown, "These cases name routes that do not exist:\n  " + "\n  ".join(unknown)


def test_cases_are_loaded_from_every_module() -> None:
    modules = {path.parent.name for path in TESTS.glob("*/matrix.py")}
    assert "core" in modules
    assert any(case.route == "GET /api/v1/jobs/{job_id}" for case in CASES)
