from django.urls import path

from peerloop.feedback import views

app_name = "feedback"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("inbox/rows/", views.inbox_rows, name="inbox_rows"),
    path("items/<int:item_id>/", views.item, name="item"),
    path("items/<int:item_id>/transition/", views.transition, name="transition"),
    path("items/<int:item_id>/tags/", views.tags, name="tags"),
    path("items/<int:item_id>/assign/", views.assign, name="assign"),
    path("items/<int:item_id>/discuss/", views.discuss, name="discuss"),
    path("lessons/", views.lessons, name="lessons"),
    path("lessons/<int:lesson_id>/", views.lesson, name="lesson"),
    path("positions/", views.positions, name="positions"),
    path("positions/learn-from/", views.learn_from, name="learn_from"),
    path("enter/", views.enter, name="enter"),
    path("surveys/", views.surveys, name="surveys"),
    path("surveys/<int:survey_id>/", views.survey, name="survey"),
    path("queue/", views.queue, name="queue"),
    path("sources/", views.sources, name="sources"),
    path("sources/<int:source_id>/", views.source, name="source"),
    path("outgoing-webhooks/", views.outgoing_webhooks, name="outgoing_webhooks"),
    path("outgoing-webhooks/<int:endpoint_id>/", views.outgoing_webhook, name="outgoing_webhook"),
    path("upload/", views.upload, name="upload"),
    path("rules/", views.rules, name="rules"),
    path("rules/<int:rule_id>/delete/", views.rule_delete, name="rule_delete"),
    path("health/", views.health, name="health"),
]
