from django.apps import AppConfig


class VocabularyConfig(AppConfig):
    name = "peerloop.vocabulary"
    label = "vocabulary"
    verbose_name = "Vocabulary"
