from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "peerloop.demo"
    label = "demo"
    verbose_name = "Peerloop demo organization"
