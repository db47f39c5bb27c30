from django.urls import path

from peerloop.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("badge/", views.badge, name="_badge"),
    path("email-preferences/", views.email_preferences, name="email_preferences"),
    path("read-all/", views.notification_read_all, name="read_all"),
    path("<int:notification_id>/read/", views.notification_read, name="read"),
    path("dead-letters/", views.dead_letters, name="dead_letters"),
    path("dead-letters/<int:email_id>/retry/", views.dead_letter_retry, name="dead_letter_retry"),
]
