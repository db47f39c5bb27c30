"""Reads for accounts."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.db import connection
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from peerloop.accounts.models import ApiToken, User
from peerloop.accounts.tokens import TOKEN_PREFIX, token_digest
from peerloop.core.sql import prepared_cursor


@dataclass(frozen=True)
class TokenHolder:
    """Who holds a usable API token: the account's fields an actor needs, the token's
    scope, and the value ``also`` asked for (see :func:`user_for_token`)."""

    user_id: int
    role: str
    email: str
    scope: str
    also: Any = None


def user_for_token(*, secret: str, also: str | None = None) -> TokenHolder | None:
    """The active account behind a usable token secret, with the token's scope, or None.
    ``also`` is an SQL expression over the account ``u``: one more value read in the same
    query (the API's actor asks its person)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    # Every API request asks this: one hand-written query (token and account, usability
    # decided by the database), prepared by PostgreSQL once per connection, and no model
    # built from it: the ORM's compilation and a User instance cost more than the query.
    # Nothing is cached, so a revoked token fails on the next request.
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value
    sql = (
        f"SELECT u.id, u.role, u.email, t.scope, t.id, "  # noqa: S608 - our own names
        "CASE WHEN t.last_used_at IS NULL OR t.last_used_at < %s THEN 1 ELSE 0 END, "
        f"{also if also is not None else 'NULL'} "
        f"FROM {ApiToken._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id "
        "WHERE t.digest = %s AND t.revoked_at IS NULL AND t.expires_at > %s AND u.is_active"
    )
    with prepared_cursor() as cursor:
        cursor.execute(sql, [stamp(now - timedelta(seconds=60)), token_digest(secret), stamp(now)])
        row = cursor.fetchone()
    if row is None:
        return None
    user_id, role, email, scope, token_id, stale, value = row
    if stale:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return TokenHolder(user_id=user_id, role=role, email=email, scope=scope, also=value)


def user_get(*, user_id: int) -> User | None:
    return User.objects.filter(pk=user_id).first()


def user_count(*, active_only: bool = False) -> int:
    qs = User.objects.all()
    return qs.filter(is_active=True).count() if active_only else qs.count()


def user_by_email(*, email: str) -> User | None:
    """The account of ``email`` (compared case-insensitively), active or not."""
    return User.objects.filter(email=(email or "").strip().lower()).first()


def user_has_login(*, email: str) -> bool:
    """Whether ``email`` has an active account with a password set (it can log in)."""
    user = user_by_email(email=email)
    return user is not None and user.is_active and user.has_usable_password()


def password_reset_user(*, uidb64: str, token: str) -> User | None:
    """The active account a reset link is for, while the link is valid (unused and
    younger than settings.PASSWORD_RESET_TIMEOUT); None otherwise."""
    try:
        user_id = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def api_token_list(*, user_id: int) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user_id=user_id))


def api_token_get(*, user_id: int, token_id: int) -> ApiToken | None:
    """One of the tokens of ``user_id``; None for anyone else's."""
    return ApiToken.objects.filter(pk=token_id, user_id=user_id).first()
