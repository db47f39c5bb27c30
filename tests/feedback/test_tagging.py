"""Tagging rules from the vocabulary and the classifier learned from corrections."""

from hypothesis import given
from hypothesis import strategies as st
import pytest

from peerloop.feedback import classifier, routing, services, tagging
from peerloop.feedback.models import ClassifierModel, FeedbackTag
from tests.feedback.helpers import actor_of, ingest, org

BOOK = tagging.Rulebook.from_topics(
    [(1, "Pricing", ["price", "discount"]), (2, "Delivery times", ["late delivery", "shipping"])]
)


def test_names_are_surer_than_synonyms_and_mentions_add_up():
    assert BOOK.tag("Pricing again") == [tagging.Tag(1, 0.8, "rule", "Pricing")]
    assert BOOK.tag("price and discount and price") == [tagging.Tag(1, 0.85, "rule", "price, discount")]
    assert [t.topic_id for t in BOOK.tag("late delivery, and the price")] == [1, 2]
    assert BOOK.tag("nothing here") == []
    assert BOOK.tag("priceless") == []


def test_merge_keeps_one_tag_per_topic_and_triage_below_half():
    learned = [tagging.Tag(1, 0.6, "classifier"), tagging.Tag(3, 0.3, "classifier")]
    merged = tagging.merge(BOOK.tag("the price"), learned)
    assert [(t.topic_id, t.origin) for t in merged] == [(1, "rule"), (3, "classifier")]
    assert merged[0].confidence == pytest.approx(0.65 + 0.35 * 0.3)
    assert tagging.needs_triage([tagging.Tag(3, 0.3, "classifier")])
    assert tagging.needs_triage([])
    assert not tagging.needs_triage(merged)


@given(st.text(max_size=200))
def test_confidences_stay_between_zero_and_one(text):
    for tag in BOOK.tag(text):
        assert 0 < tag.confidence <= tagging.MAX_RULE_CONFIDENCE


def test_routing_rules_match_on_every_condition_and_load_goes_to_the_least_busy():
    rule = routing.RuleSpec(1, topic_id=5, segment="Retail", region_id=2, score_max=4)
    assert routing.rule_matches(rule, routing.ItemFacts(frozenset({5}), "retail", 2, None, 3))
    assert not routing.rule_matches(rule, routing.ItemFacts(frozenset({5}), "retail", 2, None, None))
    assert not routing.rule_matches(rule, routing.ItemFacts(frozenset({6}), "retail", 2, None, 3))
    assert routing.least_loaded([4, 3, 9], {4: 1, 3: 1, 9: 0}) == 9
    assert routing.least_loaded([4, 3], {4: 1, 3: 1}) == 3
    assert routing.least_loaded([], {}) is None


def test_the_classifier_learns_topics_from_examples():
    texts = [f"the bill and the invoice were wrong {i}" for i in range(15)]
    texts += [f"the truck came two days after the promised date {i}" for i in range(15)]
    labels = [1] * 15 + [2] * 15
    model = classifier.train(texts, labels)
    assert model.predict_labels(["a wrong invoice", "the truck was days after the date"]) == [1, 2]
    (best,) = model.predict(["wrong invoice and bill"], top=1)
    assert best[0][0] == 1 and best[0][1] > 0.5
    restored = classifier.loads(classifier.dumps(model))
    assert restored.predict_labels(["wrong invoice"]) == [1]
    with pytest.raises(classifier.NotEnoughExamples):
        classifier.train(texts[:5], labels[:5])


@pytest.mark.django_db
def test_owners_corrections_train_the_classifier_that_then_tags_new_items(world):
    o = org(world)
    owner = actor_of(world.program_owner)
    bills = [f"my invoice is wrong again number {i}" for i in range(12)]
    trucks = [f"the truck never came to the store {i}" for i in range(12)]
    items = ingest(world, *[{"text": t, "region": "jakarta"} for t in bills + trucks])
    for item in items[:12]:
        services.item_tags_set(actor=owner, item_id=item.pk, topic_ids=[o.pricing_id])
    for item in items[12:]:
        services.item_tags_set(actor=owner, item_id=item.pk, topic_ids=[o.delivery_id])
    model = services.classifier_train()
    assert model is not None and (model.examples, model.labels) == (24, 2)
    assert ClassifierModel.objects.count() == 1
    (fresh,) = ingest(world, {"text": "the invoice is wrong", "region": "jakarta"})
    tag = FeedbackTag.objects.filter(item=fresh).first()  # surest first
    assert (tag.topic_id, tag.origin) == (o.pricing_id, "classifier")
    assert fresh.owner_id == o.head_jakarta.pk
