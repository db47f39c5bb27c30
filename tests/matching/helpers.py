"""Builders shared by the tests of matching."""

from peerloop.core.roles import Actor
from peerloop.matching import services
from peerloop.matching.models import MatchingSetup
from peerloop.people.queries import actor_for_user
from tests.factories import PersonFactory, UnitFactory

LEVEL = 5


def owner_actor(world) -> Actor:
    return actor_for_user(world.program_owner.user)


def actor_of(person) -> Actor:
    return actor_for_user(person.user)


def matching_program(world, **setup_fields) -> MatchingSetup:
    """world.program with the matching mechanism, its audience the people at level 5."""
    program = world.program
    program.mechanisms = ["matching"]
    program.audience_filter = {"levels": [LEVEL]}
    program.save()
    return services.setup_save(actor=owner_actor(world), program_id=program.pk, **setup_fields)


def people(n: int, *, units: list | None = None, **fields) -> list:
    units = units or [UnitFactory() for _ in range(n)]
    return [PersonFactory(unit=units[i % len(units)], level=LEVEL, **fields) for i in range(n)]
