from django.urls import path

from peerloop.vocabulary import views

app_name = "vocabulary"

urlpatterns = [
    path("", views.index, name="index"),
    path("topics/new/", views.topic_create, name="topic_create"),
    path("topics/<int:topic_id>/edit/", views.topic_edit, name="topic_edit"),
    path("topics/<int:topic_id>/delete/", views.topic_delete, name="topic_delete"),
    path("segments/new/", views.segment_create, name="segment_create"),
    path("segments/<int:segment_id>/edit/", views.segment_edit, name="segment_edit"),
    path("segments/<int:segment_id>/delete/", views.segment_delete, name="segment_delete"),
    path("values/new/", views.value_create, name="value_create"),
    path("values/<int:value_id>/edit/", views.value_edit, name="value_edit"),
    path("values/<int:value_id>/delete/", views.value_delete, name="value_delete"),
    path("import/", views.import_view, name="import"),
]
