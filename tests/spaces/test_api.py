"""The spaces API."""

from django.core import mail
import pytest

from peerloop.core.models import AuditEntry
from peerloop.spaces.models import Invitation, Membership, Space
from tests.factories import MembershipFactory, PersonFactory, SpaceFactory


def test_list_for_a_guest_and_an_employee(client_as, world):
    guest = client_as("guest").get("/api/v1/spaces").json()
    assert guest["count"] == 1
    [space] = guest["items"]
    assert space == {
        "id": world.guest_space.pk,
        "kind": "cocreation",
        "name": "Customer council",
        "slug": "customer-council",
        "description": "",
        "goals": "",
        "topics": [],
        "archived": False,
        "member_count": 2,
        "my_role": "member",
    }
    leader = client_as("leader").get("/api/v1/spaces", {"kind": "circle"}).json()
    assert [(s["slug"], s["my_role"]) for s in leader["items"]] == [("sales-leads", None)]


def test_list_query_count_is_flat(client_as, world, django_assert_max_num_queries):
    for _ in range(25):
        space = SpaceFactory()
        space.topics.add(world.topic)
        MembershipFactory(space=space)
    client = client_as("leader")
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/spaces", {"limit": 100}).json()
    assert body["count"] == 27
    assert all(
        item["topics"] == [{"id": world.topic.pk, "name": "Pricing", "slug": "pricing"}]
        for item in body["items"][:25]
        if item["slug"].startswith("space-")
    )


def test_members_show_names_and_titles_only(client_as, world, django_assert_max_num_queries):
    for _ in range(20):
        MembershipFactory(space=world.guest_space)
    client = client_as("guest")
    with django_assert_max_num_queries(8):
        body = client.get(f"/api/v1/spaces/{world.guest_space.pk}/members", {"limit": 100}).json()
    assert body["count"] == 22
    assert set(body["items"][0]) == {"person_id", "name", "title", "role", "joined_at"}
    assert body["items"][0]["role"] == "host"
    assert "guest@example.org" not in str(body) and "member@example.org" not in str(body)


def test_a_space_the_guest_is_not_in_is_404(client_as, world):
    client = client_as("guest")
    for url in (
        f"/api/v1/spaces/{world.private_space.pk}",
        f"/api/v1/spaces/{world.private_space.pk}/members",
        "/api/v1/spaces/99999999999999999999",
    ):
        response = client.get(url)
        assert response.status_code in (404, 422)
        assert "Sales leads circle" not in response.content.decode()


def test_host_adds_and_removes_members(client_as, world):
    client = client_as("member")
    person = PersonFactory(name="Ana Ruiz", title="Head of sales")
    url = f"/api/v1/spaces/{world.guest_space.pk}/members"
    created = client.post(
        url, {"person_id": person.pk, "role": "member", "is_staff": True}, content_type="application/json"
    )
    assert created.status_code == 201
    assert created.json()["name"] == "Ana Ruiz" and created.json()["role"] == "member"
    again = client.post(url, {"person_id": person.pk, "role": "host"}, content_type="application/json")
    assert again.status_code == 201 and again.json()["role"] == "member"
    assert Membership.objects.filter(space=world.guest_space, person=person).count() == 1
    assert client.delete(f"{url}/{person.pk}").status_code == 204
    assert client.delete(f"{url}/{person.pk}").status_code == 404
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "membership.add",
        "membership.remove",
    ]


def test_guest_hosts_invite_instead_of_adding(client_as, world):
    Membership.objects.filter(person=world.guest).update(role="host")
    response = client_as("guest").post(
        f"/api/v1/spaces/{world.guest_space.pk}/members",
        {"person_id": world.leader.pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(person=world.leader, space=world.guest_space).exists()


@pytest.mark.parametrize(
    "payload", [{"person_id": 0}, {"person_id": "x"}, {"person_id": 99999999}, {"person_id": 1, "role": "owner"}, {}]
)
def test_bad_member_input_is_422(client_as, world, payload):
    response = client_as("admin").post(
        f"/api/v1/spaces/{world.guest_space.pk}/members", payload, content_type="application/json"
    )
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")


def test_invitations_endpoint(client_as, world, django_capture_on_commit_callbacks):
    client = client_as("member")
    url = f"/api/v1/spaces/{world.guest_space.pk}/invitations"
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(url, {"email": "pat@partner.example"}, content_type="application/json")
        second = client.post(url, {"email": "pat@partner.example"}, content_type="application/json")
        limited = client.post(url, {"email": "pat@partner.example"}, content_type="application/json")
    assert created.status_code == second.status_code == 201
    body = created.json()
    assert (body["email"], body["role"], body["space_id"]) == ("pat@partner.example", "member", world.guest_space.pk)
    assert "token" not in str(body)
    assert limited.status_code == 429
    assert len(mail.outbox) == 2
    bad = client.post(url, {"email": "nope"}, content_type="application/json")
    assert bad.status_code == 422
    assert Invitation.objects.count() == 2


def test_archived_space_is_hidden_from_its_members(client_as, world):
    Space.objects.filter(pk=world.guest_space.pk).update(archived=True)
    assert client_as("guest").get(f"/api/v1/spaces/{world.guest_space.pk}").status_code == 404
    assert client_as("admin").get(f"/api/v1/spaces/{world.guest_space.pk}").status_code == 200
