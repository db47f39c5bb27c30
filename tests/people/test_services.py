"""Writes of the directory: people, units, regions, with their rules and audit rows."""

from django.core.exceptions import ValidationError
import pytest

from peerloop.accounts.models import User
from peerloop.core.models import AuditEntry
from peerloop.core.roles import SYSTEM
from peerloop.people import services
from peerloop.people.models import Person, Region, Unit
from tests.factories import PersonFactory, TopicFactory, UserFactory


@pytest.fixture
def chain(db):
    """Ana manages Bo, who manages Cy."""
    ana = PersonFactory(name="Ana", email="ana@example.org")
    bo = PersonFactory(name="Bo", email="bo@example.org", manager=ana)
    cy = PersonFactory(name="Cy", email="cy@example.org", manager=bo)
    return ana, bo, cy


def test_person_create_normalizes_and_audits(db):
    unit = Unit.objects.create(name="Sales", code="sales")
    topic = TopicFactory(name="Pricing", slug="pricing")
    person = services.person_create(
        actor=SYSTEM,
        email=" Dee@Example.org ",
        name="Dee   Park",
        title="Analyst",
        level="5",
        unit_id=unit.pk,
        skills="sql; python; SQL",
        topic_ids=[topic.pk],
        timezone="Asia/Seoul",
    )
    person.refresh_from_db()
    assert (person.email, person.name, person.level, person.unit, person.skills, person.timezone) == (
        "dee@example.org",
        "Dee Park",
        5,
        unit,
        ["sql", "python"],
        "Asia/Seoul",
    )
    assert list(person.topics.all()) == [topic]
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_id, entry.object_repr) == (
        "person.create",
        str(person.pk),
        "Dee Park <dee@example.org>",
    )
    assert entry.changes["email"] == "dee@example.org"


def test_person_create_names_every_bad_field(db):
    PersonFactory(email="taken@example.org")
    with pytest.raises(ValidationError) as caught:
        services.person_create(
            actor=SYSTEM, email="TAKEN@example.org", name=" ", level=13, timezone="Nowhere/City", unit_id=999
        )
    assert caught.value.message_dict == {
        "email": ["another person already has the email taken@example.org"],
        "name": ["required"],
        "level": ["an integer from 1 to 12"],
        "timezone": ["unknown timezone: 'Nowhere/City'"],
        "unit_id": ["no such unit"],
    }
    with pytest.raises(ValidationError) as caught:
        services.person_create(actor=SYSTEM, email="x@example.org", name="X", role="admin")
    assert caught.value.message_dict == {"role": ["not a field of a person"]}
    assert Person.objects.count() == 1


def test_a_manager_cycle_is_refused_and_named(chain):
    ana, bo, cy = chain
    with pytest.raises(ValidationError) as caught:
        services.person_update(actor=SYSTEM, person_id=ana.pk, manager_id=cy.pk)
    assert caught.value.message_dict == {
        "manager_id": [
            "manager cycle: Ana (ana@example.org) → Cy (cy@example.org) → Bo (bo@example.org) → Ana (ana@example.org)"
        ]
    }
    with pytest.raises(ValidationError) as caught:
        services.person_update(actor=SYSTEM, person_id=bo.pk, manager_id=bo.pk)
    assert caught.value.message_dict == {"manager_id": ["manager cycle: Bo (bo@example.org) → Bo (bo@example.org)"]}
    ana.refresh_from_db()
    assert ana.manager_id is None
    assert AuditEntry.objects.count() == 0


def test_person_update_records_what_changed(chain):
    ana, bo, cy = chain
    services.person_update(actor=SYSTEM, person_id=cy.pk, manager_id=ana.pk, title="Lead", level=5)
    cy.refresh_from_db()
    assert (cy.manager, cy.title) == (ana, "Lead")
    entry = AuditEntry.objects.get()
    assert entry.action == "person.update"
    assert entry.changes == {"manager_id": [bo.pk, ana.pk], "title": ["Regional sales lead", "Lead"]}

    services.person_update(actor=SYSTEM, person_id=cy.pk, title="Lead")
    assert AuditEntry.objects.count() == 1  # nothing changed, nothing recorded


def test_person_deactivate_deactivates_the_login(db):
    user = UserFactory(email="ana@example.org")
    person = PersonFactory(email="ana@example.org", user=user)
    services.person_deactivate(actor=SYSTEM, person_id=person.pk)
    person.refresh_from_db()
    assert person.active is False
    assert User.objects.get(pk=user.pk).is_active is False
    assert sorted(AuditEntry.objects.values_list("action", flat=True)) == ["person.deactivate", "user.deactivate"]

    services.person_deactivate(actor=SYSTEM, person_id=person.pk)
    assert AuditEntry.objects.count() == 2


def test_person_link_user_links_one_person_per_account(db):
    user = UserFactory(email="ana@example.org")
    ana = PersonFactory(email="ana@example.org")
    other = PersonFactory(email="bo@example.org")
    services.person_link_user(person_id=ana.pk, user_id=user.pk)
    assert Person.objects.get(pk=ana.pk).user == user
    with pytest.raises(ValidationError) as caught:
        services.person_link_user(person_id=other.pk, user_id=user.pk)
    assert caught.value.message_dict == {"user_id": ["this account already belongs to another person"]}


def test_units_form_a_tree_without_cycles(db):
    group = services.unit_create(actor=SYSTEM, name="Retail Group")
    sales = services.unit_create(actor=SYSTEM, name="Sales", parent_id=group.pk)
    emea = services.unit_create(actor=SYSTEM, name="Sales EMEA", code="Sales EMEA", parent_id=sales.pk)
    assert (group.code, sales.code, emea.code) == ("retail-group", "sales", "sales-emea")

    with pytest.raises(ValidationError) as caught:
        services.unit_update(actor=SYSTEM, unit_id=group.pk, parent_id=emea.pk)
    assert caught.value.message_dict == {"parent_id": ["unit cycle: Retail Group → Sales EMEA → Sales → Retail Group"]}
    with pytest.raises(ValidationError):
        services.unit_create(actor=SYSTEM, name="Sales")  # the code "sales" is taken

    services.unit_update(actor=SYSTEM, unit_id=emea.pk, name="Sales Europe", parent_id=None)
    emea.refresh_from_db()
    assert (emea.name, emea.code, emea.parent) == ("Sales Europe", "sales-emea", None)
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "unit.create",
        "unit.create",
        "unit.create",
        "unit.update",
    ]


def test_region_create(db):
    region = services.region_create(actor=SYSTEM, name="South-East Asia")
    assert (region.code, region.name) == ("south-east-asia", "South-East Asia")
    with pytest.raises(ValidationError) as caught:
        services.region_create(actor=SYSTEM, name="South East Asia")
    assert caught.value.message_dict == {"code": ["the code south-east-asia is taken"]}
    assert Region.objects.count() == 1


def test_person_for_email_and_user(db):
    from peerloop.people.queries import person_for_email, person_for_user

    user = UserFactory(email="ana@example.org")
    ana = PersonFactory(email="ana@example.org", user=user, active=False)
    assert person_for_email(email="  ANA@example.org ") == ana
    assert person_for_email(email="an") is None
    assert person_for_user(user_id=user.pk) == ana
    assert person_for_user(user_id=user.pk + 1000) is None
