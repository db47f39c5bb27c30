"""Reads for accounts."""

from django.utils import timezone

from peerloop.accounts.models import ApiToken, User
from peerloop.accounts.tokens import TOKEN_PREFIX, token_digest


def user_for_token(*, secret: str) -> tuple[User, str] | None:
    """The active account and scope behind a usable token secret, or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=token_digest(secret)).first()
    if token is None or not token.usable:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token.scope


def api_token_list(*, user_id: int) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user_id=user_id))
