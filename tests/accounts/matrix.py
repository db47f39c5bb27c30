"""Routes of accounts: logging in and out, passwords, API tokens, who am I."""

from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from peerloop.accounts.services import api_token_create
from peerloop.core.roles import SYSTEM
from tests.matrix import EVERYONE_LOGGED_IN, PUBLIC, Case

TOKEN_NAME = "Nightly HR sync of the admin"


def reset_link(world) -> str:
    user = world.member.user
    return reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


def admin_token(world) -> int:
    """A token of the admin: only the admin (and the admin's write token) may revoke it."""
    token, _ = api_token_create(actor=SYSTEM, user=world.admin.user, name=TOKEN_NAME, scope="read")
    return token.pk


CASES = [
    Case(route="accounts:login", url=lambda world: reverse("accounts:login"), allowed=PUBLIC, ok=(200, 302)),
    Case(
        route="accounts:login",
        method="POST",
        url=lambda world: reverse("accounts:login"),
        data=lambda world: {"email": "nobody@example.org", "password": "not-the-password"},
        allowed=PUBLIC,
        ok=(200,),
    ),
    Case(route="accounts:logout", method="POST", url=lambda world: reverse("accounts:logout"), allowed=PUBLIC),
    Case(
        route="accounts:password_reset",
        url=lambda world: reverse("accounts:password_reset"),
        allowed=PUBLIC,
        ok=(200,),
    ),
    Case(
        route="accounts:password_reset",
        method="POST",
        url=lambda world: reverse("accounts:password_reset"),
        data=lambda world: {"email": "somebody@example.org"},
        allowed=PUBLIC,
        ok=(200,),
    ),
    Case(route="accounts:password_reset_confirm", url=reset_link, allowed=PUBLIC, ok=(200,)),
    Case(
        route="accounts:password_change",
        url=lambda world: reverse("accounts:password_change"),
        allowed=EVERYONE_LOGGED_IN,
        ok=(200,),
    ),
    Case(
        route="accounts:password_change",
        method="POST",
        url=lambda world: reverse("accounts:password_change"),
        data=lambda world: {"old_password": "wrong", "new_password1": "x", "new_password2": "x"},
        allowed=EVERYONE_LOGGED_IN,
        ok=(200,),
        note="a wrong current password re-renders the form; nothing changes",
    ),
    Case(route="accounts:tokens", url=lambda world: reverse("accounts:tokens"), allowed=EVERYONE_LOGGED_IN, ok=(200,)),
    Case(
        route="accounts:tokens",
        method="POST",
        url=lambda world: reverse("accounts:tokens"),
        data=lambda world: {"name": "My script", "scope": "read", "days": "30"},
        allowed=EVERYONE_LOGGED_IN,
        ok=(201,),
    ),
    Case(
        route="accounts:token_revoke",
        method="POST",
        url=lambda world: reverse("accounts:token_revoke", args=[admin_token(world)]),
        allowed=frozenset({"admin"}),
        ok=(302,),
        extra={"secrets": (TOKEN_NAME,)},
    ),
    Case(route="GET /api/v1/me", url=lambda world: "/api/v1/me", allowed=EVERYONE_LOGGED_IN, ok=(200,)),
    Case(route="GET /api/v1/tokens", url=lambda world: "/api/v1/tokens", allowed=EVERYONE_LOGGED_IN, ok=(200,)),
    Case(
        route="POST /api/v1/tokens",
        method="POST",
        url=lambda world: "/api/v1/tokens",
        data=lambda world: {"name": "CI", "scope": "read", "days": 7},
        allowed=EVERYONE_LOGGED_IN,
        ok=(201,),
    ),
    Case(
        route="DELETE /api/v1/tokens/{token_id}",
        method="DELETE",
        url=lambda world: f"/api/v1/tokens/{admin_token(world)}",
        allowed=frozenset({"admin"}),
        ok=(204,),
        extra={"secrets": (TOKEN_NAME,)},
    ),
]
