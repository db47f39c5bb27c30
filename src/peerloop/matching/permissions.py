"""Who may do what with peer matching.

A program's owner and admins configure its matching, preview and publish rounds and see
its health. Employees see and follow up only their own matches, set their own
preferences, find peers and ask for intros. Guests reach nothing here (404).
"""

from peerloop.core.permissions import require, require_internal, require_person, require_write
from peerloop.core.roles import Actor
from peerloop.programs.models import Program


def can_run(actor: Actor, program: Program) -> bool:
    """Configure, preview, publish and read the health of a program's matching."""
    return actor.is_internal and (
        actor.is_admin or (actor.person_id is not None and actor.person_id == program.owner_id)
    )


def require_run(actor: Actor, program: Program, *, write: bool = False) -> None:
    require_internal(actor)
    require(can_run(actor, program), message="Only the program's owner and admins run its matching.")
    if write:
        require_write(actor)


# An employee with a directory entry; returns their person id (others: 404).
require_member = require_person
