"""Django admin registrations of the common vocabulary."""

from django.contrib import admin

from peerloop.vocabulary.models import CompanyValue, Segment, TaggedItem, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent")
    search_fields = ("name", "slug")
    list_select_related = ("parent",)
    raw_id_fields = ("parent",)


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")


@admin.register(CompanyValue)
class CompanyValueAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")


@admin.register(TaggedItem)
class TaggedItemAdmin(admin.ModelAdmin):
    list_display = ("topic", "content_type", "object_id", "created_at")
    list_filter = ("content_type",)
    list_select_related = ("topic", "content_type")
    raw_id_fields = ("topic",)
