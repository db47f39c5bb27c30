"""Logging in and out, and the login throttles of RELIABILITY.md."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import pytest

from peerloop.accounts import services
from peerloop.accounts.models import LoginAttempt
from peerloop.core.models import AuditEntry
from tests.accounts.helpers import post_login
from tests.factories import PASSWORD

WRONG = "not-the-right-password"


def actions() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


def test_login_logs_in_redirects_home_and_writes_one_audit_row(client, world):
    response = post_login(client, "member@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert client.session["_auth_user_id"] == str(world.member.user_id)
    assert list(AuditEntry.objects.values_list("action", "actor_id", "object_id", "ip_address")) == [
        ("login.success", world.member.user_id, str(world.member.user_id), "10.0.0.1")
    ]
    assert list(LoginAttempt.objects.values_list("email", "ip_address", "succeeded", "throttled")) == [
        ("member@example.org", "10.0.0.1", True, False)
    ]


def test_email_is_case_insensitive(client, world):
    assert post_login(client, "  Member@Example.ORG ").status_code == 302


def test_wrong_password_says_so_without_saying_which_part(client, world):
    response = post_login(client, "member@example.org", WRONG)
    assert response.status_code == 200
    assert "That email and password do not match an active account." in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert actions() == ["login.failure"]


def test_deactivated_account_cannot_log_in(client, world):
    type(world.member.user).objects.filter(pk=world.member.user_id).update(is_active=False)
    response = post_login(client, "member@example.org")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_sixth_attempt_with_the_right_password_is_429(client, world):
    for _ in range(5):
        assert post_login(client, "member@example.org", WRONG).status_code == 200
    response = post_login(client, "member@example.org")
    assert response.status_code == 429
    assert "Too many failed attempts to log in to this account" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert actions() == ["login.failure"] * 4 + ["login.lockout", "login.throttled"]
    assert LoginAttempt.objects.filter(throttled=True).count() == 1


def test_lock_is_per_account(client, world):
    for _ in range(5):
        post_login(client, "member@example.org", WRONG)
    assert post_login(client, "leader@example.org").status_code == 302


def test_forged_x_forwarded_for_changes_nothing(client, world):
    for n in range(5):
        post_login(client, "member@example.org", WRONG, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    response = post_login(client, "member@example.org", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 429
    assert set(LoginAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.1"}


def test_thirty_failures_from_one_address_throttle_every_account_from_it(client, world):
    for n in range(30):
        assert post_login(client, f"nobody{n}@example.org", WRONG, ip="192.0.2.9").status_code == 200
    response = post_login(client, "member@example.org", ip="192.0.2.9")
    assert response.status_code == 429
    assert "Too many login attempts from your network" in response.content.decode()
    assert post_login(client, "member@example.org", ip="192.0.2.10").status_code == 302


def test_unknown_accounts_are_throttled_like_known_ones(client, world):
    """The answers tell nothing about which emails have an account."""
    known = [post_login(client, "member@example.org", WRONG).status_code for _ in range(6)]
    unknown = [post_login(client, "nobody@example.org", WRONG).status_code for _ in range(6)]
    assert known == unknown == [200] * 5 + [429]


@pytest.mark.parametrize(("minutes_ago", "status"), [(29, 429), (31, 302)])
def test_lock_ends_thirty_minutes_after_the_last_failure(client, world, minutes_ago, status):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    LoginAttempt.objects.bulk_create(
        LoginAttempt(email="member@example.org", ip_address="10.9.9.9", succeeded=False, at=at) for _ in range(5)
    )
    assert post_login(client, "member@example.org").status_code == status


def test_refused_attempts_do_not_extend_the_lock(client, world):
    at = timezone.now() - timedelta(minutes=31)
    LoginAttempt.objects.bulk_create(
        LoginAttempt(email="member@example.org", succeeded=False, throttled=True, at=timezone.now()) for _ in range(9)
    )
    LoginAttempt.objects.bulk_create(LoginAttempt(email="member@example.org", succeeded=False, at=at) for _ in range(5))
    assert post_login(client, "member@example.org").status_code == 302


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(right=st.lists(st.booleans(), min_size=1, max_size=9))
def test_at_most_five_guesses_per_account(world, right):
    """Whatever the sequence of attempts, a login succeeds exactly when its password is
    right and fewer than 5 failures came before it in the window. (The world is shared
    by the examples; each starts from no attempts.)"""
    LoginAttempt.objects.all().delete()
    failures = 0
    for is_right in right:
        outcome = services.login_attempt(
            email="leader@example.org", password=PASSWORD if is_right else WRONG, ip_address="10.1.1.1"
        )
        if failures >= 5:
            assert outcome.throttled == "account" and not outcome.ok
        elif is_right:
            assert outcome.ok and outcome.user.pk == world.leader.user_id
        else:
            assert not outcome.ok and not outcome.throttled
            failures += 1


def test_next_must_stay_on_this_site(client, world):
    url = reverse("accounts:login")
    response = client.post(
        url,
        {"email": "member@example.org", "password": PASSWORD, "next": "https://evil.example/"},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response["Location"] == reverse("web:home")
    client.logout()
    response = client.post(
        url, {"email": "member@example.org", "password": PASSWORD, "next": "/spaces/"}, REMOTE_ADDR="10.0.0.1"
    )
    assert response["Location"] == "/spaces/"


def test_logout_is_post_only(client, world):
    post_login(client, "member@example.org")
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_login_page_for_a_logged_in_account_goes_home(client, world):
    post_login(client, "member@example.org")
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
