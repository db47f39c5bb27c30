from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "peerloop.programs"
    label = "programs"
    verbose_name = "Programs"
