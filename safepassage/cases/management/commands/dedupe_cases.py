"""``manage.py dedupe_cases``: find people registered more than once, across units.

Decrypts every registered person (the key ring must be unlocked), runs the
same batch de-duplication as ``dedupe_csv`` (and, for people with aliases
or more than one phone, a search of each in the screening engine's index,
which compares those too) and records each group of two
or more cases as a proposal (`DuplicateProposal`), once: a group already
proposed, whatever was decided, is not proposed again. Screening officers
see the proposals on each case's Screening page and confirm or reject them;
nothing is merged here.

A person whose stored row fails its integrity check is left out, given an
integrity alert for headquarters (once per row), and counted in the
output; the others are compared as usual.

Prints counts only, never a name or a case code.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from safepassage.cases.screening.records import Unreadable, registered_records
from safepassage.cases.screening.services import duplicates_propose
from safepassage.screening.dedupe import dedupe_records
from safepassage.screening.engine import MATCH_THRESHOLD
from safepassage.vault.exceptions import VaultError


class Command(BaseCommand):
    help = "Propose groups of cases that look like one person registered more than once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--threshold",
            type=float,
            default=MATCH_THRESHOLD,
            help=f"score from which two people are taken for one (default {MATCH_THRESHOLD})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 < options["threshold"] <= 100:
            raise CommandError("--threshold must be above 0 and at most 100.")
        unreadable = Unreadable()
        try:
            records = [
                record
                for batch in registered_records(unreadable=unreadable)
                for record, _updated in batch
            ]
            result = dedupe_records(
                records, this_year=timezone.now().year, threshold=options["threshold"]
            )
            members: dict[int, list[int]] = defaultdict(list)
            scores: dict[int, float] = defaultdict(float)
            for record, label, best in zip(
                records, result.clusters, result.best_scores, strict=True
            ):
                members[label].append(int(record.id))
                scores[label] = max(scores[label], best)
            groups = [(ids, scores[label]) for label, ids in members.items() if len(ids) > 1]
            new, existing = duplicates_propose(groups=groups)
        except VaultError as exc:
            raise CommandError(f"{exc} Unlock the key ring first.") from None
        self.stdout.write(
            f"Read {len(records):,} people: {len(groups):,} groups look like double "
            f"registrations ({new:,} new proposals, {existing:,} proposed before). "
            "Screening officers decide on each case's Screening page."
        )
        if unreadable.cases:
            unreadable.report(found_in="cases.dedupe_cases")
            self.stderr.write(
                f"Left out {len(unreadable.cases):,} people whose stored records failed their "
                "integrity check; headquarters has an integrity alert for each record."
            )
