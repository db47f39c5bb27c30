"""The account services of the contract: user_ensure, user_set_active, user_set_role, user_set_password."""

from django.core.exceptions import ValidationError
from django.urls import reverse
import pytest

from peerloop.accounts import services
from peerloop.accounts.models import User
from peerloop.core.models import AuditEntry
from peerloop.core.roles import SYSTEM, SiteRole
from tests.factories import PASSWORD


def test_user_ensure_creates_without_a_usable_password_and_never_changes_a_role(db):
    user = services.user_ensure(email="  New.Person@Example.org ", role=SiteRole.LEADER)
    assert (user.email, user.role, user.is_active, user.has_usable_password()) == (
        "new.person@example.org",
        "leader",
        True,
        False,
    )
    again = services.user_ensure(email="new.person@example.org", role=SiteRole.GUEST)
    assert again.pk == user.pk
    assert again.role == "leader"
    assert User.objects.count() == 1
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"), [({"email": "not-an-email"}, "email"), ({"email": "a@b.org", "role": "king"}, "role")]
)
def test_user_ensure_refuses_bad_input(db, kwargs, field):
    with pytest.raises(ValidationError) as caught:
        services.user_ensure(**kwargs)
    assert field in caught.value.message_dict
    assert not User.objects.exists()


def test_role_change_is_audited_once_and_applies_on_the_next_request(client_as, world):
    client = client_as("member")
    assert client.get(reverse("web:admin")).status_code == 403
    services.user_set_role(actor=SYSTEM, user_id=world.member.user_id, role=SiteRole.ADMIN)
    services.user_set_role(actor=SYSTEM, user_id=world.member.user_id, role=SiteRole.ADMIN)  # no change, no row
    assert client.get(reverse("web:admin")).status_code == 200
    assert list(AuditEntry.objects.values_list("action", "actor_label", "object_id", "changes")) == [
        ("user.role", "system", str(world.member.user_id), {"role": ["member", "admin"]})
    ]
    with pytest.raises(ValidationError):
        services.user_set_role(actor=SYSTEM, user_id=world.member.user_id, role="owner")


def test_deactivation_logs_out_on_the_next_request(client_as, world):
    client = client_as("member")
    assert client.get(reverse("spaces:list")).status_code == 200
    services.user_set_active(actor=SYSTEM, user_id=world.member.user_id, active=False)
    response = client.get(reverse("spaces:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    services.user_set_active(actor=SYSTEM, user_id=world.member.user_id, active=True)
    assert list(AuditEntry.objects.order_by("id").values_list("action", "changes")) == [
        ("user.deactivate", {"is_active": [True, False]}),
        ("user.activate", {"is_active": [False, True]}),
    ]


def test_user_set_password_validates(world):
    with pytest.raises(ValidationError) as caught:
        services.user_set_password(user_id=world.member.user_id, password="member@example.org-1")
    assert "password" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.user_set_password(user_id=world.member.user_id, password="123456789012345")
    assert caught.value.message_dict["password"] == ["This password is entirely numeric."]
    assert User.objects.get(pk=world.member.user_id).check_password(PASSWORD)
    services.user_set_password(user_id=world.member.user_id, password="plenty-long-and-rare-7")
    assert User.objects.get(pk=world.member.user_id).check_password("plenty-long-and-rare-7")
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["password.change"]


def test_django_admin_role_change_goes_through_the_audited_service(client_as, world):
    client = client_as("admin")
    url = reverse("admin:accounts_user_change", args=[world.leader.user_id])
    assert client.get(url).status_code == 200
    response = client.post(url, {"role": "program_owner", "is_active": "on"})
    assert response.status_code == 302
    assert User.objects.get(pk=world.leader.user_id).role == "program_owner"
    assert list(AuditEntry.objects.values_list("action", "actor_id", "changes")) == [
        ("user.role", world.admin.user_id, {"role": ["leader", "program_owner"]})
    ]


def test_only_admins_reach_the_django_admin(client_as, world):
    assert client_as("admin").get("/django-admin/").status_code == 200
    response = client_as("program_owner").get("/django-admin/")
    assert response.status_code == 302
    assert "/django-admin/login/" in response["Location"]
