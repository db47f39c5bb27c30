from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "peerloop.notifications"
    label = "notifications"
    verbose_name = "Notifications"
