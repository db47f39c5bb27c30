"""Helpers of the notification tests: a real SMTP server, outbox rows, parsing."""

from datetime import timedelta
from email import message_from_bytes
from email.message import Message
import socket
import threading

from aiosmtpd.controller import Controller
from django.utils import timezone
import pytest

from peerloop.notifications.models import OutgoingEmail


class Inbox:
    """An SMTP handler keeping what it receives; ``hold`` makes it wait before accepting."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []
        self.hold: threading.Event | None = None
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.arrived.set()
        if self.hold is not None:
            self.hold.wait(timeout=30)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def use_smtp(settings, port: int, *, timeout: int = 10) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = timeout


@pytest.fixture
def smtp_inbox(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    use_smtp(settings, controller.port)
    settings.DEFAULT_FROM_EMAIL = "Peerloop <peerloop@example.org>"
    try:
        yield inbox
    finally:
        if inbox.hold is not None:
            inbox.hold.set()
        controller.stop()


@pytest.fixture
def smtp_down(settings):
    """Email settings pointing at a port where nobody listens."""
    use_smtp(settings, free_port(), timeout=2)


def dead_letter(*, to: str = "member@example.org", subject: str = "Your peer match this week") -> OutgoingEmail:
    """An outbox row that failed all its attempts (test set-up, written directly)."""
    return OutgoingEmail.objects.create(
        to=to,
        subject=subject,
        text="Meet your peer.",
        status=OutgoingEmail.Status.DEAD,
        attempts=5,
        last_error="ConnectionRefusedError: [Errno 111] Connection refused",
        dedupe_key=f"test:{subject}:{to}",
        created_at=timezone.now() - timedelta(hours=3),
    )


def parts(message: Message) -> dict[str, str]:
    """The non-multipart parts of a message by content type, decoded."""
    return {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
