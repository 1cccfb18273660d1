from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safepassage.ledger.verify import ledger_verify


class Command(BaseCommand):
    help = (
        "Check the ledger: recompute the MAC chain over every transaction and entry, "
        "check each transaction balances, and compare every running balance with the "
        "sum of its entries. Exits non-zero, naming each bad row, on any problem."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = ledger_verify()
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(problem)
            raise CommandError(f"The ledger fails verification: {len(report.problems)} problem(s).")
        self.stdout.write(
            self.style.SUCCESS(
                f"Ledger verified: {report.transactions} transactions, {report.entries} entries, "
                f"{report.accounts} balances."
            )
        )
