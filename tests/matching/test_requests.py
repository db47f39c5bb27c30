"""Learning pairs people asked for: a "learn from" request recorded by the feedback loop
makes the next pairs round propose that pair, with the reason, unless they met recently."""

import pytest

from peerloop.core.models import Interaction
from peerloop.core.roles import SiteRole
from peerloop.feedback import services as feedback_services
from peerloop.matching import services
from peerloop.matching.models import MatchMember
from tests.factories import UnitFactory, account
from tests.matching.helpers import LEVEL, actor_of, matching_program, owner_actor, people
from tests.matching.test_rounds import pairs_of

pytestmark = pytest.mark.django_db


def asker_and_peer():
    asker = account(SiteRole.MEMBER, email="ana@example.org", level=LEVEL, unit=UnitFactory(), name="Ana Ortiz")
    peer = account(SiteRole.MEMBER, email="bruno@example.org", level=LEVEL, unit=UnitFactory(), name="Bruno Silva")
    return asker, peer


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_next_round_proposes_the_pair_asked_for_with_the_reason(world, seed):
    setup = matching_program(world)
    others = people(8)
    asker, peer = asker_and_peer()
    feedback_services.learn_from_request(actor=actor_of(asker), peer_id=peer.pk, metric_code=world.metric.code)
    assert Interaction.objects.filter(kind="feedback.learn_from_requested", actor=asker, target=peer).count() == 1
    round_ = services.round_preview(actor=owner_actor(world), setup_id=setup.pk, seed=seed)
    pairs = pairs_of(round_)
    assert sorted([asker.pk, peer.pk]) in pairs
    # Everyone else is still matched: nobody loses their peer to the request.
    assert sorted(p for pair in pairs for p in pair) == sorted([asker.pk, peer.pk, *(p.pk for p in others)])
    mine = MatchMember.objects.get(round=round_, person=asker).reasons
    theirs = MatchMember.objects.get(round=round_, person=peer).reasons
    assert mine[0] == f"you asked to learn from Bruno on {world.metric.name}"
    assert theirs[0] == f"Ana asked to learn from you on {world.metric.name}"
    assert round_.stats["matched"] == 10 and round_.stats["unmatched"] == 0


def test_a_pair_met_recently_is_not_forced_again(world):
    setup = matching_program(world)
    people(6)
    asker, peer = asker_and_peer()
    feedback_services.learn_from_request(actor=actor_of(asker), peer_id=peer.pk, metric_code=world.metric.code)
    first = services.round_preview(actor=owner_actor(world), setup_id=setup.pk)
    assert sorted([asker.pk, peer.pk]) in pairs_of(first)
    services.round_publish(actor=owner_actor(world), round_id=first.pk)
    second = services.round_preview(actor=owner_actor(world), setup_id=setup.pk)
    assert sorted([asker.pk, peer.pk]) not in pairs_of(second)
    reasons = MatchMember.objects.get(round=second, person=asker).reasons
    assert not any("asked to learn from" in r for r in reasons)


def test_a_request_outside_the_program_s_audience_changes_nothing(world):
    setup = matching_program(world)
    people(4)
    asker, _ = asker_and_peer()
    senior = account(SiteRole.MEMBER, email="vera@example.org", level=LEVEL + 2, unit=UnitFactory(), name="Vera")
    feedback_services.learn_from_request(actor=actor_of(asker), peer_id=senior.pk, metric_code=world.metric.code)
    round_ = services.round_preview(actor=owner_actor(world), setup_id=setup.pk)
    assert senior.pk not in {p for pair in pairs_of(round_) for p in pair}
    assert not any("asked to learn" in r for m in MatchMember.objects.filter(round=round_) for r in m.reasons)
