from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "peerloop.web"
    label = "web"
    verbose_name = "Web"
