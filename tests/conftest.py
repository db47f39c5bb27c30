"""Shared fixtures: a small organization with one account per site role."""

from dataclasses import dataclass

from django.test import Client
import pytest

from peerloop.core.roles import SiteRole
from peerloop.people.models import Person, Region, Unit
from peerloop.programs.models import Metric, Program
from peerloop.spaces.models import Membership, Space
from peerloop.vocabulary.models import Topic
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    MetricFactory,
    ProgramFactory,
    SpaceFactory,
    TopicFactory,
    account,
)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path_factory):
    """Uploads made by tests land in a temporary folder, never in ./var."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@dataclass
class World:
    admin: Person
    program_owner: Person
    leader: Person
    member: Person
    guest: Person
    guest_space: Space
    private_space: Space
    unit: Unit
    region: Region
    topic: Topic
    program: Program
    metric: Metric

    def person(self, role: str) -> Person:
        return getattr(self, role)


@pytest.fixture
def world(db) -> World:
    admin = account(SiteRole.ADMIN, email="admin@example.org", level=8)
    owner = account(SiteRole.PROGRAM_OWNER, email="owner@example.org", level=6)
    leader = account(SiteRole.LEADER, email="leader@example.org", level=7)
    member = account(SiteRole.MEMBER, email="member@example.org", level=4)
    guest = account(SiteRole.GUEST, email="guest@example.org", level=None, unit=None, region=None)
    guest_space = SpaceFactory(name="Customer council", slug="customer-council", kind=Space.Kind.COCREATION)
    private_space = SpaceFactory(name="Sales leads circle", slug="sales-leads", kind=Space.Kind.CIRCLE)
    MembershipFactory(space=guest_space, person=guest)
    MembershipFactory(space=guest_space, person=member, role=Membership.Role.HOST)
    MembershipFactory(space=private_space, person=member)
    topic = TopicFactory(name="Pricing", slug="pricing")
    metric = MetricFactory(code="nps", name="Net promoter score")
    program = ProgramFactory(name="Regional leaders learn", slug="regional-leaders", owner=owner, sponsor=leader)
    return World(
        admin,
        owner,
        leader,
        member,
        guest,
        guest_space,
        private_space,
        unit=member.unit,
        region=member.region,
        topic=topic,
        program=program,
        metric=metric,
    )


def login(client: Client, person: Person) -> Client:
    assert client.login(email=person.email, password=PASSWORD), f"could not log in as {person.email}"
    return client


@pytest.fixture
def client_as(client: Client, world: World):
    """``client_as("member")`` is a test client logged in with that role."""

    def _client(role: str) -> Client:
        return login(Client(), world.person(role))

    return _client
