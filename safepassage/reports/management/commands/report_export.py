"""`report_export --list`; `report_export NAME --output FILE.csv [--from
DATE --to DATE] [--unit CODE] [--period week|month]`.

Run on the server by an operator: headquarters' scope and k. The same
filters, the same suppression and the same table as the report's page;
every export is audited (actor: the system, the operator's shell).
A unit CODE is the unit's number as the reports' unit filter shows it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from safepassage.audit.management.commands._unlock import ensure_vault_open
from safepassage.reports import registry, selectors, services
from safepassage.reports.exports import write_csv, write_xlsx
from safepassage.reports.forms import ReportFilterForm
from safepassage.reports.policies import Scope, reports_k


class Command(BaseCommand):
    help = "List the reports, or write one as CSV or XLSX with its suppression."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?")
        parser.add_argument("--list", action="store_true", help="name the reports")
        parser.add_argument("--output", help="FILE.csv or FILE.xlsx")
        parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="last day, YYYY-MM-DD")
        parser.add_argument("--unit", help="a unit's code (its number)")
        parser.add_argument("--period", choices=["week", "month"], default="month")
        parser.add_argument("--passphrase-file")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for report in registry.REPORTS:
                self.stdout.write(f"{report.name}\t{report.title}")
            return
        name = options["name"]
        if not name:
            raise CommandError("Name a report (see --list).")
        found = registry.report_get(name)
        if found is None:
            raise CommandError(f"There is no report named {name!r} (see --list).")
        report = found
        output = options["output"]
        if not output:
            raise CommandError("Give --output FILE.csv or FILE.xlsx.")
        path = Path(output)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in ("csv", "xlsx"):
            raise CommandError("The output file must end in .csv or .xlsx.")
        scope = Scope(headquarters=True, unit_ids=None, k=reports_k(), weeks_allowed=True)
        data = {
            "start": options["start"] or "",
            "end": options["end"] or "",
            "period": options["period"],
            "unit": options["unit"] or "",
        }
        form = ReportFilterForm(data, scope=scope, today=timezone.localdate())
        if not form.is_valid():
            messages = [str(m) for errors in form.errors.values() for m in errors]
            raise CommandError(" ".join(messages))
        result = selectors.report_table(scope=scope, report=report, filters=form.filters())
        ensure_vault_open(options.get("passphrase_file"))
        with transaction.atomic():
            services.report_exported_record(
                actor=None, report=report.name, scope="command", fmt=fmt
            )
            try:
                if fmt == "csv":
                    with path.open("w", encoding="utf-8", newline="") as text:
                        write_csv(result.published, text, title=str(report.title))
                else:
                    with path.open("wb") as binary:
                        write_xlsx(result.published, binary, title=str(report.title))
            except OSError as exc:
                raise CommandError(f"Cannot write {path}: {exc.strerror}") from None
        self.stdout.write(
            f"{report.name}: {len(result.published.row_labels)} rows x "
            f"{len(result.published.col_labels)} columns written to {path} "
            f"({_as_of()})"
        )


def _as_of() -> str:
    when = selectors.figures_as_of()
    if when is None:
        return "figures not computed yet: run reports_refresh --rebuild"
    return "figures as of " + timezone.localtime(when).isoformat(timespec="minutes")
