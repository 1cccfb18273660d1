"""After the demo's seed and a rebuild, every report opens with figures,
and small cells show as suppressed."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from safepassage.accounts.tests.factories import sign_in
from safepassage.reports.models import ReportCell
from safepassage.reports.registry import REPORTS

from .factories import analyst, headquarters

pytestmark = pytest.mark.django_db


def test_the_demo_cases_fill_every_report_and_small_cells_are_suppressed(client):
    call_command("seed_demo", "--quiet", "--cases", "150")
    out = io.StringIO()
    call_command("reports_refresh", "--rebuild", stdout=out)
    assert "cases counted" in out.getvalue()
    assert ReportCell.objects.filter(cube="army_type").exists()
    sign_in(client, analyst(headquarters()))
    suppressed = 0
    for report in REPORTS:
        html = client.get(reverse("reports:report", args=[report.name])).content.decode()
        assert "report-table" in html, report.name
        suppressed += html.count("[c]</abbr>")
    assert suppressed
