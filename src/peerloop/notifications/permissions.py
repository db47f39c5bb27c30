"""Who may do what with notifications.

- A person sees and marks read only their own notifications; another's is a 404.
- Admins see the dead letters of the email outbox and send them again.
"""

from peerloop.core.permissions import require, require_admin, require_authenticated, require_write
from peerloop.core.roles import Actor
from peerloop.notifications.models import Notification


def can_see(actor: Actor, notification: Notification | None) -> bool:
    return (
        notification is not None
        and actor.authenticated
        and actor.person_id is not None
        and notification.recipient_id == actor.person_id
    )


def check_list(actor: Actor) -> None:
    """Anyone logged in has a list of their own (empty for an account without a person)."""
    require_authenticated(actor)


def check_mark_all_read(actor: Actor) -> None:
    require_authenticated(actor)
    require_write(actor)


def check_mark_read(actor: Actor, notification: Notification | None) -> None:
    require_authenticated(actor)
    require(can_see(actor, notification), hide=True)
    require_write(actor)


def check_preferences(actor: Actor, *, write: bool = False) -> int:
    """Anyone with a directory entry chooses what they get by email; returns their person id."""
    require_authenticated(actor)
    require(actor.person_id is not None, hide=True)
    if write:
        require_write(actor)
    assert actor.person_id is not None
    return actor.person_id


def can_see_dead_letters(actor: Actor) -> bool:
    return actor.is_admin


def check_dead_letters(actor: Actor) -> None:
    require_admin(actor)


def check_retry(actor: Actor) -> None:
    require_admin(actor)
    require_write(actor)
