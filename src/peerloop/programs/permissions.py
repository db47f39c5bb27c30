"""Who may do what with programs and metrics.

Employees read programs and metrics (guests get a 404). Program owners and admins
create programs, metrics and import metric values. A program is edited (fields,
status, KPIs) by its owner or an admin.
"""

from peerloop.core.permissions import require, require_internal, require_write
from peerloop.core.roles import Actor
from peerloop.programs.models import Program


def can_view(actor: Actor) -> bool:
    return actor.is_internal


def require_view(actor: Actor) -> None:
    require_internal(actor)


def can_create(actor: Actor) -> bool:
    return actor.is_internal and actor.is_program_owner and actor.can_write


def require_create(actor: Actor) -> None:
    require_internal(actor)
    require(actor.is_program_owner, message="Only program owners and admins create programs.")
    require_write(actor)


def require_see_templates(actor: Actor) -> None:
    """The templates are read by those who create programs (a read token may read them)."""
    require_internal(actor)
    require(actor.is_program_owner, message="Only program owners and admins create programs.")


def can_edit(actor: Actor, program: Program) -> bool:
    if not (actor.is_internal and actor.can_write):
        return False
    return actor.is_admin or (actor.person_id is not None and actor.person_id == program.owner_id)


def require_edit(actor: Actor, program: Program) -> None:
    require_internal(actor)
    require(
        actor.is_admin or (actor.person_id is not None and actor.person_id == program.owner_id),
        message="Only the program's owner and admins change it.",
    )
    require_write(actor)


def can_manage_metrics(actor: Actor) -> bool:
    return actor.is_internal and actor.is_program_owner and actor.can_write


def require_manage_metrics(actor: Actor) -> None:
    require_internal(actor)
    require(actor.is_program_owner, message="Only program owners and admins manage metrics.")
    require_write(actor)


def can_view_all_person_values(actor: Actor) -> bool:
    """Values measured per person are seen by program owners, leaders and admins;
    everyone else sees unit values and their own."""
    return actor.is_internal and (actor.is_program_owner or actor.role == "leader")
