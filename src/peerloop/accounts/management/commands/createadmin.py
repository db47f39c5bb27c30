"""``peerloop createadmin``: create an admin account, or promote an existing one."""

import getpass
import os
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from peerloop.accounts import services
from peerloop.core.roles import SYSTEM, SiteRole


class Command(BaseCommand):
    help = (
        "Create an admin account (or make an existing account an admin) and set its password. "
        "The password is asked for, or read from PEERLOOP_ADMIN_PASSWORD when --no-input is given."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email", help="the admin's email address")
        parser.add_argument("--no-input", action="store_true", help="read the password from PEERLOOP_ADMIN_PASSWORD")

    def handle(self, *args: Any, email: str, no_input: bool, **options: Any) -> None:
        if no_input:
            password = os.environ.get("PEERLOOP_ADMIN_PASSWORD", "")
            if not password:
                raise CommandError("PEERLOOP_ADMIN_PASSWORD is not set")
        else:
            if not sys.stdin.isatty():
                raise CommandError("no terminal to ask for the password: use --no-input with PEERLOOP_ADMIN_PASSWORD")
            password = getpass.getpass("Password (12 characters or more): ")
            if password != getpass.getpass("Password again: "):
                raise CommandError("the two passwords differ")
        try:
            with transaction.atomic():
                user = services.user_ensure(email=email, role=SiteRole.ADMIN)
                services.user_set_role(actor=SYSTEM, user_id=user.pk, role=SiteRole.ADMIN)
                services.user_set_password(user_id=user.pk, password=password, actor=SYSTEM)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"{user.email} is an admin and can log in.")
