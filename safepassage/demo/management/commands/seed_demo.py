from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.demo.cases import DEFAULT_BATCH, DEFAULT_CASES, demo_cases_seed
from safepassage.demo.seed import demo_password, demo_settings_active, seed_demo_accounts
from safepassage.vault.exceptions import VaultError

# Settings under which invented cases may be written: never production.


class Command(BaseCommand):
    help = (
        "Load invented demo data and print the demo logins. Units and staff are kept "
        "when they exist. Cases (every workflow status, people, service records, "
        "timelines, tasks, pending transfers) are added only while the demo units hold "
        "none, unless --add is given. DEMO DATA ONLY: cases are written in bulk, "
        "bypassing the case services, and the run is audited as ONE 'demo.seeded' "
        "event with counts instead of one event per change. Refused outside local "
        "and test settings."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Do not print the logins.")
        parser.add_argument(
            "--cases",
            type=int,
            default=DEFAULT_CASES,
            metavar="N",
            help=f"How many cases to add (default {DEFAULT_CASES}; 0 adds none).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=0,
            help="Random seed: the same seed gives the same people and timelines.",
        )
        parser.add_argument(
            "--add",
            action="store_true",
            help="Add cases even if the demo already has some.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH,
            help=f"Cases per transaction (default {DEFAULT_BATCH}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["cases"] < 0 or not 0 <= options["seed"] < 2**31:
            raise CommandError("--cases must be 0 or more and --seed between 0 and 2**31-1.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        if options["cases"] and not demo_settings_active():
            raise CommandError("Demo cases are written only with local or test settings.")
        try:
            logins = seed_demo_accounts()
            self._seed_cases(options)
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

    def _seed_cases(self, options: dict[str, Any]) -> None:
        started = time.monotonic()
        verbose = options["verbosity"] >= 1 and not options["quiet"]

        def progress(done: int, total: int) -> None:
            if verbose and total > options["batch_size"]:
                elapsed = time.monotonic() - started
                self.stderr.write(f"cases: {done:,}/{total:,} ({elapsed:.0f} s)")

        result = demo_cases_seed(
            count=options["cases"],
            seed=options["seed"],
            add=options["add"],
            batch_size=options["batch_size"],
            progress=progress,
        )
        if not verbose:
            return
        if result.skipped:
            self.stdout.write(
                f"The demo already has {result.existing:,} cases; none added "
                "(pass --add to add more)."
            )
        elif result.added.cases:
            added = result.added
            self.stdout.write(
                f"Added {added.cases:,} cases ({added.events:,} timeline events, "
                f"{added.tasks:,} tasks, {added.transfers:,} pending transfers) "
                f"in {time.monotonic() - started:.1f} s."
            )
