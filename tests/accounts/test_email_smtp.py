"""Email through a real SMTP server (aiosmtpd on a free localhost port)."""

from email import message_from_bytes
from email.message import Message
import re
import socket

from aiosmtpd.controller import Controller
from django.urls import reverse
import pytest

from peerloop.accounts import services


class Inbox:
    """An SMTP handler keeping what it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_inbox(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    try:
        yield inbox
    finally:
        controller.stop()


def parts(message: Message) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }


def test_password_reset_email_goes_through_smtp(
    client, world, smtp_inbox, settings, django_capture_on_commit_callbacks
):
    settings.DEFAULT_FROM_EMAIL = "Peerloop <peerloop@example.org>"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "member@example.org"})
    assert response.status_code == 200
    assert len(smtp_inbox.messages) == 1
    sender, recipients, message = smtp_inbox.messages[0]
    assert sender == "peerloop@example.org"
    assert recipients == ["member@example.org"]
    assert message["Subject"] == "Reset your Peerloop password"
    assert message["To"] == "member@example.org"
    bodies = parts(message)
    assert set(bodies) == {"text/plain", "text/html"}
    link = re.search(r"http://testserver(/accounts/password/reset/[^\s]+/)", bodies["text/plain"]).group(1)
    assert f'href="http://testserver{link}"' in bodies["text/html"]
    # The link received over SMTP opens the form.
    assert client.get(link).status_code == 200


def test_a_failing_smtp_server_does_not_break_the_request(world, settings, django_capture_on_commit_callbacks, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nobody listens there
    settings.EMAIL_TIMEOUT = 2
    with django_capture_on_commit_callbacks(execute=True):
        assert services.password_reset_request(email="member@example.org") is True
    assert "could not send" in caplog.text
