"""Print the chain head as SEQ:MAC, to be kept outside this server."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from safepassage.audit.verify import verify_stored_chain

from ._unlock import ensure_vault_open


class Command(BaseCommand):
    help = (
        "Verify the chain, then print its head as SEQ:MAC. Write it down elsewhere "
        "(paper, another machine) and later run `audit_verify --expect-head SEQ:MAC`: "
        "that catches a rewrite by someone who holds the key ring."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--passphrase-file")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_vault_open(options["passphrase_file"])
        # Verify first: anchoring a head that is already forged would bless it.
        result = verify_stored_chain()
        if not result.ok:
            self.stderr.write(
                f"Not printing a head: the chain fails at event #{result.bad_sequence}: "
                f"{result.message}. Run audit_verify."
            )
            sys.exit(1)
        self.stdout.write(f"{result.last_sequence}:{result.last_mac}")
