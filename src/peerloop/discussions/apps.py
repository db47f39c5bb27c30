from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "peerloop.discussions"
    label = "discussions"
    verbose_name = "Peer discussions and knowledge"
