"""Who may do what with spaces. Every check takes the space as read for this request
(with its ``my_role`` annotation from spaces.queries), never a cached membership.

- Employees see every space that is not archived; guests only the spaces they belong to.
- Admins and program owners create spaces.
- Hosts of a space and admins edit it, archive it, and manage its members and invitations.
- Anyone may leave a space they belong to.
"""

from peerloop.core.permissions import require, require_authenticated, require_internal, require_write
from peerloop.core.roles import Actor
from peerloop.spaces.models import Membership, Space


def _role(space: Space) -> str | None:
    return getattr(space, "my_role", None)


def can_view(actor: Actor, space: Space | None) -> bool:
    if space is None or not actor.authenticated:
        return False
    if actor.is_admin:
        return True
    if space.archived:
        return False
    if actor.is_internal:
        return True
    return _role(space) is not None


def can_create(actor: Actor) -> bool:
    return actor.is_program_owner and actor.can_write


def can_manage(actor: Actor, space: Space) -> bool:
    """Edit the space, manage its members and invitations."""
    if not can_view(actor, space) or not actor.can_write:
        return False
    return actor.is_admin or _role(space) == Membership.Role.HOST


def can_see_member_details(actor: Actor) -> bool:
    """Employees see a member's unit and region; guests see names and titles only."""
    return actor.is_internal


def check_list(actor: Actor) -> None:
    require_authenticated(actor)


def check_view(actor: Actor, space: Space | None) -> None:
    """A space the actor may not see is a 404, as if it did not exist."""
    require_authenticated(actor)
    require(can_view(actor, space), hide=True)


def check_create(actor: Actor) -> None:
    require_internal(actor)
    require_write(actor)
    require(can_create(actor), message="Only admins and program owners create spaces.")


def check_manage(actor: Actor, space: Space | None) -> None:
    check_view(actor, space)
    require_write(actor)
    assert space is not None
    require(can_manage(actor, space), message="Only the hosts of this space and admins can do this.")


def check_add_member_directly(actor: Actor, space: Space | None) -> None:
    """Adding someone by their directory id (without an invitation) is for employees
    who manage the space: a guest host invites by email instead."""
    check_manage(actor, space)
    require(actor.is_internal, message="Guests invite people by email.")


def check_remove_member(actor: Actor, space: Space | None, person_id: int) -> None:
    """Hosts and admins remove anyone; a member removes themselves (leaves)."""
    check_view(actor, space)
    require_write(actor)
    assert space is not None
    leaving = actor.person_id is not None and actor.person_id == person_id and _role(space) is not None
    require(leaving or can_manage(actor, space), message="Only the hosts of this space and admins can remove members.")
