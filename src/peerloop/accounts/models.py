"""Accounts: email logins with a site role, API tokens, login attempts."""

from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

from peerloop.core.roles import SiteRole


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: object) -> "User":
        if not email:
            raise ValueError("An account needs an email address")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> "User":
        fields.setdefault("role", SiteRole.ADMIN)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A login. The person behind it lives in the directory (people.Person.user)."""

    email = models.EmailField(unique=True)
    role = models.CharField(max_length=16, choices=SiteRole.choices, default=SiteRole.MEMBER)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    @property
    def is_staff(self) -> bool:
        """Admins reach the Django admin; nobody else does."""
        return self.is_active and self.role == SiteRole.ADMIN

    def has_perm(self, perm: str, obj: models.Model | None = None) -> bool:
        # The site role is the permission system: an active admin may do everything
        # in the Django admin, without Django's per-model permission rows.
        return self.is_staff or super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_staff or super().has_module_perms(app_label)

    def __str__(self) -> str:
        return self.email


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest of the secret is stored."""

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Read and write"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now() and self.user.is_active


class LoginAttempt(models.Model):
    """A login attempt, kept for throttling (RELIABILITY.md: 5 per account in 30 min,
    30 per address in 3 min)."""

    at = models.DateTimeField(default=timezone.now)
    email = models.CharField(max_length=254)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    succeeded = models.BooleanField(default=False)
    # Refused without checking the password; not counted toward the limits, so a
    # lock ends 30 minutes after the last real guess instead of never.
    throttled = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["email", "at"], name="login_attempt_email_at"),
            models.Index(fields=["ip_address", "at"], name="login_attempt_ip_at"),
        ]

    def __str__(self) -> str:
        return f"{self.email} at {self.at:%Y-%m-%d %H:%M}"


class EmailRateEvent(models.Model):
    """A password reset or invitation sent to an address, for rate limiting
    (at most 2 an hour and 5 a day per address)."""

    at = models.DateTimeField(default=timezone.now)
    email = models.CharField(max_length=254)
    purpose = models.CharField(max_length=32)

    class Meta:
        indexes = [models.Index(fields=["email", "purpose", "at"], name="email_rate_lookup")]

    def __str__(self) -> str:
        return f"{self.purpose} to {self.email}"
