from django.urls import path

from peerloop.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("refresh/", views.refresh, name="refresh"),
    path("charts/<slug:chart>.csv", views.chart_csv, name="chart_csv"),
    path("programs/<int:program_id>/", views.program_report, name="program"),
    path("programs/<int:program_id>/report.html", views.program_report_export, name="program_export"),
    path("programs/<int:program_id>/report.pdf", views.program_report_pdf, name="program_pdf"),
    path("people/", views.people, name="people"),
    path("people/toggle/", views.people_toggle, name="people_toggle"),
    path("exports/", views.exports, name="exports"),
]
