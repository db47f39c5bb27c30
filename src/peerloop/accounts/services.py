"""Writes for accounts: API tokens (login, reset and throttling live beside them)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from peerloop.accounts.models import ApiToken, User
from peerloop.accounts.tokens import token_generate
from peerloop.core.roles import Actor
from peerloop.core.services import audit_record

MAX_TOKEN_DAYS = 365


@transaction.atomic
def api_token_create(*, actor: Actor, user: User, name: str, scope: str, days: int = 90) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never shown again."""
    if scope not in ApiToken.Scope.values:
        raise ValueError(f"scope must be one of {', '.join(ApiToken.Scope.values)}")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValueError(f"a token lives between 1 and {MAX_TOKEN_DAYS} days")
    secret, prefix, digest = token_generate()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100] or "API token",
        prefix=prefix,
        digest=digest,
        scope=scope,
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_record(
        actor=actor,
        action="api_token.create",
        object_type="api_token",
        object_id=token.pk,
        object_repr=token.name,
        changes={"scope": scope, "days": days},
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor, action="api_token.revoke", object_type="api_token", object_id=token.pk, object_repr=token.name
        )
