"""Space, membership and invitation services."""

from datetime import timedelta

from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import pytest

from peerloop.accounts.models import User
from peerloop.core.models import AuditEntry, Interaction
from peerloop.core.roles import SYSTEM, Actor, SiteRole
from peerloop.people.models import Person
from peerloop.spaces import queries, services
from peerloop.spaces.models import Invitation, Membership, Space
from tests.factories import PASSWORD, PersonFactory

GUEST_PASSWORD = "orange-kayak-harbour-42"


def actor_of(person: Person) -> Actor:
    return Actor(user_id=person.user_id, role=person.user.role, person_id=person.pk, active=True, label=person.email)


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


def test_space_create_makes_the_creator_its_first_host(world):
    space = services.space_create(
        actor=actor_of(world.program_owner),
        kind="community",
        name="Pricing Peers",
        description=" Sharing price tests ",
        topic_ids=[world.topic.pk],
    )
    assert (space.slug, space.kind, space.description) == ("pricing-peers", "community", "Sharing price tests")
    assert list(space.topics.values_list("slug", flat=True)) == ["pricing"]
    assert list(Membership.objects.filter(space=space).values_list("person_id", "role")) == [
        (world.program_owner.pk, "host")
    ]
    assert list(Interaction.objects.values_list("kind", "actor_id", "space_id")) == [
        ("space.joined", world.program_owner.pk, space.pk)
    ]
    assert audit_actions() == ["space.create"]


def test_space_slugs_are_unique_and_never_shadow_pages(world):
    first = services.space_create(actor=SYSTEM, kind="circle", name="New")
    second = services.space_create(actor=SYSTEM, kind="circle", name="New")
    assert (first.slug, second.slug) == ("new-2", "new-3")
    with pytest.raises(ValidationError) as caught:
        services.space_create(actor=SYSTEM, kind="circle", name="X", slug="invitations")
    assert "slug" in caught.value.message_dict


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "circle", "name": "  "}, "name"),
        ({"kind": "club", "name": "A"}, "kind"),
        ({"kind": "circle", "name": "A", "topic_ids": [999999]}, "topic_ids"),
    ],
)
def test_space_create_refuses_bad_input(world, kwargs, field):
    before = Space.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.space_create(actor=SYSTEM, **kwargs)
    assert field in caught.value.message_dict
    assert Space.objects.count() == before


def test_space_update_audits_the_changed_fields_only(world):
    services.space_update(
        actor=SYSTEM, space_id=world.guest_space.pk, name="Customer council", goals="Faster onboarding"
    )
    services.space_update(actor=SYSTEM, space_id=world.guest_space.pk, goals="Faster onboarding")
    world.guest_space.refresh_from_db()
    assert world.guest_space.goals == "Faster onboarding"
    assert list(AuditEntry.objects.values_list("action", "changes")) == [("space.update", {"fields": ["goals"]})]


def test_membership_add_is_idempotent(world):
    person = PersonFactory()
    first = services.membership_add(actor=SYSTEM, space_id=world.private_space.pk, person_id=person.pk)
    second = services.membership_add(actor=SYSTEM, space_id=world.private_space.pk, person_id=person.pk, role="host")
    assert first.pk == second.pk
    assert second.role == "member"
    assert Interaction.objects.filter(kind="space.joined", actor_id=person.pk).count() == 1
    assert audit_actions() == ["membership.add"]


def test_membership_add_refuses_unknown_and_inactive_people(world):
    inactive = PersonFactory(active=False)
    for person_id in (inactive.pk, 999999):
        with pytest.raises(ValidationError):
            services.membership_add(actor=SYSTEM, space_id=world.private_space.pk, person_id=person_id)
    assert not AuditEntry.objects.exists()


def test_membership_remove_and_set_role_are_audited(world):
    services.membership_set_role(actor=SYSTEM, space_id=world.guest_space.pk, person_id=world.guest.pk, role="host")
    services.membership_remove(actor=SYSTEM, space_id=world.guest_space.pk, person_id=world.guest.pk)
    services.membership_remove(actor=SYSTEM, space_id=world.guest_space.pk, person_id=world.guest.pk)  # no-op
    assert queries.space_ids_for_person(person_id=world.guest.pk) == set()
    assert list(AuditEntry.objects.order_by("id").values_list("action", "changes")) == [
        ("membership.role", {"person_id": world.guest.pk, "role": ["member", "host"]}),
        ("membership.remove", {"person_id": world.guest.pk, "role": "host"}),
    ]


def test_space_list_for_each_kind_of_account(world):
    archived = services.space_create(actor=SYSTEM, kind="circle", name="Old circle")
    services.space_archive(actor=SYSTEM, space_id=archived.pk)
    names = lambda actor, **kw: [s.name for s in queries.space_list_for(actor=actor, **kw)]  # noqa: E731
    assert names(actor_of(world.leader)) == ["Customer council", "Sales leads circle"]
    assert names(actor_of(world.guest)) == ["Customer council"]
    assert names(Actor()) == []
    assert names(actor_of(world.admin), include_archived=True) == [
        "Customer council",
        "Old circle",
        "Sales leads circle",
    ]
    assert names(actor_of(world.leader), include_archived=True) == ["Customer council", "Sales leads circle"]
    mine = {s.name: (s.my_role, s.member_count) for s in queries.space_list_for(actor=actor_of(world.member))}
    assert mine == {"Customer council": ("host", 2), "Sales leads circle": ("member", 1)}


# --- invitations -------------------------------------------------------------------------


def invite(world, email: str, capture, role: str = "member"):
    with capture(execute=True):
        return services.invitation_create(
            actor=actor_of(world.member), space_id=world.guest_space.pk, email=email, role=role
        )


def test_invitation_create_sends_a_signed_link(world, django_capture_on_commit_callbacks):
    invitation, path = invite(world, "Partner@Example.net", django_capture_on_commit_callbacks)
    assert invitation.email == "partner@example.net"
    assert invitation.invited_by_id == world.member.pk
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)
    assert path.startswith("/spaces/invitations/")
    assert queries.invitation_for_token(token=path.split("/")[3]).invitation == invitation
    [message] = mail.outbox
    assert message.to == ["partner@example.net"]
    assert message.subject == f"{world.member.name} invites you to “Customer council” on Peerloop"
    assert f"http://127.0.0.1:8000{path}" in message.body
    assert list(AuditEntry.objects.values_list("action", "changes")) == [
        ("invitation.create", {"email": "partner@example.net", "role": "member", "invitation_id": invitation.pk})
    ]


def test_invitations_are_rate_limited_per_address(world, django_capture_on_commit_callbacks):
    invite(world, "partner@example.net", django_capture_on_commit_callbacks)
    invite(world, "partner@example.net", django_capture_on_commit_callbacks)
    with pytest.raises(services.RateLimited):
        invite(world, "partner@example.net", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    # A new invitation replaces the pending one of the same address.
    assert Invitation.objects.filter(revoked_at__isnull=True).count() == 1
    invite(world, "someone.else@example.net", django_capture_on_commit_callbacks)


def test_inviting_a_member_is_refused(world, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError) as caught:
        invite(world, "guest@example.org", django_capture_on_commit_callbacks)
    assert caught.value.message_dict == {"email": ["guest@example.org is already a member of this space."]}
    assert mail.outbox == []


def test_accept_creates_a_guest_login_and_person(world, django_capture_on_commit_callbacks):
    invitation, path = invite(world, "partner@example.net", django_capture_on_commit_callbacks)
    token = path.split("/")[3]
    person = services.invitation_accept(token=token, name=" Pat Partner ", password=GUEST_PASSWORD)
    user = User.objects.get(email="partner@example.net")
    assert (user.role, user.check_password(GUEST_PASSWORD)) == ("guest", True)
    assert (person.name, person.kind, person.user_id) == ("Pat Partner", "guest", user.pk)
    assert queries.space_ids_for_person(person_id=person.pk) == {world.guest_space.pk}
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert Interaction.objects.filter(kind="space.joined", actor_id=person.pk).count() == 1
    assert audit_actions()[-3:] == ["person.create", "password.set", "invitation.accept"]
    with pytest.raises(ValidationError) as caught:
        services.invitation_accept(token=token, name="Pat", password=GUEST_PASSWORD)
    assert caught.value.message_dict == {"token": [services.INVITATION_PROBLEMS["used"]]}


def test_accept_with_a_weak_password_changes_nothing(world, django_capture_on_commit_callbacks):
    invitation, path = invite(world, "partner@example.net", django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as caught:
        services.invitation_accept(token=path.split("/")[3], name="Pat", password="password1234")
    assert "password" in caught.value.message_dict
    assert not User.objects.filter(email="partner@example.net").exists()
    assert not Person.objects.filter(email="partner@example.net").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_accept_by_an_employee_adds_the_membership_to_their_person(world, django_capture_on_commit_callbacks):
    _, path = invite(world, "leader@example.org", django_capture_on_commit_callbacks)
    person = services.invitation_accept(token=path.split("/")[3], name="Ignored", password="")
    assert person.pk == world.leader.pk
    leader = User.objects.get(pk=world.leader.user_id)
    assert (leader.role, leader.check_password(PASSWORD)) == ("leader", True)
    assert Person.objects.filter(email="leader@example.org").count() == 1
    assert Membership.objects.get(space=world.guest_space, person=world.leader).role == "member"


def test_accept_by_an_imported_employee_without_login(world, django_capture_on_commit_callbacks):
    imported = PersonFactory(email="imported@example.org", user=None)
    _, path = invite(world, "imported@example.org", django_capture_on_commit_callbacks, role="host")
    person = services.invitation_accept(token=path.split("/")[3], password=GUEST_PASSWORD)
    assert person.pk == imported.pk
    user = User.objects.get(email="imported@example.org")
    assert (user.role, user.check_password(GUEST_PASSWORD)) == (SiteRole.MEMBER, True)
    assert Membership.objects.get(space=world.guest_space, person=imported).role == "host"


@pytest.mark.parametrize("problem", ["expired", "revoked", "archived"])
def test_dead_invitations_cannot_be_accepted(world, django_capture_on_commit_callbacks, problem):
    invitation, path = invite(world, "partner@example.net", django_capture_on_commit_callbacks)
    if problem == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif problem == "revoked":
        services.invitation_revoke(actor=SYSTEM, invitation_id=invitation.pk)
    else:
        services.space_archive(actor=SYSTEM, space_id=world.guest_space.pk)
    token = path.split("/")[3]
    assert queries.invitation_for_token(token=token).problem == problem
    with pytest.raises(ValidationError) as caught:
        services.invitation_accept(token=token, name="Pat", password=GUEST_PASSWORD)
    assert caught.value.message_dict == {"token": [services.INVITATION_PROBLEMS[problem]]}
    assert not User.objects.filter(email="partner@example.net").exists()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=st.text(max_size=200))
def test_any_forged_token_is_just_invalid(world, token):
    check = queries.invitation_for_token(token=token)
    assert (check.invitation, check.problem) == (None, "invalid")


def test_a_token_signed_for_another_purpose_is_invalid(world, django_capture_on_commit_callbacks):
    from django.core import signing

    invitation, path = invite(world, "partner@example.net", django_capture_on_commit_callbacks)
    assert "partner" not in path  # the link does not carry the address
    forged = signing.dumps({"i": invitation.pk}, salt="another.salt")
    assert queries.invitation_for_token(token=forged).problem == "invalid"
    assert (
        queries.invitation_for_token(token=signing.dumps({"i": 10**30}, salt=queries.INVITATION_SALT)).problem
        == "invalid"
    )


def test_names_are_escaped_in_invitation_emails_and_pages(client, world, django_capture_on_commit_callbacks):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    space = services.space_create(actor=actor_of(world.member), kind="circle", name=payload, description=payload)
    with django_capture_on_commit_callbacks(execute=True):
        _, path = services.invitation_create(actor=actor_of(world.member), space_id=space.pk, email="pat@example.net")
    html = mail.outbox[0].alternatives[0][0]
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    page = client.get(path).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
