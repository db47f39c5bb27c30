from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "peerloop.people"
    label = "people"
    verbose_name = "Directory"
