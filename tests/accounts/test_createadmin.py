from django.core.management import call_command
from django.core.management.base import CommandError
import pytest

from peerloop.accounts.models import User
from peerloop.core.models import AuditEntry


@pytest.mark.django_db
def test_createadmin_creates_an_admin_who_can_log_in(client, monkeypatch):
    monkeypatch.setenv("PEERLOOP_ADMIN_PASSWORD", "a-long-and-unusual-phrase")
    call_command("createadmin", "Root@Example.org", "--no-input")
    user = User.objects.get()
    assert (user.email, user.role, user.is_staff) == ("root@example.org", "admin", True)
    assert client.login(email="root@example.org", password="a-long-and-unusual-phrase")


@pytest.mark.django_db
def test_createadmin_promotes_an_existing_member_and_audits_it(django_user_model, monkeypatch):
    django_user_model.objects.create_user("ana@example.org", role="member")
    monkeypatch.setenv("PEERLOOP_ADMIN_PASSWORD", "a-long-and-unusual-phrase")
    call_command("createadmin", "ana@example.org", "--no-input")
    assert User.objects.get().role == "admin"
    assert AuditEntry.objects.filter(action="user.role", object_id=str(User.objects.get().pk)).count() == 1


@pytest.mark.django_db
def test_createadmin_refuses_a_weak_password_and_writes_nothing(monkeypatch):
    monkeypatch.setenv("PEERLOOP_ADMIN_PASSWORD", "short")
    with pytest.raises(CommandError, match="too short"):
        call_command("createadmin", "root@example.org", "--no-input")
    assert User.objects.count() == 0
