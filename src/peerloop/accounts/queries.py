"""Reads for accounts."""

from datetime import timedelta

from django.contrib.auth.tokens import default_token_generator
from django.db import connection
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from peerloop.accounts.models import ApiToken, User
from peerloop.accounts.tokens import TOKEN_PREFIX, token_digest


def user_for_token(*, secret: str, also: tuple[str, str] | None = None) -> tuple[User, str] | None:
    """The active account and scope behind a usable token secret, or None. ``also`` is
    (name, SQL expression over the account ``u``): one more value read in the same query,
    set on the returned account as attribute ``name`` (the API's actor asks its person)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    # Every API request asks this: one hand-written query (token and account, usability
    # decided by the database) instead of the ORM's select_related, whose compilation cost
    # more than the query. Nothing is cached, so a revoked token fails on the next request.
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value
    token_table, user_table = ApiToken._meta.db_table, User._meta.db_table
    columns = ", ".join(f"u.{connection.ops.quote_name(str(f.column))}" for f in User._meta.concrete_fields)
    if also is not None:
        columns += f", {also[1]} AS {connection.ops.quote_name(also[0])}"
    sql = (
        f"SELECT {columns}, t.id AS token_id, t.scope AS token_scope, "  # noqa: S608 - our own names
        "CASE WHEN t.last_used_at IS NULL OR t.last_used_at < %s THEN 1 ELSE 0 END AS token_stale "
        f"FROM {token_table} t JOIN {user_table} u ON u.id = t.user_id "
        "WHERE t.digest = %s AND t.revoked_at IS NULL AND t.expires_at > %s AND u.is_active"
    )
    found = list(User.objects.raw(sql, [stamp(now - timedelta(seconds=60)), token_digest(secret), stamp(now)]))
    if not found:
        return None
    user = found[0]
    if user.token_stale:  # type: ignore[attr-defined]
        ApiToken.objects.filter(pk=user.token_id).update(last_used_at=now)  # type: ignore[attr-defined]
    return user, user.token_scope  # type: ignore[attr-defined]


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
