from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    name = "peerloop.recognition"
    label = "recognition"
    verbose_name = "Recognition"
