from django.urls import path

from peerloop.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("jobs/<uuid:job_id>/", views.job_detail, name="job"),
    path("admin/", views.admin_hub, name="admin"),
    path("admin/audit/", views.audit_log, name="audit"),
]
