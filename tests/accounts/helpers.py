"""Helpers of the account and space tests."""

import re

from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

CSRF = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


def post_login(client: Client, email: str, password: str = PASSWORD, *, ip: str = "10.0.0.1", **extra: str):
    return client.post(reverse("accounts:login"), {"email": email, "password": password}, REMOTE_ADDR=ip, **extra)


def without_csrf(html: bytes) -> str:
    """A page's text with its per-response CSRF tokens blanked, to compare two answers."""
    return CSRF.sub(r"\1", html.decode())


def link_in(message: mail.EmailMessage) -> str:
    """The path of the one Peerloop link in an email."""
    found = re.findall(r"https?://[^/\s]+(/[^\s\"<]+)", message.body)
    assert len(set(found)) == 1, found
    return found[0]
