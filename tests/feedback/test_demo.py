"""The demo's feedback: routed to the heads accountable, lessons reaching peers, deterministic."""

from django.db.models import Count
from django.utils import timezone
import pytest

from peerloop.core.models import Interaction
from peerloop.demo.load import demo_load
from peerloop.feedback import queries
from peerloop.feedback.models import FeedbackItem, Lesson


@pytest.fixture
def demo(db):
    return demo_load(seed=7, people=300, now=timezone.now())


def test_the_demo_routes_a_few_hundred_items_to_the_heads_and_shares_lessons(demo):
    assert FeedbackItem.objects.count() == 320
    assert not FeedbackItem.objects.filter(state="new").exists()
    by_source = dict(FeedbackItem.objects.values_list("source__slug").annotate(n=Count("id")))
    assert by_source == {"shop-reviews": 160, "crm-export": 160}
    owners = FeedbackItem.objects.filter(owner__isnull=False)
    assert owners.count() > 250
    assert set(owners.values_list("owner__level", flat=True)) == {6}
    pricing = FeedbackItem.objects.filter(rule__topic__slug="pricing", region__code="jakarta")
    assert pricing.exists()
    assert set(pricing.values_list("owner__email", flat=True)) == {"member@example.com"}
    assert queries.inbox(person_id=pricing.first().owner_id).exists()
    assert Lesson.objects.exists()
    assert Interaction.objects.filter(kind="feedback.lesson_shared").exists()
    assert any(t.emerging and t.name == "Last mile" for t in queries.outer_loop())
