from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp

from safepassage.accounts.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account (demo and development only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        if not settings.DEBUG and "local" not in settings.SETTINGS_MODULE:
            raise CommandError("demo_totp runs only with local (demo) settings.")
        device = (
            TOTPDevice.objects.filter(user__username=options["username"], confirmed=True)
            .order_by("-pk")
            .first()
        )
        if device is None:
            raise CommandError("No confirmed authenticator for that username.")
        code = totp(
            device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift
        )
        remaining = device.step - int(time.time() - device.t0) % device.step
        self.stdout.write(f"{code:0{device.digits}d}  (valid for {remaining} s more)")
