from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "peerloop.core"
    label = "core"
    verbose_name = "Peerloop core"
