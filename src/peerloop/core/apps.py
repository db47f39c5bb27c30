from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "peerloop.core"
    label = "core"
    verbose_name = "Peerloop core"

    def ready(self) -> None:
        from peerloop.core.pagination import cap_offset

        cap_offset()
