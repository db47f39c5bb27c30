"""API tokens: the account page and the /tokens and /me endpoints."""

import hashlib

from django.urls import reverse
import pytest

from peerloop.accounts.models import ApiToken
from peerloop.accounts.services import api_token_create
from peerloop.core.models import AuditEntry
from peerloop.core.roles import SYSTEM


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_token_page_shows_the_secret_once(client_as, world):
    client = client_as("member")
    response = client.post(reverse("accounts:tokens"), {"name": "HR sync", "scope": "write", "days": "30"})
    assert response.status_code == 201
    secret = response.context["new_secret"]
    assert secret.startswith("pl_")
    assert secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    assert (token.user_id, token.name, token.scope, token.prefix) == (
        world.member.user_id,
        "HR sync",
        "write",
        secret[3:11],
    )
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert 29 <= (token.expires_at - token.created_at).days <= 30
    listing = client.get(reverse("accounts:tokens")).content.decode()
    assert secret not in listing
    assert f"pl_{token.prefix}…" in listing
    assert list(AuditEntry.objects.values_list("action", "changes")) == [
        ("api_token.create", {"scope": "write", "days": 30})
    ]


@pytest.mark.parametrize(
    ("days", "message"), [("0", "greater than or equal to 1"), ("366", "less than or equal to 365")]
)
def test_token_lifetime_is_bounded(client_as, world, days, message):
    response = client_as("member").post(reverse("accounts:tokens"), {"name": "x", "scope": "read", "days": days})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoked_token_stops_working_on_the_next_request(client_as, client, world):
    token, secret = api_token_create(actor=SYSTEM, user=world.member.user, name="script", scope="read")
    assert client.get("/api/v1/me", **bearer(secret)).status_code == 200
    response = client_as("member").post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert client.get("/api/v1/me", **bearer(secret)).status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert list(AuditEntry.objects.filter(action="api_token.revoke").values_list("actor_id", "object_id")) == [
        (world.member.user_id, str(token.pk))
    ]


def test_nobody_revokes_another_accounts_token(client_as, world):
    token, _ = api_token_create(actor=SYSTEM, user=world.leader.user, name="leader's", scope="read")
    assert client_as("admin").post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_me(client, world):
    _, secret = api_token_create(actor=SYSTEM, user=world.guest.user, name="g", scope="read")
    response = client.get("/api/v1/me", **bearer(secret))
    assert response.status_code == 200
    assert response.json() == {
        "user_id": world.guest.user_id,
        "email": "guest@example.org",
        "role": "guest",
        "person_id": world.guest.pk,
        "scope": "read",
    }


def test_token_api_lists_creates_and_revokes_my_tokens_only(client, world, django_assert_max_num_queries):
    _, admin_secret = api_token_create(actor=SYSTEM, user=world.admin.user, name="admin write", scope="write")
    for n in range(3):
        api_token_create(actor=SYSTEM, user=world.admin.user, name=f"t{n}", scope="read")
    api_token_create(actor=SYSTEM, user=world.member.user, name="not mine", scope="read")
    with django_assert_max_num_queries(6):
        listing = client.get("/api/v1/tokens", **bearer(admin_secret))
    assert listing.status_code == 200
    body = listing.json()
    assert body["count"] == 4
    assert sorted(item["name"] for item in body["items"]) == ["admin write", "t0", "t1", "t2"]
    assert all("digest" not in item and "secret" not in item for item in body["items"])

    created = client.post(
        "/api/v1/tokens",
        {"name": "CI", "scope": "read", "days": 7},
        content_type="application/json",
        **bearer(admin_secret),
    )
    assert created.status_code == 201
    new = created.json()
    assert new["secret"].startswith("pl_") and new["scope"] == "read" and new["name"] == "CI"
    assert client.get("/api/v1/me", **bearer(new["secret"])).json()["scope"] == "read"

    deleted = client.delete(f"/api/v1/tokens/{new['id']}", **bearer(admin_secret))
    assert deleted.status_code == 204
    assert client.get("/api/v1/me", **bearer(new["secret"])).status_code == 401
    other = ApiToken.objects.get(name="not mine")
    assert client.delete(f"/api/v1/tokens/{other.pk}", **bearer(admin_secret)).status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None


def test_a_read_token_cannot_mint_tokens(client, world):
    _, secret = api_token_create(actor=SYSTEM, user=world.admin.user, name="r", scope="read")
    response = client.post(
        "/api/v1/tokens", {"name": "escalate", "scope": "write"}, content_type="application/json", **bearer(secret)
    )
    assert response.status_code == 403
    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "", "scope": "read"},
        {"name": "x", "scope": "admin"},
        {"name": "x", "days": 0},
        {"name": "x", "days": 10**9},
    ],
)
def test_bad_token_input_is_422(client, world, payload):
    _, secret = api_token_create(actor=SYSTEM, user=world.admin.user, name="w", scope="write")
    response = client.post("/api/v1/tokens", payload, content_type="application/json", **bearer(secret))
    assert response.status_code == 422
    assert ApiToken.objects.count() == 1


def test_deactivated_accounts_tokens_stop_working(client, world):
    from peerloop.accounts.services import user_set_active

    _, secret = api_token_create(actor=SYSTEM, user=world.member.user, name="m", scope="read")
    user_set_active(actor=SYSTEM, user_id=world.member.user_id, active=False)
    assert client.get("/api/v1/me", **bearer(secret)).status_code == 401
