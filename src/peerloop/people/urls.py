from django.urls import path

from peerloop.people import views

app_name = "people"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("<int:person_id>/", views.profile, name="profile"),
    path("orgchart/", views.orgchart, name="orgchart"),
    path("orgchart/<int:person_id>/reports/", views.orgchart_reports, name="orgchart_reports"),
    path("import/", views.import_people, name="import"),
    path("import/apply/", views.import_apply, name="import_apply"),
    path("export.csv", views.export_people, name="export"),
]
