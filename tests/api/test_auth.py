"""API authentication: scoped, expiring, revocable tokens; the session with CSRF."""

from datetime import timedelta
import json

from django.test import Client
from django.utils import timezone
import pytest

from peerloop.accounts.models import ApiToken
from peerloop.accounts.services import api_token_create, api_token_revoke
from peerloop.core.roles import SYSTEM

pytestmark = pytest.mark.urls("tests.api.urls")

ECHO = json.dumps({"name": "Ana", "count": 2})


def bearer(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def tokens(world):
    _, read = api_token_create(actor=SYSTEM, user=world.admin.user, name="read", scope="read")
    _, write = api_token_create(actor=SYSTEM, user=world.admin.user, name="write", scope="write")
    return {"read": read, "write": write}


def test_read_token_reads(tokens):
    response = bearer(tokens["read"]).get("/api/v1/audit")
    assert response.status_code == 200
    assert {item["action"] for item in response.json()["items"]} == {"api_token.create"}


def test_read_token_cannot_write(tokens):
    response = bearer(tokens["read"]).post("/api/test/echo", data=ECHO, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"] == "This token is read-only."


def test_write_token_writes_without_csrf(tokens):
    response = bearer(tokens["write"]).post("/api/test/echo", data=ECHO, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"name": "Ana", "count": 2}


def test_token_use_is_recorded(world, tokens):
    bearer(tokens["read"]).get("/api/v1/audit")
    token = ApiToken.objects.get(name="read")
    assert token.last_used_at is not None
    assert ApiToken.objects.get(name="write").last_used_at is None


def test_revoked_token_is_401_on_the_next_request(world, tokens):
    client = bearer(tokens["write"])
    assert client.get("/api/v1/audit").status_code == 200
    api_token_revoke(actor=SYSTEM, token=ApiToken.objects.get(name="write"))
    response = client.get("/api/v1/audit")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_expired_token_is_401(world, tokens):
    ApiToken.objects.filter(name="read").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert bearer(tokens["read"]).get("/api/v1/audit").status_code == 401


def test_token_of_a_deactivated_account_is_401(world, tokens):
    type(world.admin.user).objects.filter(pk=world.admin.user_id).update(is_active=False)
    assert bearer(tokens["write"]).get("/api/v1/audit").status_code == 401


def test_session_of_a_deactivated_account_is_401(world):
    client = Client()
    client.force_login(world.admin.user)
    assert client.get("/api/v1/audit").status_code == 200
    type(world.admin.user).objects.filter(pk=world.admin.user_id).update(is_active=False)
    response = client.get("/api/v1/audit")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_demoted_session_loses_access_on_the_next_request(world):
    client = Client()
    client.force_login(world.admin.user)
    assert client.get("/api/v1/audit").status_code == 200
    type(world.admin.user).objects.filter(pk=world.admin.user_id).update(role="member")
    assert client.get("/api/v1/audit").status_code == 403


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer pl_",
        "Bearer pl_" + "x" * 500,
        "Bearer not-a-peerloop-token",
        "Basic YWRtaW46cGFzc3dvcmQ=",
        "Bearer pl_ünïcödé",
        "bearer pl_abc def",
    ],
)
def test_bad_authorization_headers_are_401_never_500(db, header):
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/audit")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_session_write_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.admin.user)
    response = client.post("/api/test/echo", data=ECHO, content_type="application/json")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    client.get("/api/v1/docs")  # any page that sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    response = client.post("/api/test/echo", data=ECHO, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 200


def test_session_reads_need_no_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.admin.user)
    assert client.get("/api/v1/audit").status_code == 200


def test_a_bad_token_does_not_hide_a_valid_session(world):
    client = Client(HTTP_AUTHORIZATION="Bearer pl_wrong")
    client.force_login(world.leader.user)
    assert client.get("/api/v1/interactions").status_code == 200


def test_anonymous_write_is_401_not_a_csrf_403(db):
    response = Client(enforce_csrf_checks=True).post("/api/test/echo", data=ECHO, content_type="application/json")
    assert response.status_code == 401


def test_csrf_refusal_says_what_is_missing(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.admin.user)
    response = client.post("/api/test/echo", data=ECHO, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "A write with the browser session needs the CSRF token (the X-CSRFToken header)."
    )
