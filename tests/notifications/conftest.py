from tests.notifications.helpers import smtp_down, smtp_inbox

__all__ = ["smtp_down", "smtp_inbox"]
