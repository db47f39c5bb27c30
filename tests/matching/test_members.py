"""The member side: follow-up, re-pair on a bad fit, preferences, nudges, find a peer, intros."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
import pytest

from peerloop.core.models import Interaction
from peerloop.core.permissions import NotFound, PermissionDenied
from peerloop.core.roles import SYSTEM
from peerloop.matching import services
from peerloop.matching.models import FollowUp, IntroRequest, MatchMember, MatchPreference, MatchRound
from peerloop.notifications.models import Notification
from tests.factories import PersonFactory, TopicFactory, UnitFactory, account
from tests.matching.helpers import LEVEL, actor_of, matching_program, owner_actor


@pytest.fixture
def pair(world):
    """Two people with logins at level 5 in different units, matched in a published round."""
    a = account("member", email="ana@example.org", level=LEVEL, unit=UnitFactory(name="Sales Jakarta"))
    b = account("member", email="bo@example.org", level=LEVEL, unit=UnitFactory(name="Sales São Paulo"))
    setup = matching_program(world)
    round_ = services.round_preview(actor=owner_actor(world), setup_id=setup.pk)
    services.round_publish(actor=owner_actor(world), round_id=round_.pk)
    match = MatchMember.objects.get(person=a).match
    return a, b, match, setup


def test_followup_records_met_and_rating_once(pair):
    a, b, match, _ = pair
    services.followup_record(actor=actor_of(a), match_id=match.pk, met=True, rating=4, note="Useful")
    services.followup_record(actor=actor_of(a), match_id=match.pk, met=True, rating=5, note="Very useful")
    f = FollowUp.objects.get(match=match, person=a)
    assert (f.met, f.rating, f.note) == (True, 5, "Very useful")
    met = Interaction.objects.filter(kind="match.met")
    assert list(met.values_list("actor_id", "target_id")) == [(a.pk, b.pk)]
    rated = Interaction.objects.get(kind="match.rated")
    assert (rated.actor_id, rated.target_id, rated.weight) == (a.pk, b.pk, 4.0)


def test_followup_of_someone_elses_match_is_hidden(pair, world):
    _, _, match, _ = pair
    with pytest.raises(NotFound):
        services.followup_record(actor=actor_of(world.member), match_id=match.pk, met=True)


def test_only_the_system_records_a_followup_on_someones_behalf(pair, world):
    a, b, match, _ = pair
    with pytest.raises(PermissionDenied):
        services.followup_record(actor=owner_actor(world), match_id=match.pk, met=True, on_behalf_of=a.pk)
    assert not FollowUp.objects.exists()
    services.followup_record(actor=SYSTEM, match_id=match.pk, met=True, rating=3, on_behalf_of=b.pk)
    assert FollowUp.objects.get(match=match).person_id == b.pk
    assert Interaction.objects.get(kind="match.met").actor_id == b.pk


def test_bad_rating_is_refused(pair):
    a, _, match, _ = pair
    with pytest.raises(ValidationError):
        services.followup_record(actor=actor_of(a), match_id=match.pk, met=True, rating=9)


def test_bad_fit_blocks_the_pair_and_next_round_repairs(pair, world):
    a, b, match, setup = pair
    c = account("member", email="cy@example.org", level=LEVEL, unit=UnitFactory())
    d = account("member", email="di@example.org", level=LEVEL, unit=UnitFactory())
    services.followup_record(actor=actor_of(a), match_id=match.pk, met=True, rating=1)
    pref = MatchPreference.objects.get(person=a)
    assert list(pref.blocked.values_list("id", flat=True)) == [b.pk]
    assert pref.repair_requested_at is not None
    round_ = services.round_preview(actor=owner_actor(world), setup_id=setup.pk)
    partner_of_a = (
        MatchMember.objects.filter(match=MatchMember.objects.get(round=round_, person=a).match)
        .exclude(person=a)
        .values_list("person_id", flat=True)
        .get()
    )
    assert partner_of_a in (c.pk, d.pk)


def test_pause_and_opt_out_in_one_call(world):
    actor = actor_of(world.member)
    until = timezone.localdate() + datetime.timedelta(days=30)
    services.preference_set(actor=actor, paused_until=until)
    services.preference_set(actor=actor, program_id=world.program.pk, opted_out=True)
    pref = MatchPreference.objects.get(person=world.member)
    assert (pref.paused_until, pref.opted_out_programs) == (until, [world.program.pk])
    services.preference_set(actor=actor, program_id=world.program.pk, opted_out=False, paused_until=None)
    pref.refresh_from_db()
    assert (pref.paused_until, pref.opted_out_programs) == (None, [])
    with pytest.raises(ValidationError):
        services.preference_set(actor=actor, paused_until=timezone.localdate() - datetime.timedelta(days=1))
    with pytest.raises(NotFound):
        services.preference_set(actor=actor_of(world.guest), paused_until=None)


def test_nudge_once_per_person_per_match(pair):
    later = timezone.now() + datetime.timedelta(days=8)
    assert services.nudge_unmet(now=timezone.now()) == 0  # too early
    assert services.nudge_unmet(now=later) == 2
    assert services.nudge_unmet(now=later) == 0
    assert Notification.objects.filter(kind="match.nudge").count() == 2


def test_no_nudge_once_met(pair):
    a, _, match, _ = pair
    services.followup_record(actor=actor_of(a), match_id=match.pk, met=True)
    assert services.nudge_unmet(now=timezone.now() + datetime.timedelta(days=8)) == 0


def test_find_peers_at_my_altitude_elsewhere(world):
    topic = TopicFactory(name="Pricing strategy", slug="pricing-strategy")
    me = account("member", email="me@example.org", level=5, unit=UnitFactory(name="Sales Jakarta"))
    me.topics.add(topic)
    near = PersonFactory(level=5, unit=UnitFactory(name="Sales São Paulo"), name="Near Peer")
    adjacent = PersonFactory(level=6, unit=UnitFactory(), name="Adjacent Peer")
    same_unit = PersonFactory(level=5, unit=me.unit, name="Same Unit")
    far = PersonFactory(level=9, unit=UnitFactory(), name="Far Up")
    no_topic = PersonFactory(level=5, unit=UnitFactory(), name="No Topic")
    for p in (near, adjacent, same_unit, far):
        p.topics.add(topic)
    found = services.find_peers(actor=actor_of(me), topic_id=topic.pk)
    assert [s.person_id for s in found] == [near.pk, adjacent.pk]
    assert "both follow Pricing strategy" in found[0].reasons
    assert "from Sales Jakarta and Sales São Paulo" in found[0].reasons
    assert no_topic.pk not in {s.person_id for s in found}


def test_intro_request_and_answer_notify_both(world):
    actor = actor_of(world.member)
    intro = services.intro_request(actor=actor, to_person_id=world.leader.pk, message="Pricing?")
    assert Notification.objects.filter(recipient=world.leader, kind="match.intro_requested").count() == 1
    with pytest.raises(ValidationError):
        services.intro_request(actor=actor, to_person_id=world.leader.pk)  # one pending per pair
    with pytest.raises(PermissionDenied):
        services.intro_answer(actor=actor, intro_id=intro.pk, accept=True)
    with pytest.raises(NotFound):
        services.intro_answer(actor=actor_of(world.admin), intro_id=intro.pk, accept=True)
    services.intro_answer(actor=actor_of(world.leader), intro_id=intro.pk, accept=True)
    services.intro_answer(actor=actor_of(world.leader), intro_id=intro.pk, accept=False)  # no-op
    assert IntroRequest.objects.get(pk=intro.pk).status == "accepted"
    assert Notification.objects.filter(kind="match.intro_accepted").count() == 2
    assert Interaction.objects.filter(kind="match.intro", actor=world.leader, target=world.member).count() == 1


def test_round_statuses_shown_to_members_only_when_published(world):
    a = account("member", email="ana@example.org", level=LEVEL, unit=UnitFactory())
    account("member", email="bo@example.org", level=LEVEL, unit=UnitFactory())
    setup = matching_program(world)
    round_ = services.round_preview(actor=owner_actor(world), setup_id=setup.pk)
    match = MatchMember.objects.get(person=a).match
    assert round_.status == MatchRound.Status.PREVIEW
    with pytest.raises(NotFound):
        services.followup_record(actor=actor_of(a), match_id=match.pk, met=True)
