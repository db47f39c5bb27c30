"""Django admin registrations of accounts. Role and activation changes go through the
services, so they are audited like any other; tokens and throttling rows are read-only."""

from django.contrib import admin
from django.http import HttpRequest

from peerloop.accounts import services
from peerloop.accounts.models import ApiToken, EmailRateEvent, LoginAttempt, User
from peerloop.core.roles import Actor


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined,no-any-return]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("email", "role", "is_active", "date_joined", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("email",)
    ordering = ("email",)
    fields = ("email", "role", "is_active", "date_joined", "last_login")
    readonly_fields = ("email", "date_joined", "last_login")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Logins come from the directory import, invitations and `peerloop createadmin`.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # deactivate instead: the audit log and the stream keep their history

    def save_model(self, request: HttpRequest, obj: User, form: object, change: bool) -> None:
        actor = _actor(request)
        services.user_set_role(actor=actor, user_id=obj.pk, role=obj.role)
        services.user_set_active(actor=actor, user_id=obj.pk, active=obj.is_active)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "user", "prefix", "scope", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("scope",)
    search_fields = ("name", "prefix", "user__email")
    list_select_related = ("user",)
    exclude = ("digest",)


@admin.register(LoginAttempt)
class LoginAttemptAdmin(ReadOnlyAdmin):
    list_display = ("at", "email", "ip_address", "succeeded", "throttled")
    list_filter = ("succeeded", "throttled")
    search_fields = ("email", "ip_address")


@admin.register(EmailRateEvent)
class EmailRateEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "email", "purpose")
    list_filter = ("purpose",)
    search_fields = ("email",)
