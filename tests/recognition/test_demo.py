"""The demo organization's recognition: kudos, awards for accepted answers and closed loops,
a reciprocal-ring flag, rewards and budgets, and a balanced ledger."""

from django.utils import timezone
import pytest

from peerloop.demo.load import demo_load
from peerloop.recognition import queries
from peerloop.recognition.models import Flag, JournalEntry, Kudos, Reward, RuleAward
from tests.recognition.helpers import assert_ledger_balanced


@pytest.mark.django_db
def test_the_demo_has_kudos_awards_a_ring_and_rewards():
    report = demo_load(seed=7, people=200, now=timezone.now())
    assert report.seconds["recognition"] > 0
    assert Kudos.objects.count() > 100
    awarded = RuleAward.objects.filter(capped=False)
    assert awarded.filter(rule__event_kind="discussion.answer_accepted").exists()
    assert awarded.filter(rule__event_kind="feedback.closed_within_sla").exists()
    ring = Flag.objects.filter(kind="ring", status="open")
    assert any(len(f.people) == 3 for f in ring)
    assert Reward.objects.filter(active=True).count() == 3
    assert set(Reward.objects.values_list("approval", flat=True)) == {"none", "manager", "admin"}
    member = queries.balances_for(person_id=Kudos.objects.filter(recipient__email="member@example.com")[0].recipient_id)
    assert member.points >= 150  # enough for the book, which needs the manager's approval
    assert JournalEntry.objects.filter(kind="funding").exists()
    assert_ledger_balanced()
