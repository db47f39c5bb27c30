"""Pages of matching as people use them."""

from django.urls import reverse

from peerloop.matching import services
from peerloop.matching.models import FollowUp, MatchingSetup, MatchMember, MatchPreference, MatchRound
from tests.factories import UnitFactory, account
from tests.matching.helpers import LEVEL, matching_program, owner_actor, people


def test_member_sees_match_with_reasons_and_agenda(world, client_as, django_assert_max_num_queries):
    from tests.conftest import login

    a = account("member", email="ana@example.org", level=LEVEL, unit=UnitFactory(name="Sales Jakarta"))
    account("member", email="bo@example.org", level=LEVEL, unit=UnitFactory(name="Sales São Paulo"), name="Bo Lima")
    setup = matching_program(world)
    services.round_publish(
        actor=owner_actor(world), round_id=services.round_preview(actor=owner_actor(world), setup_id=setup.pk).pk
    )
    from django.test import Client

    client = login(Client(), a)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("matching:mine"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "You meet Bo Lima" in body
    assert "from Sales Jakarta and Sales São Paulo" in body
    assert "Suggested agenda" in body
    match = MatchMember.objects.get(person=a).match
    prefix = f"m{match.pk}"
    response = client.post(
        reverse("matching:followup", args=[match.pk]), {f"{prefix}-met": "yes", f"{prefix}-rating": "2"}
    )
    assert response.status_code == 302
    assert FollowUp.objects.get(match=match, person=a).rating == 2
    response = client.post(reverse("matching:preferences"), {"action": "pause"})
    assert MatchPreference.objects.get(person=a).paused_until is not None


def test_owner_configures_previews_and_publishes(world, client_as, django_assert_max_num_queries):
    world.program.mechanisms = ["matching"]
    world.program.audience_filter = {"levels": [LEVEL]}
    world.program.save()
    people(20)
    client = client_as("program_owner")
    form = {
        "cadence": "weekly",
        "mode": "pairs",
        "group_size": "4",
        "different_unit": "preferred",
        "same_level": "3",
        "same_role_family": "2",
        "shared_topic": "1",
        "different_region_weight": "1",
        "overlap_weight": "0.5",
        "max_level_gap": "1",
        "no_repeat_rounds": "4",
    }
    response = client.post(reverse("matching:setup", args=[world.program.pk]), form)
    assert response.status_code == 302
    setup = MatchingSetup.objects.get(program=world.program)
    assert setup.criteria["different_unit"] == "preferred" and setup.criteria["no_repeat_rounds"] == 4
    response = client.post(reverse("matching:preview", args=[world.program.pk]))
    round_ = MatchRound.objects.get(setup=setup)
    assert response.url == reverse("matching:round", args=[round_.pk])
    with django_assert_max_num_queries(20):
        page = client.get(response.url)
    body = page.content.decode()
    assert "Pairs across units" in body and "100%" in body
    assert "Publish and notify" in body
    client.post(reverse("matching:publish", args=[round_.pk]))
    round_.refresh_from_db()
    assert round_.status == "published"
    health = client.get(reverse("matching:health", args=[world.program.pk])).content.decode()
    assert "Meeting rate" in health


def test_bad_setup_form_shows_errors(world, client_as):
    world.program.mechanisms = ["matching"]
    world.program.save()
    client = client_as("program_owner")
    response = client.post(reverse("matching:setup", args=[world.program.pk]), {"cadence": "yearly"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_empty_audience_preview_says_why(world, client_as):
    matching_program(world)
    client = client_as("program_owner")
    response = client.post(reverse("matching:preview", args=[world.program.pk]), follow=True)
    assert "audience is empty" in response.content.decode()
