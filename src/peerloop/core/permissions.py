"""The one permission layer: every view and API endpoint asks a module's
``permissions.py``, which answers with these helpers.

A denied read of an object the actor may not know exists is a 404 (``hide=True``),
never its data; a denied action on something they can see is a 403.
"""

from typing import TYPE_CHECKING

from peerloop.core.roles import Actor, SiteRole

if TYPE_CHECKING:
    from peerloop.core.models import Job


class PermissionDenied(Exception):
    """The actor may not do this (403)."""

    status = 403

    def __init__(self, message: str = "You do not have permission to do this.") -> None:
        super().__init__(message)
        self.message = message


class NotFound(Exception):
    """The object does not exist, or the actor may not know that it does (404)."""

    status = 404

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message)
        self.message = message


class LoginRequired(Exception):
    """The request carries no valid session or token (401)."""

    status = 401


def require(allowed: bool, *, hide: bool = False, message: str | None = None) -> None:
    """Raise unless ``allowed``: NotFound when ``hide``, PermissionDenied otherwise."""
    if allowed:
        return
    if hide:
        raise NotFound(message or "Not found.")
    raise PermissionDenied(message or "You do not have permission to do this.")


def require_authenticated(actor: Actor) -> None:
    if not actor.authenticated:
        raise LoginRequired()


def require_internal(actor: Actor) -> None:
    """Employees only: guests get a 404, as if the internal object did not exist."""
    require_authenticated(actor)
    require(actor.is_internal, hide=True)


def require_admin(actor: Actor) -> None:
    require_authenticated(actor)
    require(actor.is_internal, hide=True)
    require(actor.is_admin)


def require_person(actor: Actor, *, write: bool = False) -> int:
    """An employee with a directory entry; returns their person id (others: 404)."""
    require_internal(actor)
    if actor.person_id is None:
        raise NotFound()
    if write:
        require_write(actor)
    return actor.person_id


def require_write(actor: Actor) -> None:
    """A read-only API token cannot write."""
    require(actor.can_write, message="This token is read-only.")


def can_read_interactions(actor: Actor) -> bool:
    """The raw interaction stream: admins and leaders."""
    return actor.is_internal and actor.role in (SiteRole.ADMIN, SiteRole.LEADER)


def require_interaction_reader(actor: Actor) -> None:
    require_internal(actor)
    require(can_read_interactions(actor))


def can_see_job(actor: Actor, job: "Job") -> bool:
    """A job is visible to the account that started it and to admins."""
    return actor.authenticated and (job.started_by_id == actor.user_id or actor.is_admin)
