"""``manage.py intake_purge [--days N]``: destroy what intake keeps past retention.

Raw channel updates older than the period, and contacts that never became
cases and have been silent as long (with their messages and replies); and
it queues the erasing of Telegram chats quiet for
SAFEPASSAGE_INTAKE_CHAT_ERASE_AFTER_HOURS (the Bot API deletes messages
only up to 48 hours old).

Default retention: SAFEPASSAGE_INTAKE_RAW_RETENTION_DAYS (30). Run it
hourly (a systemd timer or cron; deploy/ has the service's environment).
Each update's data key is shredded before its row is deleted. Prints counts.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.intake.outbox import chats_erase_due
from safepassage.intake.resuming import resume_guards_prune
from safepassage.intake.services import updates_purge
from safepassage.vault.exceptions import VaultError


class Command(BaseCommand):
    help = "Destroy raw channel updates older than the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, help="keep this many days (default: settings)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            purged = updates_purge(days=options["days"])
            erasing = chats_erase_due()
            resume_guards_prune()
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except VaultError as exc:
            raise CommandError(f"{exc} Unlock the key ring first.") from None
        self.stdout.write(
            f"Destroyed {purged.updates:,} raw updates received before "
            f"{purged.cutoff:%Y-%m-%d %H:%M} UTC, and {purged.contacts:,} contacts "
            f"that never became cases and were silent since; erasing {erasing:,} quiet "
            "Telegram chats."
        )
