"""Who may do what with the vocabulary: employees read it, admins edit it.

Guests get a 404, as for every internal page.
"""

from peerloop.core.permissions import require_admin, require_internal, require_write
from peerloop.core.roles import Actor


def can_view(actor: Actor) -> bool:
    return actor.is_internal


def can_edit(actor: Actor) -> bool:
    return actor.is_admin and actor.can_write


def require_view(actor: Actor) -> None:
    require_internal(actor)


def require_edit(actor: Actor) -> None:
    require_admin(actor)
    require_write(actor)
