"""`report_export`: the list, a CSV like the page's, audited; bad input
answered with a message, never a traceback."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from safepassage.audit.models import AuditEvent
from safepassage.reports import registry, services

from .factories import days_ago, headquarters, person_case, publish_all, unit

pytestmark = pytest.mark.django_db


def test_the_list_names_every_report():
    out = io.StringIO()
    call_command("report_export", "--list", stdout=out)
    names = [line.split("\t")[0] for line in out.getvalue().splitlines()]
    assert names == [report.name for report in registry.REPORTS]


def test_an_export_writes_the_table_with_c_and_total_and_is_audited(tmp_path):
    headquarters()
    place = unit("Command Unit")
    for n in range(12):
        person_case(place, township="MMR013017", opened=days_ago(2 + n))
    person_case(place, township="MMR014001", category="soldier", opened=days_ago(2))
    services.reports_refresh()
    publish_all()
    target = tmp_path / "origin.csv"
    call_command("report_export", "origin_category", "--output", str(target), stdout=io.StringIO())
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert rows[0][-1] == "Total"
    assert rows[-1][0] == "Total"
    assert any("[c]" in row for row in rows)
    assert AuditEvent.objects.filter(action="reports.exported", details__scope="command").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nonesuch", "--output", "x.csv"], "There is no report named"),
        (["origin"], "Give --output"),
        (["origin", "--output", "x.pdf"], "must end in .csv or .xlsx"),
        (
            ["origin", "--output", "x.csv", "--from", "2026-05-01", "--to", "2026-01-01"],
            "ends before it starts",
        ),
        (["origin", "--output", "x.csv", "--unit", "nope"], "no such unit"),
        (["origin", "--output", "x.csv", "--from", "yesterday"], "year-month-day"),
        ([], "Name a report"),
    ],
)
def test_bad_input_gets_a_clear_message(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError, match=message):
        call_command("report_export", *args, stdout=io.StringIO())
