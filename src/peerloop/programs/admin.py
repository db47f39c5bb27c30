"""Django admin registrations of programs, metrics and KPIs."""

from django.contrib import admin

from peerloop.programs.models import Kpi, Metric, MetricValue, Program


class KpiInline(admin.TabularInline):
    model = Kpi
    extra = 0
    raw_id_fields = ("metric",)


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "owner", "sponsor", "starts_on", "ends_on")
    list_filter = ("status",)
    search_fields = ("name", "slug", "objective")
    list_select_related = ("owner", "sponsor")
    raw_id_fields = ("owner", "sponsor", "audience_space")
    inlines = (KpiInline,)


@admin.register(Metric)
class MetricAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "direction", "unit_label")
    search_fields = ("code", "name")


@admin.register(Kpi)
class KpiAdmin(admin.ModelAdmin):
    list_display = ("program", "metric", "baseline", "target", "target_date")
    list_select_related = ("program", "metric")
    raw_id_fields = ("program", "metric")


@admin.register(MetricValue)
class MetricValueAdmin(admin.ModelAdmin):
    list_display = ("metric", "unit", "person", "period_start", "period_end", "value", "source")
    list_filter = ("metric", "source")
    list_select_related = ("metric", "unit", "person")
    raw_id_fields = ("metric", "unit", "person")
    date_hierarchy = "period_start"
