"""Builders shared by the tests of the feedback loop: two regions with a head of sales
each (level 6, in their own units), a VP above them, and a routing rule sending
pricing feedback to the head of sales of the item's region."""

from dataclasses import dataclass

from peerloop.core.roles import SiteRole
from peerloop.feedback import services
from peerloop.feedback.models import FeedbackItem, RoutingRule
from peerloop.people.models import Person, Region, Unit
from peerloop.people.queries import actor_for_user
from tests.factories import RegionFactory, TopicFactory, UnitFactory, account


def actor_of(person: Person):
    return actor_for_user(person.user)


@dataclass
class Org:
    jakarta: Region
    lima: Region
    sales_jakarta: Unit
    sales_lima: Unit
    vp: Person
    head_jakarta: Person
    head_lima: Person
    rule: RoutingRule
    pricing_id: int
    delivery_id: int


def org(world) -> Org:
    """The sales org; world.program_owner runs the loop."""
    jakarta = RegionFactory(code="jakarta", name="Jakarta")
    lima = RegionFactory(code="lima", name="Lima")
    sales_jakarta = UnitFactory(code="sales-jakarta", name="Sales Jakarta")
    sales_lima = UnitFactory(code="sales-lima", name="Sales Lima")
    vp = account(SiteRole.LEADER, email="vp@example.org", level=7, unit=UnitFactory(code="sales"), region=jakarta,
                 role_family="sales", name="Vera VP")  # fmt: skip
    head_jakarta = account(SiteRole.MEMBER, email="head.jakarta@example.org", level=6, unit=sales_jakarta,
                           region=jakarta, role_family="sales", manager=vp, name="Hana Jakarta")  # fmt: skip
    head_lima = account(SiteRole.MEMBER, email="head.lima@example.org", level=6, unit=sales_lima, region=lima,
                        role_family="sales", manager=vp, name="Luis Lima")  # fmt: skip
    pricing = world.topic
    pricing.synonyms = ["price", "discount"]
    pricing.save()
    delivery = TopicFactory(name="Delivery times", slug="delivery-times", synonyms=["late delivery", "shipping"])
    rule = services.rule_save(
        actor=actor_of(world.program_owner), name="Pricing to the head of sales", role_family="sales", min_level=6,
        scope=RoutingRule.Scope.REGION, topic_id=pricing.pk, sla_hours=24,
    )  # fmt: skip
    return Org(jakarta, lima, sales_jakarta, sales_lima, vp, head_jakarta, head_lima, rule, pricing.pk, delivery.pk)


def ingest(world, *records: dict) -> list[FeedbackItem]:
    return services.items_ingest(actor=actor_of(world.program_owner), records=list(records))
