"""Django admin registrations of the shared kernel: read-only, the log and stream are append-only."""

from django.contrib import admin
from django.http import HttpRequest

from peerloop.core.models import AuditEntry, Interaction, Job


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse only: these rows are written by services and never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "object_repr", "ip_address")
    list_filter = ("action",)
    search_fields = ("actor_label", "action", "object_repr", "object_id")
    date_hierarchy = "at"


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "kind", "actor_id", "target_id", "space_id", "object_type", "object_id", "weight")
    list_filter = ("kind",)
    search_fields = ("kind", "object_id")
    date_hierarchy = "occurred_at"
    show_full_result_count = False  # the stream grows to millions of rows


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ("label", "kind", "status", "done", "total", "started_by", "created_at", "finished_at")
    list_filter = ("status", "kind")
    list_select_related = ("started_by",)
