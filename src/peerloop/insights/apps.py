from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "peerloop.insights"
    label = "insights"
    verbose_name = "Insights"
