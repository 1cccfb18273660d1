from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.accounts.models import Unit
from safepassage.crossing.forms import StaffChannelForm
from safepassage.crossing.services import CrossingRefused, staff_channel_save


class Command(BaseCommand):
    help = (
        "Set a unit's staff alerts channel (a Telegram chat of its staff, through a bot): "
        "where crossing alerts are also sent. `--token -` reads the token from standard "
        "input, so that it stays out of the shell history."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("unit", help="the unit's id or exact name")
        parser.add_argument("--chat-id", required=True)
        parser.add_argument("--token", default="", help="bot token, or - for standard input")
        parser.add_argument("--api-url", default="https://api.telegram.org")
        parser.add_argument("--off", action="store_true", help="keep it, but send nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        wanted = str(options["unit"])
        unit = (
            Unit.objects.filter(pk=int(wanted)).first()
            if wanted.isdigit()
            else Unit.objects.filter(name=wanted).first()
        )
        if unit is None:
            raise CommandError("No such unit.")
        token = options["token"]
        if token == "-":  # noqa: S105 (standard input, not a password)
            token = sys.stdin.readline().strip()
        form = StaffChannelForm(
            {
                "chat_id": options["chat_id"],
                "token": token,
                "api_url": options["api_url"],
                "is_active": not options["off"],
            }
        )
        if not form.is_valid():
            raise CommandError("; ".join(str(e) for errors in form.errors.values() for e in errors))
        try:
            staff_channel_save(actor=None, unit_id=unit.pk, **form.cleaned_data)
        except CrossingRefused as refused:
            raise CommandError(str(refused.message)) from None
        self.stdout.write(f"Staff alerts channel of {unit.name} saved.")
