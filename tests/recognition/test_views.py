"""Pages and API of recognition: two clicks from a profile, feed and statement, query counts."""

from django.urls import reverse
import pytest

from peerloop.core.roles import SYSTEM
from peerloop.recognition import queries, services
from peerloop.recognition.models import Kudos
from tests.factories import account
from tests.recognition.helpers import actor_of, value

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_give_kudos_in_two_clicks_from_a_profile(world, client_as):
    client = client_as("member")
    v = value()
    profile = client.get(reverse("people:profile", args=[world.leader.pk]))
    give_url = reverse("recognition:give") + f"?to={world.leader.pk}"
    assert give_url in profile.content.decode()
    assert "_give_button.html" not in profile.content.decode()  # the hook's comment is not rendered
    form = client.get(give_url, **HTMX)  # click 1: the form, recipient and amount already chosen
    html = form.content.decode()
    assert f'name="recipient" value="{world.leader.pk}"' in html and "checked" in html
    assert f'<option value="{v.pk}">' in html
    done = client.post(  # click 2: send, with what the form holds by default
        reverse("recognition:give"),
        {"recipient": world.leader.pk, "amount": "5", "message": "Thank you for your help!", "value": v.pk},
        **HTMX,
    )
    assert f"Kudos sent to {world.leader.name} (5 points)." in done.content.decode()
    kudos = Kudos.objects.get()
    assert (kudos.giver_id, kudos.recipient_id, kudos.amount, kudos.value_id) == (
        world.member.pk,
        world.leader.pk,
        5,
        v.pk,
    )
    statement = client_as("leader").get(reverse("recognition:statement")).content.decode()
    assert "Kudos from" in statement and "+5" in statement


def test_no_give_button_on_my_own_profile(world, client_as):
    html = client_as("member").get(reverse("people:profile", args=[world.member.pk])).content.decode()
    assert "Give kudos" not in html


def test_a_refused_kudos_shows_the_reason_in_the_form(world, client_as):
    response = client_as("member").post(
        reverse("recognition:give"), {"recipient": world.member.pk, "amount": "5", "message": "me"}, **HTMX
    )
    assert "You cannot give kudos to yourself." in response.content.decode()
    response = client_as("member").post(
        reverse("recognition:give"), {"recipient": world.leader.email, "amount": "500", "message": "x"}, **HTMX
    )
    assert f"You can give {world.leader.name} at most 50 points a month; you have given 0" in response.content.decode()
    assert Kudos.objects.count() == 0


def test_api_give_refusal_is_a_problem_naming_the_field(world, client_as):
    response = client_as("member").post(
        "/api/v1/recognition/kudos",
        {"recipient_id": world.leader.pk, "amount": -3, "message": "x"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "Give at least 1 point (-3 is not a positive amount)." in response.content.decode()


def seed_kudos(world, n: int) -> None:  # type: ignore[no-untyped-def]
    people = [account("member", email=f"p{i}@example.org") for i in range(n)]
    v = value()
    for i, person in enumerate(people):
        kudos = services.kudos_give(
            actor=actor_of(person),
            recipient_id=world.member.pk,
            amount=2,
            message=f"Thanks {i}",
            value_id=v.pk,
            topic_ids=[world.topic.pk],
        )
        services.reaction_toggle(actor=actor_of(world.leader), kudos_id=kudos.pk, emoji="clap")


def test_feed_and_statement_pages_query_counts_do_not_grow(world, client_as, django_assert_max_num_queries):
    seed_kudos(world, 12)
    client = client_as("member")
    with django_assert_max_num_queries(16):
        feed = client.get(reverse("recognition:feed"))
    assert feed.content.decode().count('class="card rec-kudos"') == 12
    with django_assert_max_num_queries(16):
        statement = client.get(reverse("recognition:statement"))
    assert statement.status_code == 200
    with django_assert_max_num_queries(12):
        api = client.get("/api/v1/recognition/kudos")
    assert api.json()["count"] == 12
    with django_assert_max_num_queries(10):
        api = client.get("/api/v1/recognition/statement")
    assert api.json()["count"] == 12
    with django_assert_max_num_queries(12):
        client.get(reverse("recognition:leaderboard"))


def test_leaderboard_respects_opt_out(world, client_as):
    seed_kudos(world, 2)
    services.correction_post(actor=SYSTEM, person_id=world.leader.pk, account_kind="points", amount=9, reason="x")
    rows = queries.leaderboard(period=services.period_of())
    assert [(r.person_id, r.points) for r in rows] == [(world.member.pk, 4)]  # corrections do not count
    client_as("member").post(reverse("recognition:leaderboard_opt"), {"action": "out"})
    assert queries.leaderboard(period=services.period_of()) == []
    html = client_as("leader").get(reverse("recognition:leaderboard")).content.decode()
    assert world.member.name not in html
    assert queries.balances_for(person_id=world.member.pk).points == 4


def test_leaderboard_of_a_space_i_am_not_in_is_404(world, client_as):
    response = client_as("leader").get(reverse("recognition:leaderboard") + f"?space={world.private_space.pk}")
    assert response.status_code == 404


def test_admin_pages_show_rules_and_flags(world, client_as):
    services.rule_save(
        actor=SYSTEM,
        name="Accepted answer",
        event_kind="discussion.answer_accepted",
        beneficiary="target",
        points=20,
        cap_per_period=5,
    )
    html = client_as("admin").get(reverse("recognition:manage")).content.decode()
    assert "Accepted answer" in html and "all postings sum to <strong>0</strong>" in html


def test_admin_corrects_by_email_with_a_reason(world, client_as):
    response = client_as("admin").post(
        reverse("recognition:correction"),
        {"person": world.member.email, "account_kind": "points", "amount": "12", "reason": "Missed award"},
    )
    assert response.status_code == 302
    assert queries.balances_for(person_id=world.member.pk).points == 12


def test_kudos_from_a_post_remembers_what_it_was_for(world, client_as):
    client = client_as("member")
    form = client.get(reverse("recognition:give") + f"?to={world.leader.pk}&about_type=post&about_id=42", **HTMX)
    html = form.content.decode()
    assert 'name="about_type" value="post"' in html and 'name="about_id" value="42"' in html
    assert "for this post" in html
    client.post(
        reverse("recognition:give"),
        {
            "recipient": world.leader.pk,
            "amount": "5",
            "message": "Great answer",
            "about_type": "post",
            "about_id": "42",
        },
        **HTMX,
    )
    kudos = Kudos.objects.get()
    assert (kudos.about_type, kudos.about_id) == ("post", "42")
    assert "for a post" in client.get(reverse("recognition:feed")).content.decode()
    response = client.post(
        "/api/v1/recognition/kudos",
        {"recipient_id": world.leader.pk, "amount": 1, "message": "x", "about_type": "planet", "about_id": "1"},
        content_type="application/json",
    )
    assert response.status_code == 422 and "Kudos can be about a thread, post, lesson" in response.content.decode()
