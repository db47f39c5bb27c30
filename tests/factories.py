"""factory_boy factories for the foundation's models."""

import factory
from factory.django import DjangoModelFactory

from peerloop.accounts.models import User
from peerloop.core.roles import SiteRole
from peerloop.people.models import Person, Region, Unit
from peerloop.programs.models import Metric, Program
from peerloop.spaces.models import Membership, Space
from peerloop.vocabulary.models import CompanyValue, Segment, Topic

PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    role = SiteRole.MEMBER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create and results:
            instance.save(update_fields=["password"])


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Region {n}")
    code = factory.Sequence(lambda n: f"region-{n}")


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Unit {n}")
    code = factory.Sequence(lambda n: f"unit-{n}")


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    title = "Regional sales lead"
    role_family = "sales"
    level = 5
    unit = factory.SubFactory(UnitFactory)
    region = factory.SubFactory(RegionFactory)
    timezone = "UTC"


class TopicFactory(DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class SegmentFactory(DjangoModelFactory):
    class Meta:
        model = Segment

    name = factory.Sequence(lambda n: f"Segment {n}")
    slug = factory.Sequence(lambda n: f"segment-{n}")


class CompanyValueFactory(DjangoModelFactory):
    class Meta:
        model = CompanyValue

    name = factory.Sequence(lambda n: f"Value {n}")
    slug = factory.Sequence(lambda n: f"value-{n}")


class SpaceFactory(DjangoModelFactory):
    class Meta:
        model = Space

    kind = Space.Kind.COMMUNITY
    name = factory.Sequence(lambda n: f"Space {n}")
    slug = factory.Sequence(lambda n: f"space-{n}")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    space = factory.SubFactory(SpaceFactory)
    person = factory.SubFactory(PersonFactory)
    role = Membership.Role.MEMBER


class MetricFactory(DjangoModelFactory):
    class Meta:
        model = Metric
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"metric-{n}")
    name = factory.Sequence(lambda n: f"Metric {n}")


class ProgramFactory(DjangoModelFactory):
    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"Program {n}")
    slug = factory.Sequence(lambda n: f"program-{n}")
    objective = "Regional leaders learn from each other"
    owner = factory.SubFactory(PersonFactory)


def account(role: str, *, email: str | None = None, **person_fields: object) -> Person:
    """A person with a login of the given site role (guests are people of kind guest)."""
    user = UserFactory(role=role, **({"email": email} if email else {}))
    kind = Person.Kind.GUEST if role == SiteRole.GUEST else Person.Kind.EMPLOYEE
    return PersonFactory(user=user, email=user.email, kind=kind, **person_fields)
