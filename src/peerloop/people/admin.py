"""Django admin registrations of the directory."""

from django.contrib import admin

from peerloop.people.models import Person, Region, Unit


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "kind", "title", "unit", "region", "level", "active")
    list_filter = ("kind", "active", "level")
    search_fields = ("name", "email", "external_id", "title")
    list_select_related = ("unit", "region")
    raw_id_fields = ("user", "unit", "region", "manager")
    filter_horizontal = ("topics",)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "parent")
    search_fields = ("name", "code")
    list_select_related = ("parent",)
    raw_id_fields = ("parent",)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")
