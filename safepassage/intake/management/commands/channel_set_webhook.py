"""``manage.py channel_set_webhook NAME --base-url https://HOST``: tell the
provider where to deliver.

Telegram: `setWebhook` with the channel's secret token, through
python-telegram-bot against the channel's API address. Facebook: the page
subscribes the app to its `messages` and `messaging_postbacks` (the
callback URL and verify token are set once in the app's dashboard; the
command prints them). Errors are printed without the token.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.audit.services import audit_record
from safepassage.intake.channels.base import SetupRefused
from safepassage.intake.channels.facebook.setup import page_subscribe
from safepassage.intake.channels.telegram.setup import webhook_register
from safepassage.intake.models import Channel, ChannelKind
from safepassage.vault.exceptions import VaultError


class Command(BaseCommand):
    help = "Register a channel's webhook address with its provider."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the channel's name (channel_add --name)")
        parser.add_argument("--base-url", required=True, help="https://the.public.host")

    def handle(self, *args: Any, **options: Any) -> None:
        base = options["base_url"].rstrip("/")
        parts = urlsplit(base)
        loopback = parts.hostname in ("127.0.0.1", "localhost")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise CommandError("--base-url must be https:// (providers deliver only there).")
        try:
            channel = Channel.objects.filter(name=options["name"], is_active=True).first()
            if channel is None:
                raise CommandError(f"No active channel named {options['name']!r}.")
            url = base + channel.webhook_path()
            if channel.kind == ChannelKind.TELEGRAM:
                # Decrypted here: the ORM is not for the event loop.
                webhook_register(
                    api_url=channel.api_url,
                    token=channel.token or "",
                    secret=channel.webhook_secret,
                    url=url,
                )
                self.stdout.write(f"Telegram will deliver to {url}")
            else:
                page_subscribe(api_url=channel.api_url, token=channel.token or "")
                self.stdout.write(
                    f"The page is subscribed. In the app's dashboard, the callback URL is {url} "
                    f"and the verify token is {channel.webhook_secret}"
                )
            audit_record(
                actor=None,
                action="intake.webhook_registered",
                target=channel,
                details={"kind": channel.kind},
            )
        except SetupRefused as exc:
            raise CommandError(str(exc)) from None
        except VaultError as exc:
            raise CommandError(f"{exc} Unlock the key ring first.") from None
