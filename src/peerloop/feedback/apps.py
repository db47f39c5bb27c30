from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "peerloop.feedback"
    label = "feedback"
    verbose_name = "Feedback loop"
