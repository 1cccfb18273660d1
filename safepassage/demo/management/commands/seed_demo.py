from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.demo.seed import demo_password, seed_demo_accounts
from safepassage.vault.exceptions import VaultError


class Command(BaseCommand):
    help = "Load invented demo data (units and staff) and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Do not print the logins.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            logins = seed_demo_accounts()
        except VaultError as exc:
            raise CommandError(
                f"{exc} The demo key ring passphrase is in var/demo-passphrase; "
                "run `make demo`, which sets SAFEPASSAGE_PASSPHRASE_FILE."
            ) from None
        if options["quiet"]:
            return
        out = self.stdout
        out.write("")
        out.write(self.style.SUCCESS("SafePassage demo: invented data only."))
        out.write("Open http://127.0.0.1:8000 and sign in.")
        out.write(f"Password for every demo account: {demo_password()}")
        out.write(
            "Second factor: add the TOTP secret to an authenticator app, or print the "
            "current code with `.venv/bin/python manage.py demo_totp USERNAME`."
        )
        out.write("")
        out.write(f"{'username':<18} {'role':<22} {'unit':<42} TOTP secret")
        for login in logins:
            out.write(
                f"{login.username:<18} {login.role!s:<22} {login.unit:<42} {login.totp_secret_b32}"
            )
        out.write("")
