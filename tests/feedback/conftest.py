from tests.notifications.helpers import smtp_inbox

__all__ = ["smtp_inbox"]
