from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "peerloop.matching"
    label = "matching"
    verbose_name = "Peer matching"
