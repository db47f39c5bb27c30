from django.urls import path

from peerloop.programs import views

app_name = "programs"

urlpatterns = [
    path("", views.program_list, name="list"),
    path("new/", views.program_create, name="create"),
    path("templates/", views.program_templates, name="templates"),
    path("<int:program_id>/", views.program_detail, name="detail"),
    path("<int:program_id>/edit/", views.program_edit, name="edit"),
    path("<int:program_id>/status/", views.program_status, name="status"),
    path("<int:program_id>/kpis/", views.kpi_set, name="kpi_set"),
    path("<int:program_id>/kpis/<int:metric_id>/remove/", views.kpi_remove, name="kpi_remove"),
    path("metrics/", views.metric_list, name="metrics"),
    path("metrics/new/", views.metric_create, name="metric_create"),
    path("metrics/<int:metric_id>/edit/", views.metric_edit, name="metric_edit"),
    path("metrics/import/", views.metric_import, name="metric_import"),
]
