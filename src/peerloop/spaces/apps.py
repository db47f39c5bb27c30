from django.apps import AppConfig


class SpacesConfig(AppConfig):
    name = "peerloop.spaces"
    label = "spaces"
    verbose_name = "Spaces"
