"""``manage.py intake_drain``: move the webhook spool into the database now.

The background worker does this after each spool rotation; run this after
a worker outage, or from cron as a safety net. Files of live server
processes are left alone (they hold a lock on them)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safepassage.intake.spool import spool_drain
from safepassage.vault import keyring
from safepassage.vault.exceptions import VaultError


class Command(BaseCommand):
    help = "Move the webhook spool files into the database."

    def handle(self, *args: Any, **options: Any) -> None:
        if not keyring.is_unlocked() and not keyring.try_unlock_from_environment():
            raise CommandError("The key ring is locked: set SAFEPASSAGE_PASSPHRASE_FILE.")
        try:
            result = spool_drain()
        except VaultError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{result.files} files, {result.records} records, {result.stored} new updates"
            f"{f', {result.tampered} set aside as tampered' if result.tampered else ''}"
            f"{f', {result.cut_short} cut short by a crash' if result.cut_short else ''}"
        )
