from django.core.exceptions import ValidationError
import pytest

from peerloop.core.models import AuditEntry
from peerloop.core.roles import SYSTEM
from peerloop.vocabulary import queries, services
from peerloop.vocabulary.models import CompanyValue, Segment, TaggedItem, Topic
from tests.factories import PersonFactory, SpaceFactory, TopicFactory

pytestmark = pytest.mark.django_db


def messages(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def test_topic_create_derives_slug_and_normalizes_synonyms():
    topic = services.topic_create(
        actor=SYSTEM,
        name="  Customer   churn ",
        synonyms=["attrition", " Attrition ", "", "customer churn", "lost   customers"],
        description=" Why customers leave ",
    )
    topic.refresh_from_db()
    assert (topic.name, topic.slug) == ("Customer churn", "customer-churn")
    assert topic.synonyms == ["attrition", "lost customers"]
    assert topic.description == "Why customers leave"
    entry = AuditEntry.objects.get(action="topic.create")
    assert entry.object_id == str(topic.pk)
    assert entry.changes["synonyms"] == ["attrition", "lost customers"]


def test_auto_slug_is_made_unique_but_an_explicit_duplicate_is_refused():
    services.topic_create(actor=SYSTEM, name="C")
    second = services.topic_create(actor=SYSTEM, name="C++")
    assert second.slug == "c-2"
    with pytest.raises(ValidationError) as exc:
        services.topic_create(actor=SYSTEM, name="C sharp", slug="c")
    assert messages(exc) == {"slug": ["The slug 'c' is already used by C."]}


def test_a_synonym_may_not_be_another_topics_name_or_synonym():
    services.topic_create(actor=SYSTEM, name="Pricing", synonyms=["price"])
    with pytest.raises(ValidationError) as exc:
        services.topic_create(actor=SYSTEM, name="Discounts", synonyms=["PRICE", "rebates", "pricing"])
    assert messages(exc) == {
        "synonyms": [
            "'PRICE' is already a synonym of the topic 'Pricing'; 'pricing' is already the name of the topic 'Pricing'."
        ]
    }
    with pytest.raises(ValidationError) as exc:
        services.topic_create(actor=SYSTEM, name="Price")
    assert messages(exc) == {"name": ["'Price' is already a synonym of the topic 'Pricing'."]}
    assert Topic.objects.count() == 1


def test_updating_a_topic_keeps_its_own_words():
    topic = services.topic_create(actor=SYSTEM, name="Pricing", synonyms=["price"])
    services.topic_update(actor=SYSTEM, topic_id=topic.pk, synonyms=["price", "list price"])
    topic.refresh_from_db()
    assert topic.synonyms == ["price", "list price"]
    entry = AuditEntry.objects.get(action="topic.update")
    assert entry.changes == {"synonyms": [["price"], ["price", "list price"]]}


def test_update_without_change_writes_no_audit_row():
    topic = services.topic_create(actor=SYSTEM, name="Pricing")
    services.topic_update(actor=SYSTEM, topic_id=topic.pk, name="Pricing")
    assert AuditEntry.objects.filter(action="topic.update").count() == 0


def test_parent_cycle_is_refused_naming_the_chain():
    a = services.topic_create(actor=SYSTEM, name="Sales")
    b = services.topic_create(actor=SYSTEM, name="Pricing", parent_id=a.pk)
    c = services.topic_create(actor=SYSTEM, name="Discounts", parent_id=b.pk)
    with pytest.raises(ValidationError) as exc:
        services.topic_update(actor=SYSTEM, topic_id=a.pk, parent_id=c.pk)
    assert messages(exc) == {"parent_id": ["That parent would make a cycle: Sales → Discounts → Pricing → Sales."]}
    with pytest.raises(ValidationError) as exc:
        services.topic_update(actor=SYSTEM, topic_id=a.pk, parent_id=a.pk)
    assert messages(exc) == {"parent_id": ["Sales cannot be its own parent."]}
    a.refresh_from_db()
    assert a.parent_id is None


def test_unknown_parent_is_refused():
    with pytest.raises(ValidationError) as exc:
        services.topic_create(actor=SYSTEM, name="Orphan", parent_id=999_999)
    assert messages(exc) == {"parent_id": ["There is no topic 999999."]}


@pytest.mark.parametrize("name", ["", "   ", "=HYPERLINK(1)", "@cmd", "+1+1", "-x"])
def test_bad_names_are_refused(name):
    with pytest.raises(ValidationError) as exc:
        services.topic_create(actor=SYSTEM, name=name)
    assert list(messages(exc)) == ["name"]


def test_topic_delete_refused_while_children_exist():
    parent = services.topic_create(actor=SYSTEM, name="Sales")
    services.topic_create(actor=SYSTEM, name="Pricing", parent_id=parent.pk)
    services.topic_create(actor=SYSTEM, name="Renewals", parent_id=parent.pk)
    with pytest.raises(ValidationError) as exc:
        services.topic_delete(actor=SYSTEM, topic_id=parent.pk)
    assert exc.value.messages == ["Sales has 2 subtopics (Pricing, Renewals). Move or delete them first."]
    assert Topic.objects.filter(pk=parent.pk).exists()


def test_topic_delete_removes_its_tags_and_audits():
    topic = services.topic_create(actor=SYSTEM, name="Pricing")
    person = PersonFactory()
    services.tag_add(actor=SYSTEM, topic_id=topic.pk, obj=person)
    services.topic_delete(actor=SYSTEM, topic_id=topic.pk)
    assert not Topic.objects.exists()
    assert not TaggedItem.objects.exists()
    entry = AuditEntry.objects.get(action="topic.delete")
    assert entry.changes == {"slug": "pricing", "synonyms": [], "tags_removed": 1}


def test_tags_are_idempotent_and_generic():
    topic = TopicFactory(name="Onboarding", slug="onboarding")
    other = TopicFactory(name="Churn", slug="churn")
    person, space = PersonFactory(), SpaceFactory()
    assert services.tag_add(actor=SYSTEM, topic_id=topic.pk, obj=person) is True
    assert services.tag_add(actor=SYSTEM, topic_id=topic.pk, obj=person) is False
    services.tag_add(actor=SYSTEM, topic_id=other.pk, obj=person)
    services.tag_add(actor=SYSTEM, topic_id=topic.pk, obj=space)
    assert TaggedItem.objects.count() == 3
    assert queries.tags_for(obj=person) == [other, topic]
    assert queries.tags_for(obj=space) == [topic]
    untagged = PersonFactory()
    assert queries.tags_for_many(objs=[person, untagged]) == {person.pk: [other, topic], untagged.pk: []}
    assert services.tag_remove(actor=SYSTEM, topic_id=topic.pk, obj=person) is True
    assert services.tag_remove(actor=SYSTEM, topic_id=topic.pk, obj=person) is False
    assert queries.tags_for(obj=person) == [other]


def test_tag_with_unknown_topic_is_refused():
    with pytest.raises(ValidationError) as exc:
        services.tag_add(actor=SYSTEM, topic_id=12345, obj=PersonFactory())
    assert messages(exc) == {"topic_id": ["There is no topic 12345."]}


def test_segments_and_values_are_named_uniquely_and_audited():
    segment = services.segment_create(actor=SYSTEM, name="Small business", description="Fewer than 50 staff")
    assert (segment.slug, segment.description) == ("small-business", "Fewer than 50 staff")
    with pytest.raises(ValidationError) as exc:
        services.segment_create(actor=SYSTEM, name="small BUSINESS")
    assert messages(exc) == {"name": ["There is already a segment named 'Small business'."]}
    services.segment_update(actor=SYSTEM, segment_id=segment.pk, name="Small and medium business")
    segment.refresh_from_db()
    assert (segment.name, segment.slug) == ("Small and medium business", "small-business")
    value = services.company_value_create(actor=SYSTEM, name="Customer first")
    services.company_value_update(actor=SYSTEM, value_id=value.pk, description="Always")
    services.company_value_delete(actor=SYSTEM, value_id=value.pk)
    services.segment_delete(actor=SYSTEM, segment_id=segment.pk)
    assert not Segment.objects.exists() and not CompanyValue.objects.exists()
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "segment.create",
        "segment.update",
        "company_value.create",
        "company_value.update",
        "company_value.delete",
        "segment.delete",
    ]
