"""Django admin registrations of spaces."""

from django.contrib import admin

from peerloop.spaces.models import Invitation, Membership, Space


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("person",)


@admin.register(Space)
class SpaceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "slug", "archived", "created_at")
    list_filter = ("kind", "archived")
    search_fields = ("name", "slug")
    filter_horizontal = ("topics",)
    inlines = (MembershipInline,)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("space", "person", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("space__name", "person__name", "person__email")
    list_select_related = ("space", "person")
    raw_id_fields = ("space", "person")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "space", "role", "created_at", "expires_at", "accepted_at", "revoked_at")
    list_filter = ("role",)
    search_fields = ("email", "space__name")
    list_select_related = ("space",)
    raw_id_fields = ("space", "invited_by")
