"""The demo loader end to end on a small organization: counts, logins, and --if-empty."""

from datetime import timedelta
from io import StringIO

from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
import pytest

from peerloop.accounts.models import User
from peerloop.core.models import AuditEntry, Interaction
from peerloop.demo.generator import DEMO_PASSWORD, HISTORY_DAYS, generate
from peerloop.demo.load import DemoNotEmpty, demo_load
from peerloop.people.models import Person, Region, Unit
from peerloop.programs.models import Kpi, MetricValue, Program
from peerloop.spaces.models import Membership, Space
from peerloop.vocabulary.models import CompanyValue, Segment, Topic

SIZE = 200


@pytest.fixture
def loaded(db):
    now = timezone.now()
    report = demo_load(seed=7, people=SIZE, now=now)
    return report, generate(7, SIZE), now


def test_the_loader_writes_the_whole_organization(loaded):
    report, org, now = loaded
    assert Person.objects.count() == SIZE == report.people
    assert Person.objects.filter(kind="guest").count() == sum(1 for p in org.people if p.kind == "guest")
    assert Unit.objects.count() == len(org.units) == report.units
    assert Region.objects.count() == len(org.regions) == report.regions
    assert dict(Region.objects.values_list("code", "name"))["sao-paulo"] == "São Paulo"
    assert Unit.objects.get(code="sales-jakarta").parent.code == "sales"
    assert Unit.objects.get(code="northstar").parent is None
    assert Topic.objects.count() == len(org.topics) == report.topics
    assert Topic.objects.get(slug="pricing").parent.slug == "customers"
    assert Segment.objects.count() == 5 and CompanyValue.objects.count() == 5

    # The org chart arrived whole: every manager as generated.
    managers = dict(Person.objects.values_list("email", "manager__email"))
    assert managers == {p.email: (p.manager_email or None) for p in org.people}
    member = Person.objects.get(email="member@example.com")
    assert sorted(member.topics.values_list("name", flat=True)) == ["Key accounts", "Negotiation", "Pricing"]
    assert member.skills == list(next(p.skills for p in org.people if p.email == member.email))

    assert Space.objects.count() == len(org.spaces) == report.spaces
    expected_members = sum(len(s.hosts) + len(s.members) for s in org.spaces)
    assert Membership.objects.count() == expected_members == report.memberships
    assert set(Space.objects.get(slug="customer-council").memberships.values_list("person__kind", flat=True)) == {
        "employee",
        "guest",
    }
    assert Membership.objects.get(space__slug="customer-council", person__email="member@example.com").role == "host"

    assert Program.objects.count() == 3 == report.programs
    assert Kpi.objects.count() == 6
    assert set(Program.objects.values_list("status", flat=True)) == {"active"}
    assert Program.objects.get(name="Customer voice loop").audience_space.slug == "customer-council"
    assert Program.objects.get(name="Sales heads learn across regions").sponsor.email == "leader@example.com"
    assert MetricValue.objects.count() == len(org.metric_values) == report.metric_values
    assert MetricValue.objects.filter(period_start__day=1).count() == report.metric_values

    # The stream: the generated events (one row per target) plus one join per membership.
    generated = sum(len(e.targets) for e in org.interactions())
    assert report.interactions == generated
    assert Interaction.objects.exclude(kind="space.joined").exclude(kind__startswith="discussion.").count() == generated
    assert Interaction.objects.filter(kind="space.joined").count() == expected_members
    oldest = Interaction.objects.order_by("occurred_at").first()
    assert oldest.occurred_at >= now - timedelta(days=HISTORY_DAYS)
    assert (
        not Interaction.objects.exclude(kind="space.joined")
        .exclude(kind__startswith="discussion.")
        .filter(occurred_at__gt=now)
        .exists()
    )
    assert AuditEntry.objects.filter(action="people.import").count() == 1


def test_every_demo_login_works_with_its_role(loaded):
    report, org, _ = loaded
    roles = {login.role: login.email for login in report.logins}
    assert roles == org.logins
    for role, email in roles.items():
        user = User.objects.get(email=email)
        assert user.role == role
        person = Person.objects.get(user=user)
        assert person.email == email
        assert Client().login(email=email, password=DEMO_PASSWORD), email
    assert Person.objects.get(email="guest@example.com").kind == "guest"
    assert User.objects.count() == 5


def test_the_loader_refuses_a_directory_that_has_people(loaded):
    with pytest.raises(DemoNotEmpty):
        demo_load(seed=8, people=SIZE)
    assert Person.objects.count() == SIZE


@pytest.mark.django_db
def test_the_command_prints_the_logins_and_skips_when_not_empty():
    out = StringIO()
    call_command("demo", "--seed", "3", "--people", "60", "--no-progress", stdout=out)
    text = out.getvalue()
    assert Person.objects.count() == 60
    assert "http://127.0.0.1:8000/" in text
    assert "peerloop-demo" in text
    for email in (
        "admin@example.com",
        "owner@example.com",
        "leader@example.com",
        "member@example.com",
        "guest@example.com",
    ):
        assert email in text
    assert "Head of Sales, Jakarta" in text

    out = StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert "not loaded" in out.getvalue()
    assert Person.objects.count() == 60

    with pytest.raises(CommandError, match="already has people"):
        call_command("demo", "--no-progress", stdout=StringIO())
    with pytest.raises(CommandError, match="at least"):
        call_command("demo", "--people", "5", stdout=StringIO())
