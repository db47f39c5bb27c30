"""Who may do what in the directory. Views and the API ask only here.

The directory, profiles, units, regions and the org chart are internal: guests and
anyone else get a 404, as if they did not exist. Importing, exporting and editing are
for admins. An inactive person is visible to admins only.
"""

from peerloop.core.permissions import require, require_admin, require_internal, require_write
from peerloop.core.roles import Actor
from peerloop.people.models import Person


def can_view_directory(actor: Actor) -> bool:
    return actor.is_internal


def check_view_directory(actor: Actor) -> None:
    require_internal(actor)


def check_view_person(actor: Actor, person: Person | None) -> None:
    require_internal(actor)
    require(person is not None and (person.active or actor.is_admin), hide=True)


def check_view_orgchart(actor: Actor) -> None:
    require_internal(actor)


def check_view_units(actor: Actor) -> None:
    require_internal(actor)


def check_view_regions(actor: Actor) -> None:
    require_internal(actor)


def can_manage_people(actor: Actor) -> bool:
    return actor.is_admin


def check_import(actor: Actor) -> None:
    require_admin(actor)
    require_write(actor)


def check_export(actor: Actor) -> None:
    require_admin(actor)


def check_edit(actor: Actor) -> None:
    require_admin(actor)
    require_write(actor)
