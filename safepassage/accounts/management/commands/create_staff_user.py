"""Create a member of staff with a ready authenticator.

    manage.py create_staff_user USERNAME --unit "Unit name" --role unit_handler \
        [--role ...] [--password-stdin]

Prints the authenticator key and its otpauth:// URI once: hand them over
in person. Without --password-stdin a random password is printed too.
"""

from __future__ import annotations

import secrets
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.accounts import selectors, services
from safepassage.accounts.models import Unit
from safepassage.accounts.roles import Role


class Command(BaseCommand):
    help = "Create a member of staff in a unit, with roles and an authenticator."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--unit", required=True, help="Name of an existing unit.")
        parser.add_argument(
            "--role",
            action="append",
            default=[],
            choices=Role.values,
            help="A role to grant; repeat for several.",
        )
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the password from the first line of standard input.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        unit = Unit.objects.filter(name=options["unit"]).first()
        if unit is None:
            raise CommandError("No unit with that name.")
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
            generated = False
        else:
            password = secrets.token_urlsafe(15)
            generated = True
        try:
            user = services.user_create(
                actor=None,
                username=options["username"],
                unit=unit,
                roles=options["role"],
                password=password,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        device = services.totp_device_provision(actor=None, user=user)
        self.stdout.write(f"Created user id {user.pk}.")
        if generated:
            self.stdout.write(f"Password: {password}")
        self.stdout.write(f"Authenticator key: {selectors.totp_secret_text(device=device)}")
        self.stdout.write(f"Authenticator URI: {selectors.totp_provisioning_uri(device=device)}")
