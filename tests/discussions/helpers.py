"""Shared set-up of the discussion tests: a community of practice in the world."""

from peerloop.core.roles import SiteRole
from peerloop.discussions import services
from peerloop.discussions.models import Thread
from peerloop.people.queries import actor_for_user
from peerloop.spaces.models import Membership, Space
from tests.factories import MembershipFactory, SpaceFactory, account


def actor(person):
    return actor_for_user(person.user)


def community(world) -> Space:
    """ "Pricing practice": a community of practice; world.member hosts it, world.leader is a member."""
    if getattr(world, "_community", None) is None:
        space = SpaceFactory(name="Pricing practice", slug="pricing-practice", kind=Space.Kind.COMMUNITY)
        MembershipFactory(space=space, person=world.member, role=Membership.Role.HOST)
        MembershipFactory(space=space, person=world.leader)
        world._community = space
    return world._community


def peer(world, email="peer@example.org", level=4):
    """Another member of the community (a member role account)."""
    person = account(SiteRole.MEMBER, email=email, level=level)
    MembershipFactory(space=community(world), person=person)
    return person


def question(world, title="How do you price multi-year deals?", body="We struggle with **discounts**.") -> Thread:
    return services.thread_create(
        actor=actor(world.leader),
        space_id=community(world).pk,
        kind="question",
        title=title,
        body=body,
        topic_ids=[world.topic.pk],
    )


def private_question(world, title="Secret margin plan zebra", body="Only for the circle: zebra margins") -> Thread:
    return services.thread_create(
        actor=actor(world.member), space_id=world.private_space.pk, kind="question", title=title, body=body
    )
