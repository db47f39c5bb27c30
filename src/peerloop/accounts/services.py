"""Writes for accounts: logins and their throttling, password resets, site roles, API tokens.

Every security or admin action writes exactly one audit row (core.services.audit_record),
and no audit row holds a password, a token or a session id.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
import logging
from typing import Literal, Protocol

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.module_loading import import_string

from peerloop.accounts.models import ApiToken, EmailRateEvent, LoginAttempt, User
from peerloop.accounts.queries import password_reset_user
from peerloop.accounts.tokens import token_generate
from peerloop.core.roles import Actor, SiteRole
from peerloop.core.services import audit_record

logger = logging.getLogger(__name__)

MAX_TOKEN_DAYS = 365

# RELIABILITY.md, "Logging in".
LOGIN_ACCOUNT_LIMIT = 5
LOGIN_ACCOUNT_WINDOW = timedelta(minutes=30)
LOGIN_ADDRESS_LIMIT = 30
LOGIN_ADDRESS_WINDOW = timedelta(minutes=3)
EMAIL_RATE_LIMITS = ((2, timedelta(hours=1)), (5, timedelta(days=1)))


class LoginProvisioner(Protocol):
    def __call__(self, *, email: str) -> int | None: ...


class RateLimited(Exception):
    """Too many requests of this kind for this address or account (429)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def email_normalize(email: str) -> str:
    return (email or "").strip().lower()


def _actor_for(user: User | None, email: str = "") -> Actor:
    """The actor an audit row names when a person acts on their own account."""
    if user is None:
        return Actor(label=email[:254] or "anonymous")
    return Actor(user_id=user.pk, role=user.role, active=user.is_active, label=user.email)


# --- users ---------------------------------------------------------------------------


def user_ensure(*, email: str, role: str = SiteRole.MEMBER) -> User:
    """The account for ``email``, created with an unusable password if missing.

    An existing account keeps its role: demotions and promotions go through
    :func:`user_set_role`, which is audited.
    """
    email = email_normalize(email)
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": f"{email!r} is not an email address."}) from None
    if role not in SiteRole.values:
        raise ValidationError({"role": f"role must be one of {', '.join(SiteRole.values)}."})
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, role=role)
    except IntegrityError:
        # Another request created it between our read and our write.
        return User.objects.get(email=email)


@transaction.atomic
def user_set_active(*, actor: Actor, user_id: int, active: bool) -> None:
    """Activate or deactivate a login. A deactivated account is logged out on its next
    request and its API tokens stop working at once."""
    user = User.objects.select_for_update().get(pk=user_id)
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        object_type="user",
        object_id=user.pk,
        object_repr=user.email,
        changes={"is_active": [not active, active]},
    )


@transaction.atomic
def user_set_role(*, actor: Actor, user_id: int, role: str) -> None:
    """Change a login's site role; the new role applies from the next request."""
    if role not in SiteRole.values:
        raise ValidationError({"role": f"role must be one of {', '.join(SiteRole.values)}."})
    user = User.objects.select_for_update().get(pk=user_id)
    if user.role == role:
        return
    old = user.role
    user.role = role
    user.save(update_fields=["role"])
    audit_record(
        actor=actor,
        action="user.role",
        object_type="user",
        object_id=user.pk,
        object_repr=user.email,
        changes={"role": [old, role]},
    )


@transaction.atomic
def user_set_password(
    *,
    user_id: int,
    password: str,
    actor: Actor | None = None,
    action: str = "password.change",
    ip_address: str | None = None,
) -> None:
    """Set a login's password after validating it (at least 12 characters, not a common
    password, not like the email). Other sessions of the account end, because Django
    checks a hash of the password on every request."""
    user = User.objects.select_for_update().get(pk=user_id)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        actor=actor or _actor_for(user),
        action=action,
        object_type="user",
        object_id=user.pk,
        object_repr=user.email,
        ip_address=ip_address,
    )


# --- logging in ----------------------------------------------------------------------


@dataclass(frozen=True)
class LoginOutcome:
    """What a login attempt came to: the user on success; ``throttled`` names why
    the attempt was refused before the password was checked ("account" or "address")."""

    user: User | None = None
    throttled: str = ""

    @property
    def ok(self) -> bool:
        return self.user is not None


def _login_throttle(*, email: str, ip_address: str | None) -> str:
    now = timezone.now()
    failed = LoginAttempt.objects.filter(succeeded=False, throttled=False)
    if failed.filter(email=email, at__gte=now - LOGIN_ACCOUNT_WINDOW).count() >= LOGIN_ACCOUNT_LIMIT:
        return "account"
    if (
        ip_address
        and failed.filter(ip_address=ip_address, at__gte=now - LOGIN_ADDRESS_WINDOW).count() >= LOGIN_ADDRESS_LIMIT
    ):
        return "address"
    return ""


def login_attempt(*, email: str, password: str, ip_address: str | None) -> LoginOutcome:
    """Check a login, throttled per account and per address, and record it.

    5 failed attempts in 30 minutes on one email, or 30 in 3 minutes from one address,
    refuse every further attempt, with the right password too, until the window has
    passed. Unknown emails are counted like known ones, so the answers tell nothing
    about which accounts exist. Writes one LoginAttempt and one audit row.
    """
    email = email_normalize(email)[:254]
    with transaction.atomic():
        # Serializes attempts on one account, so concurrent guesses cannot slip past
        # the count.
        account = User.objects.select_for_update().filter(email=email).first()
        reason = _login_throttle(email=email, ip_address=ip_address)
        if reason:
            LoginAttempt.objects.create(email=email, ip_address=ip_address, succeeded=False, throttled=True)
            audit_record(
                actor=_actor_for(account, email),
                action="login.throttled",
                object_type="user",
                object_id=account.pk if account else "",
                object_repr=email,
                changes={"reason": reason},
                ip_address=ip_address,
            )
            return LoginOutcome(throttled=reason)
        user = authenticate(None, email=email, password=password)
        if not isinstance(user, User):
            user = None
        LoginAttempt.objects.create(email=email, ip_address=ip_address, succeeded=user is not None)
        if user is not None:
            audit_record(
                actor=_actor_for(user),
                action="login.success",
                object_type="user",
                object_id=user.pk,
                object_repr=user.email,
                ip_address=ip_address,
            )
            return LoginOutcome(user=user)
        locked = _login_throttle(email=email, ip_address=ip_address)
        audit_record(
            actor=_actor_for(account, email),
            action="login.lockout" if locked else "login.failure",
            object_type="user",
            object_id=account.pk if account else "",
            object_repr=email,
            changes={"reason": locked} if locked else {},
            ip_address=ip_address,
        )
        return LoginOutcome()


def login_attempt_prune(*, older_than: timedelta = timedelta(days=30)) -> int:
    """Delete login attempts and email rate events older than any window that reads them."""
    cutoff = timezone.now() - max(older_than, timedelta(days=1))
    deleted, _ = LoginAttempt.objects.filter(at__lt=cutoff).delete()
    deleted_events, _ = EmailRateEvent.objects.filter(at__lt=cutoff).delete()
    return deleted + deleted_events


# --- email -------------------------------------------------------------------------


@transaction.atomic
def email_rate_allow(*, email: str, purpose: str) -> bool:
    """Count one email of ``purpose`` to ``email`` if it stays within 2 an hour and 5
    a day for that address; False (and nothing counted) when it would not."""
    email = email_normalize(email)
    now = timezone.now()
    recent = EmailRateEvent.objects.filter(email=email, purpose=purpose)
    for limit, window in EMAIL_RATE_LIMITS:
        if recent.filter(at__gte=now - window).count() >= limit:
            return False
    EmailRateEvent.objects.create(email=email, purpose=purpose, at=now)
    return True


def email_send(*, to: str, subject: str, template: str, context: Mapping[str, object]) -> None:
    """Send one email rendered from ``<template>.txt`` and ``<template>.html`` once the
    surrounding transaction commits (at once when there is none). A delivery failure
    is logged, never raised into the request that caused the email."""
    body = render_to_string(f"{template}.txt", dict(context))
    html = render_to_string(f"{template}.html", dict(context))
    message = EmailMultiAlternatives(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])
    message.attach_alternative(html, "text/html")

    def deliver() -> None:
        try:
            message.send()
        except Exception:
            logger.exception("could not send %r to an address", subject)

    transaction.on_commit(deliver)


def site_url(base_url: str | None) -> str:
    """The scheme and host links in emails start with."""
    url = base_url or getattr(settings, "PEERLOOP_SITE_URL", "") or "http://127.0.0.1:8000"
    return url.rstrip("/")


# --- password reset -------------------------------------------------------------------


def login_provisioner() -> LoginProvisioner | None:
    """The function named by settings.PEERLOOP_LOGIN_PROVISIONER, if any: given an
    email, it gives the directory's person of that address a login when they have
    none and returns its user id (None when the directory does not know the address).

    accounts is older than the directory and cannot read it; the setting lets a newer
    module supply this without accounts importing it.
    """
    path = getattr(settings, "PEERLOOP_LOGIN_PROVISIONER", "")
    return import_string(path) if path else None


def password_reset_request(
    *,
    email: str,
    ip_address: str | None = None,
    base_url: str | None = None,
    provision: LoginProvisioner | Literal["settings"] | None = "settings",
) -> bool:
    """Email a single-use reset link that expires (settings.PASSWORD_RESET_TIMEOUT) to
    the active account of ``email``, if there is one.

    An account with an unusable password gets a link too, and a person of the
    directory without a login gets one on the fly through ``provision`` (by default
    :func:`login_provisioner`): that is how imported people activate their account.
    Raises RateLimited past
    2 requests an hour or 5 a day for the address, known or not, so the answer never
    tells whether an account exists. Returns whether an email was sent (for tests and
    the audit log; the web answer is the same either way).
    """
    email = email_normalize(email)
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid email address."}) from None
    with transaction.atomic():
        if not email_rate_allow(email=email, purpose="password_reset"):
            raise RateLimited("Too many reset requests for this address. Try again in an hour.")
        user = User.objects.filter(email=email).first()
        if user is None:
            provider = login_provisioner() if provision == "settings" else provision
            user_id = provider(email=email) if provider is not None else None
            user = User.objects.filter(pk=user_id).first() if user_id is not None else None
        if user is not None and (not user.is_active or user.email != email):
            # Only ever to the address asked for, and only for a login that may log in.
            user = None
        audit_record(
            actor=_actor_for(user, email),
            action="password.reset_request",
            object_type="user",
            object_id=user.pk if user else "",
            object_repr=email,
            changes={"sent": user is not None},
            ip_address=ip_address,
        )
        if user is None:
            return False
        path = reverse(
            "accounts:password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        activating = not user.has_usable_password()
        email_send(
            to=user.email,
            subject="Set your Peerloop password" if activating else "Reset your Peerloop password",
            template="accounts/email/password_reset",
            context={
                "link": site_url(base_url) + path,
                "email": user.email,
                "activating": activating,
                "hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600),
            },
        )
        return True


def password_reset_confirm(*, uidb64: str, token: str, password: str, ip_address: str | None = None) -> User:
    """Set a new password through a reset link. The link works once: setting the
    password changes what its token was made from."""
    with transaction.atomic():
        user = password_reset_user(uidb64=uidb64, token=token)
        if user is None:
            raise ValidationError({"token": "This link has expired or was already used. Ask for a new one."})
        user_set_password(user_id=user.pk, password=password, action="password.reset", ip_address=ip_address)
        user.refresh_from_db()
        return user


# --- API tokens --------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, actor: Actor, user: User, name: str, scope: str, days: int = 90) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never shown again."""
    if scope not in ApiToken.Scope.values:
        raise ValidationError({"scope": f"scope must be one of {', '.join(ApiToken.Scope.values)}."})
    if not isinstance(days, int) or not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationError({"days": f"A token lives between 1 and {MAX_TOKEN_DAYS} days."})
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
        object_repr=f"{token.name} ({user.email})",
        changes={"scope": scope, "days": days},
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> None:
    """Revoke a token; it stops working on the next request. Revoking twice is a no-op."""
    now = timezone.now()
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now):
        token.revoked_at = now
        audit_record(
            actor=actor,
            action="api_token.revoke",
            object_type="api_token",
            object_id=token.pk,
            object_repr=token.name,
        )
