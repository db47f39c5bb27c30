from django.urls import path

from peerloop.matching import views

app_name = "matching"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("history/", views.history, name="history"),
    path("matches/<int:match_id>/followup/", views.followup, name="followup"),
    path("preferences/", views.preferences, name="preferences"),
    path("peers/", views.find_peers, name="peers"),
    path("intros/", views.intros, name="intros"),
    path("intros/<int:intro_id>/answer/", views.intro_answer, name="intro_answer"),
    path("programs/", views.programs, name="programs"),
    path("programs/<int:program_id>/", views.setup, name="setup"),
    path("programs/<int:program_id>/preview/", views.preview, name="preview"),
    path("programs/<int:program_id>/health/", views.health, name="health"),
    path("rounds/<int:round_id>/", views.round_detail, name="round"),
    path("rounds/<int:round_id>/publish/", views.publish, name="publish"),
]
