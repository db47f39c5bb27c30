"""Password reset (and first password for imported people) and password change."""

from datetime import timedelta
import json

from django.core import mail
from django.urls import reverse
from django.utils import timezone
import pytest

from peerloop.accounts import services
from peerloop.accounts.models import EmailRateEvent, User
from peerloop.core.models import AuditEntry
from peerloop.core.roles import SiteRole
from peerloop.people.models import Person
from tests.accounts.helpers import link_in, post_login, without_csrf
from tests.factories import PASSWORD, PersonFactory

NEW_PASSWORD = "a-fresh-and-long-passphrase-9"


def request_reset(client, capture, email: str, ip: str = "10.0.0.1"):
    with capture(execute=True):
        return client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=ip)


def test_same_answer_for_known_and_unknown_emails(client, world, django_capture_on_commit_callbacks):
    known = request_reset(client, django_capture_on_commit_callbacks, "member@example.org")
    unknown = request_reset(client, django_capture_on_commit_callbacks, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert without_csrf(known.content).replace("member@example.org", "X") == without_csrf(unknown.content).replace(
        "nobody@example.org", "X"
    )
    assert [m.to for m in mail.outbox] == [["member@example.org"]]
    assert mail.outbox[0].subject == "Reset your Peerloop password"
    assert list(AuditEntry.objects.order_by("id").values_list("action", "object_repr", "changes")) == [
        ("password.reset_request", "member@example.org", {"sent": True}),
        ("password.reset_request", "nobody@example.org", {"sent": False}),
    ]


@pytest.mark.parametrize("email", ["member@example.org", "nobody@example.org"])
def test_at_most_two_requests_an_hour_per_address(client, world, django_capture_on_commit_callbacks, email):
    statuses = [request_reset(client, django_capture_on_commit_callbacks, email).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert len(mail.outbox) == (2 if email.startswith("member") else 0)
    assert EmailRateEvent.objects.filter(email=email, purpose="password_reset").count() == 2
    # Another address is not affected.
    assert request_reset(client, django_capture_on_commit_callbacks, "leader@example.org").status_code == 200


def test_at_most_five_requests_a_day_per_address(world):
    now = timezone.now()
    EmailRateEvent.objects.bulk_create(
        EmailRateEvent(email="member@example.org", purpose="password_reset", at=now - timedelta(hours=h))
        for h in (2, 5, 9, 20)
    )
    assert services.password_reset_request(email="member@example.org") is True
    with pytest.raises(services.RateLimited):
        services.password_reset_request(email="member@example.org")
    # An event older than a day no longer counts.
    EmailRateEvent.objects.filter(at__lt=now - timedelta(hours=19)).update(at=now - timedelta(hours=25))
    assert services.password_reset_request(email="member@example.org") is True


def test_reset_link_works_once(client, world, django_capture_on_commit_callbacks):
    request_reset(client, django_capture_on_commit_callbacks, "member@example.org")
    link = link_in(mail.outbox[0])
    page = client.get(link)
    assert page.status_code == 200
    assert "Choose a password" in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    user = User.objects.get(email="member@example.org")
    assert user.check_password(NEW_PASSWORD)
    again = client.get(link)
    assert again.status_code == 400
    assert "This link no longer works" in again.content.decode()
    reuse = client.post(
        link, {"new_password1": "another-long-passphrase-1", "new_password2": "another-long-passphrase-1"}
    )
    assert reuse.status_code == 400
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert post_login(client, "member@example.org", NEW_PASSWORD).status_code == 302
    assert AuditEntry.objects.filter(action="password.reset", object_id=str(user.pk)).count() == 1


def test_reset_link_expires(client, world, settings, django_capture_on_commit_callbacks):
    request_reset(client, django_capture_on_commit_callbacks, "member@example.org")
    link = link_in(mail.outbox[0])
    settings.PASSWORD_RESET_TIMEOUT = -1  # every link is already older than this
    assert client.get(link).status_code == 400


def test_tampered_link_is_refused(client, world):
    url = reverse("accounts:password_reset_confirm", kwargs={"uidb64": "MQ", "token": "abc-123"})
    assert client.get(url).status_code == 400
    url = reverse("accounts:password_reset_confirm", kwargs={"uidb64": "!!!", "token": "abc-123"})
    assert client.get(url).status_code == 400


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-1", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
    ],
)
def test_weak_passwords_are_refused(client, world, django_capture_on_commit_callbacks, password, message):
    request_reset(client, django_capture_on_commit_callbacks, "member@example.org")
    link = link_in(mail.outbox[0])
    response = client.post(link, {"new_password1": password, "new_password2": password})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.get(email="member@example.org").check_password(PASSWORD)


@pytest.mark.parametrize(
    ("kind", "role"), [(Person.Kind.EMPLOYEE, SiteRole.MEMBER), (Person.Kind.GUEST, SiteRole.GUEST)]
)
def test_imported_person_without_login_activates_through_a_reset(
    client, world, django_capture_on_commit_callbacks, kind, role
):
    person = PersonFactory(email="imported@example.org", name="Imported Person", kind=kind, user=None)
    response = request_reset(client, django_capture_on_commit_callbacks, "Imported@Example.org")
    assert response.status_code == 200
    user = User.objects.get(email="imported@example.org")
    assert user.role == role
    assert not user.has_usable_password()
    person.refresh_from_db()
    assert person.user_id == user.pk
    assert mail.outbox[0].subject == "Set your Peerloop password"
    link = link_in(mail.outbox[0])
    assert client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code == 302
    assert post_login(client, "imported@example.org", NEW_PASSWORD).status_code == 302


def test_inactive_directory_person_gets_no_login(client, world, django_capture_on_commit_callbacks):
    PersonFactory(email="gone@example.org", active=False, user=None)
    assert request_reset(client, django_capture_on_commit_callbacks, "gone@example.org").status_code == 200
    assert not User.objects.filter(email="gone@example.org").exists()
    assert mail.outbox == []


def test_password_change(client, world):
    post_login(client, "member@example.org")
    url = reverse("accounts:password_change")
    wrong = client.post(url, {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert wrong.status_code == 200
    assert "This is not your current password." in wrong.content.decode()
    differ = client.post(url, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": "x" * 14})
    assert "The two passwords differ." in differ.content.decode()
    response = client.post(
        url, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert User.objects.get(email="member@example.org").check_password(NEW_PASSWORD)
    # This session stays logged in; the audit row names the account.
    assert client.get(reverse("accounts:tokens")).status_code == 200
    assert list(AuditEntry.objects.filter(action="password.change").values_list("actor_id", "object_id")) == [
        (world.member.user_id, str(world.member.user_id))
    ]


def test_password_change_logs_out_other_sessions(client, world):
    other = type(client)()
    post_login(other, "member@example.org")
    post_login(client, "member@example.org")
    client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    response = other.get(reverse("accounts:tokens"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_audit_rows_hold_no_secrets(client, world, django_capture_on_commit_callbacks):
    """Walk the flows that touch secrets, then look for any of them in the audit log."""
    post_login(client, "member@example.org", "wrong-password-xyz")
    post_login(client, "member@example.org")
    client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    created = client.post(reverse("accounts:tokens"), {"name": "script", "scope": "read", "days": "3"})
    secret = created.context["new_secret"]
    request_reset(client, django_capture_on_commit_callbacks, "member@example.org")
    link = link_in(mail.outbox[0])
    token = link.rstrip("/").rsplit("/", 1)[-1]
    session_id = client.cookies["sessionid"].value
    dump = json.dumps(list(AuditEntry.objects.values()), default=str)
    for value in (PASSWORD, NEW_PASSWORD, "wrong-password-xyz", secret, secret[3:], token, session_id):
        assert value not in dump
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "login.failure",
        "login.success",
        "password.change",
        "api_token.create",
        "password.reset_request",
    ]
