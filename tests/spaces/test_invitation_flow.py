"""A guest's whole way in: invited by a host, accepts by email, logs in, sees only that space."""

from django.core import mail
from django.test import Client
from django.urls import reverse

from peerloop.accounts.models import User
from peerloop.people.models import Person
from peerloop.spaces.models import Invitation
from tests.accounts.helpers import link_in, post_login

PASSWORD = "lighthouse-orchard-ribbon-5"


def test_guest_invitation_end_to_end(client_as, world, django_capture_on_commit_callbacks):
    host = client_as("member")
    with django_capture_on_commit_callbacks(execute=True):
        host.post(
            reverse("spaces:invite", args=["customer-council"]), {"email": "Pat@Partner.example", "role": "member"}
        )
    [email] = mail.outbox
    assert email.to == ["pat@partner.example"]
    assert "Choose your name and a password to join" in email.body
    link = link_in(email)
    assert email.alternatives[0][1] == "text/html" and link in email.alternatives[0][0]

    guest = Client()
    page = guest.get(link)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Join “Customer council”" in body
    assert 'name="name"' in body and 'name="password1"' in body

    mismatch = guest.post(link, {"name": "Pat Partner", "password1": PASSWORD, "password2": "something-else-entirely"})
    assert mismatch.status_code == 400
    assert "The two passwords differ." in mismatch.content.decode()
    assert not User.objects.filter(email="pat@partner.example").exists()

    accepted = guest.post(link, {"name": "Pat Partner", "password1": PASSWORD, "password2": PASSWORD})
    detail = reverse("spaces:detail", args=["customer-council"])
    assert accepted.status_code == 302
    assert accepted["Location"] == f"{reverse('accounts:login')}?next=%2Fspaces%2Fcustomer-council%2F"

    logged_in = guest.post(
        reverse("accounts:login"),
        {"email": "pat@partner.example", "password": PASSWORD, "next": detail},
        REMOTE_ADDR="10.2.3.4",
    )
    assert logged_in["Location"] == detail
    space_page = guest.get(detail).content.decode()
    assert "Pat Partner" in space_page and world.member.name in space_page
    listing = guest.get(reverse("spaces:list")).content.decode()
    assert "Customer council" in listing and "Sales leads circle" not in listing
    assert guest.get(reverse("spaces:detail", args=["sales-leads"])).status_code == 404
    api = guest.get("/api/v1/spaces").json()
    assert [item["slug"] for item in api["items"]] == ["customer-council"]

    person = Person.objects.get(email="pat@partner.example")
    assert (person.kind, person.user.role) == ("guest", "guest")

    # The link worked once.
    reused = Client().get(link)
    assert reused.status_code == 410
    assert "This invitation was already used" in reused.content.decode()


def test_expired_and_withdrawn_links_say_so(client_as, world, django_capture_on_commit_callbacks):
    host = client_as("member")
    with django_capture_on_commit_callbacks(execute=True):
        host.post(
            reverse("spaces:invite", args=["customer-council"]), {"email": "pat@partner.example", "role": "member"}
        )
    link = link_in(mail.outbox[0])
    invitation = Invitation.objects.get()
    host.post(reverse("spaces:invitation_revoke", args=["customer-council", invitation.pk]))
    page = Client().get(link)
    assert page.status_code == 410
    assert "This invitation was withdrawn" in page.content.decode()
    assert Client().post(link, {"name": "Pat", "password1": PASSWORD, "password2": PASSWORD}).status_code == 410
    assert not User.objects.filter(email="pat@partner.example").exists()
    garbage = Client().get(reverse("spaces:accept", args=["not-a-real-token"]))
    assert garbage.status_code == 404
    assert "This link does not work" in garbage.content.decode()


def test_an_employee_accepts_without_a_new_password(client_as, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_as("member").post(
            reverse("spaces:invite", args=["customer-council"]), {"email": "leader@example.org", "role": "member"}
        )
    link = link_in(mail.outbox[0])
    assert "log in with your usual password" in mail.outbox[0].body
    leader = client_as("leader")
    page = leader.get(link).content.decode()
    assert 'name="password1"' not in page and 'name="name"' not in page
    response = leader.post(link)
    assert response["Location"] == reverse("spaces:detail", args=["customer-council"])
    assert world.guest_space.memberships.filter(person=world.leader).exists()
    assert post_login(Client(), "leader@example.org").status_code == 302
