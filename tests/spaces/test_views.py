"""The space pages."""

from django.core import mail
from django.urls import reverse
import pytest

from peerloop.core.models import AuditEntry
from peerloop.core.roles import SYSTEM
from peerloop.spaces import services
from peerloop.spaces.models import Invitation, Membership, Space
from tests.factories import MembershipFactory, PersonFactory, SpaceFactory


def text(response) -> str:
    return response.content.decode()


def test_list_shows_my_spaces_first_then_the_others_by_kind(client_as, world):
    SpaceFactory(name="Jakarta sellers", kind=Space.Kind.COMMUNITY)
    page = text(client_as("member").get(reverse("spaces:list")))
    mine = page.index("Your spaces")
    assert mine < page.index("Customer council") < page.index("Communities of practice") < page.index("Jakarta sellers")
    leader = text(client_as("leader").get(reverse("spaces:list")))
    assert "You haven't joined a space yet" in leader
    assert "Sales leads circle" in leader and "Customer council" in leader


def test_guest_sees_only_their_spaces(client_as, world):
    SpaceFactory(name="Internal pricing circle")
    page = text(client_as("guest").get(reverse("spaces:list")))
    assert "Customer council" in page
    assert "Sales leads circle" not in page
    assert "Internal pricing circle" not in page
    assert client_as("guest").get(reverse("spaces:detail", args=["sales-leads"])).status_code == 404


def test_list_filters(client_as, world):
    page = text(client_as("leader").get(reverse("spaces:list"), {"kind": "circle"}))
    assert "Sales leads circle" in page and "Customer council" not in page
    page = text(client_as("leader").get(reverse("spaces:list"), {"q": "council"}))
    assert "Customer council" in page and "Sales leads circle" not in page


def test_list_query_count_does_not_grow_with_spaces(client_as, world, django_assert_max_num_queries):
    client = client_as("member")
    for n in range(30):
        space = SpaceFactory(kind=list(Space.Kind.values)[n % 4])
        space.topics.add(world.topic)
        MembershipFactory(space=space, person=world.member if n % 3 == 0 else PersonFactory())
    with django_assert_max_num_queries(12):
        response = client.get(reverse("spaces:list"))
    assert response.status_code == 200
    assert text(response).count('class="card space-card"') == 32


def test_detail_for_guests_shows_names_and_titles_only(client_as, world):
    page = text(client_as("guest").get(reverse("spaces:detail", args=["customer-council"])))
    assert world.member.name in page and world.member.title in page
    assert world.member.email not in page
    assert world.member.unit.name not in page
    assert "Invite someone" not in page
    host_page = text(client_as("member").get(reverse("spaces:detail", args=["customer-council"])))
    assert "Invite someone" in host_page
    assert world.member.unit.name in host_page


def test_detail_query_count(client_as, world, django_assert_max_num_queries):
    for _ in range(40):
        MembershipFactory(space=world.guest_space)
    client = client_as("member")
    with django_assert_max_num_queries(14):
        assert client.get(reverse("spaces:detail", args=["customer-council"])).status_code == 200


def test_program_owner_creates_a_space_and_hosts_it(client_as, world):
    response = client_as("program_owner").post(
        reverse("spaces:create"),
        {
            "name": "Pricing peers",
            "kind": "community",
            "description": "Price tests",
            "goals": "",
            "topic_ids": [world.topic.pk],
        },
    )
    space = Space.objects.get(name="Pricing peers")
    assert response["Location"] == reverse("spaces:detail", args=[space.slug])
    assert list(space.topics.all()) == [world.topic]
    assert Membership.objects.get(space=space).person == world.program_owner


def test_create_form_errors(client_as, world):
    response = client_as("admin").post(reverse("spaces:create"), {"name": "", "kind": "club"})
    assert response.status_code == 400
    assert "This field is required." in text(response)
    assert "Select a valid choice." in text(response)


@pytest.mark.parametrize("role", ["member", "leader", "guest"])
def test_only_admins_and_program_owners_create(client_as, world, role):
    assert client_as(role).post(reverse("spaces:create"), {"name": "X", "kind": "circle"}).status_code in (403, 404)
    assert not Space.objects.filter(name="X").exists()


def test_host_edits_and_archives(client_as, world):
    client = client_as("member")
    response = client.post(
        reverse("spaces:edit", args=["customer-council"]),
        {"name": "Customer council", "kind": "cocreation", "description": "New text", "goals": "Onboarding"},
    )
    assert response.status_code == 302
    world.guest_space.refresh_from_db()
    assert (world.guest_space.description, world.guest_space.goals) == ("New text", "Onboarding")
    assert (
        client_as("leader")
        .post(reverse("spaces:edit", args=["customer-council"]), {"name": "Hijack", "kind": "circle"})
        .status_code
        == 403
    )
    client.post(reverse("spaces:archive", args=["customer-council"]), {"archived": "1"})
    world.guest_space.refresh_from_db()
    assert world.guest_space.archived
    assert client_as("guest").get(reverse("spaces:detail", args=["customer-council"])).status_code == 404
    assert client_as("admin").get(reverse("spaces:detail", args=["customer-council"])).status_code == 200


def test_host_invites_and_withdraws(client_as, world, django_capture_on_commit_callbacks):
    client = client_as("member")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("spaces:invite", args=["customer-council"]), {"email": "pat@example.net", "role": "member"}
        )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["pat@example.net"]]
    page = text(client.get(reverse("spaces:detail", args=["customer-council"])))
    assert "pat@example.net" in page
    invitation = Invitation.objects.get()
    response = client.post(reverse("spaces:invitation_revoke", args=["customer-council", invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    # An invitation of another space is a 404 here.
    other, _ = services.invitation_create(actor=SYSTEM, space_id=world.private_space.pk, email="x@example.net")
    assert client.post(reverse("spaces:invitation_revoke", args=["customer-council", other.pk])).status_code == 404


def test_invite_errors_are_shown(client_as, world, django_capture_on_commit_callbacks):
    client = client_as("member")
    url = reverse("spaces:invite", args=["customer-council"])
    bad = client.post(url, {"email": "not-an-email", "role": "member"})
    assert bad.status_code == 400 and "Enter a valid email address." in text(bad)
    member = client.post(url, {"email": "guest@example.org", "role": "member"})
    assert member.status_code == 400 and "already a member of this space" in text(member)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            client.post(url, {"email": "pat@example.net", "role": "member"})
        limited = client.post(url, {"email": "pat@example.net", "role": "member"})
    assert limited.status_code == 429
    assert "too many invitations" in text(limited)
    assert len(mail.outbox) == 2


def test_removal_takes_effect_on_the_next_request(client_as, world):
    guest = client_as("guest")
    assert guest.get(reverse("spaces:detail", args=["customer-council"])).status_code == 200
    response = client_as("member").post(reverse("spaces:member_remove", args=["customer-council", world.guest.pk]))
    assert response.status_code == 302
    assert guest.get(reverse("spaces:detail", args=["customer-council"])).status_code == 404
    assert "Customer council" not in text(guest.get(reverse("spaces:list")))
    assert guest.get(f"/api/v1/spaces/{world.guest_space.pk}").status_code == 404
    assert list(AuditEntry.objects.values_list("action", "actor_id")) == [("membership.remove", world.member.user_id)]


def test_a_member_leaves_but_cannot_remove_others(client_as, world):
    client = client_as("guest")
    assert client.post(reverse("spaces:member_remove", args=["customer-council", world.member.pk])).status_code == 403
    assert client.post(reverse("spaces:member_remove", args=["customer-council", world.guest.pk])).status_code == 302
    assert not Membership.objects.filter(person=world.guest).exists()
    assert Membership.objects.filter(person=world.member, space=world.guest_space).exists()
