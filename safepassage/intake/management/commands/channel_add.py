"""``manage.py channel_add telegram|facebook --name NAME --token TOKEN [...]``.

Adds a channel and prints the webhook path and the secret to register with
the provider (Telegram: `setWebhook`'s `secret_token`; Facebook: the
verify token). `--token -` reads the token from standard input, so that it
stays out of the shell history and the process list.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.accounts.models import Unit
from safepassage.intake.models import ChannelKind
from safepassage.intake.services import channel_create
from safepassage.vault.exceptions import VaultError


class Command(BaseCommand):
    help = "Add a Telegram bot or a Facebook page as a channel; print its webhook path and secret."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=ChannelKind.values)
        parser.add_argument("--name", required=True)
        parser.add_argument("--token", required=True, help="the token, or - to read it from stdin")
        parser.add_argument("--api-url", default="", help="the provider's API base address")
        parser.add_argument("--unit", type=int, help="id of the unit that runs it (default: HQ)")
        parser.add_argument(
            "--app-secret", default="", help="Facebook app secret, or - to read it from stdin"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        token = _value(options["token"])
        app_secret = _value(options["app_secret"]) if options["app_secret"] else ""
        unit = None
        if options["unit"] is not None:
            unit = Unit.objects.filter(pk=options["unit"], is_active=True).first()
            if unit is None:
                raise CommandError(f"No active unit with id {options['unit']}.")
        try:
            channel = channel_create(
                actor=None,
                kind=options["kind"],
                name=options["name"],
                token=token,
                api_url=options["api_url"],
                unit=unit,
                app_secret=app_secret,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except VaultError as exc:
            raise CommandError(f"{exc} Unlock the key ring first.") from None
        self.stdout.write(f"Channel {channel.name!r} added ({channel.kind}).")
        self.stdout.write(f"Webhook path: {channel.webhook_path()}")
        label = "secret_token" if channel.kind == ChannelKind.TELEGRAM else "verify token"
        self.stdout.write(
            f"Webhook {label} (shown once here; kept encrypted): {channel.webhook_secret}"
        )


def _value(given: str) -> str:
    if given != "-":
        return given
    return sys.stdin.readline().strip()
