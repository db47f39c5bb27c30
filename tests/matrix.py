"""The permission matrix: every web route and API operation, with who may use it.

Each module declares its routes in ``tests/<module>/matrix.py`` as a list ``CASES``
of :class:`Case`. ``tests/test_permission_matrix.py`` runs every case as every role
and fails when any URL pattern or API operation has no case (a route missing from
the matrix fails the suite).

Roles: anonymous, guest, member, leader, program_owner, admin, deactivated (a
member whose account was deactivated). API cases also run as read_token and
write_token, both tokens of the admin account: a read token may do exactly the
admin's GETs, a write token everything the admin may.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = ("anonymous", "guest", "member", "leader", "program_owner", "admin")
INTERNAL = frozenset({"member", "leader", "program_owner", "admin"})
EVERYONE_LOGGED_IN = frozenset({"guest", *INTERNAL})
OWNERS = frozenset({"program_owner", "admin"})
ADMIN = frozenset({"admin"})
PUBLIC = frozenset({"anonymous", *EVERYONE_LOGGED_IN})


@dataclass(frozen=True)
class Case:
    """One route as used by one kind of request.

    ``route`` is the URL name for web pages ("people:directory") or
    "METHOD /api/v1/path/{param}" exactly as in the OpenAPI document for API
    operations. ``url`` builds the concrete URL from the ``world`` fixture (it may
    create the objects it needs with the factories). ``data`` builds the body of a
    write (form fields for web, JSON for the API). ``allowed`` are the roles that
    must succeed (status < 400); every other role must get 401/403/404 (web: a
    redirect to the login page for anonymous), and never the object's data.
    ``ok`` narrows what success is when a route answers e.g. 200 or 302 only.
    """

    route: str
    url: Callable[[Any], str]
    allowed: frozenset[str]
    method: str = "GET"
    data: Callable[[Any], dict] | None = None
    ok: tuple[int, ...] = (200, 201, 204, 302, 303)
    multipart: bool = False
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def is_api(self) -> bool:
        return self.route.split(" ", 1)[-1].startswith("/api/")
