"""Report pages: scope, bad input, exports that match the page, audit."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.checks import run_checks
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UserFactory, sign_in
from safepassage.audit.models import AuditEvent
from safepassage.reports import services

from .factories import analyst, headquarters, person_case, publish_all, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Every case on the first day of this quarter: one month, one
    quarter, inside every default range; published as if they had closed."""
    hq = headquarters()
    a, b = unit("Unit A"), unit("Unit B")
    today = timezone.localdate()
    first = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    base = timezone.make_aware(dt.datetime.combine(first, dt.time(8)))
    cases = []
    for n in range(12):
        cases.append(person_case(a, township="MMR013017", opened=base + dt.timedelta(minutes=n)))
    for _n in range(3):
        cases.append(person_case(a, township="MMR014001", category="soldier", opened=base))
    for n in range(20):
        cases.append(person_case(b, township="MMR010001", opened=base + dt.timedelta(minutes=n)))
    services.reports_refresh()
    publish_all()
    return {"hq": hq, "a": a, "b": b, "cases": cases}


def _table(html: str) -> list[list[str]]:
    """The report's main table (class counts), cell texts, header first."""
    match = re.search(r'<table class="counts report-table">(.*?)</table>', html, re.S)
    assert match, "no report table"
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([re.sub(r"<[^>]+>", "", c).strip() for c in cells])
    return rows


def test_headquarters_reads_every_unit_and_a_unit_reads_its_own(client, world):
    sign_in(client, analyst(world["hq"]))
    html = client.get(reverse("reports:report", args=["origin"])).content.decode()
    assert _table(html)[-1][-1] == "35"  # everyone of both units
    html = client.get(
        reverse("reports:report", args=["origin"]), {"unit": world["a"].pk}
    ).content.decode()
    assert _table(html)[-1][-1] == "15"  # unit A's row of headquarters' table
    client.logout()
    sign_in(client, analyst(world["a"]))
    html = client.get(reverse("reports:report", args=["origin"])).content.decode()
    assert _table(html)[-1][-1] == "15"  # this unit's only


def test_a_small_cell_is_suppressed_and_shown_as_c(client, world):
    sign_in(client, analyst(world["hq"]))
    html = client.get(reverse("reports:report", args=["origin_category"])).content.decode()
    rows = _table(html)
    assert any("[c]" in row for row in rows)
    # The three soldiers of MMR014 are never shown as 3 at k=10.
    soldiers = [row for row in rows if row[0].startswith("Mandalay") or "MMR014" in row[0]]
    for row in soldiers:
        assert "3" not in row[1:]


def test_another_units_figures_answer_like_an_unknown_unit(client, world):
    sign_in(client, analyst(world["a"]))
    url = reverse("reports:report", args=["origin"])
    other = client.get(url, {"unit": world["b"].pk})
    unknown = client.get(url, {"unit": "999999"})
    assert other.status_code == unknown.status_code == 400
    message = "There is no such unit among those you may see."
    assert message in other.content.decode()
    assert message in unknown.content.decode()
    assert "Unit B" not in other.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-05-01", "end": "2026-01-01"}, "The range ends before it starts."),
        ({"start": "1960-01-01", "end": "2026-01-01"}, "longer than 50 years"),
        ({"start": "2026-13-45"}, "Enter a date as year-month-day."),
        ({"start": "0001-01-01", "end": "0001-02-01"}, "between 1900 and 2200"),
        ({"region": "<script>"}, "place code"),
        ({"unit": "'; DROP TABLE x; --"}, "There is no such unit"),
        ({"period": "fortnight"}, "Weeks are shown at headquarters only"),
        ({"start": "2020-01-01", "end": "2026-01-01", "period": "week"}, "too many periods"),
    ],
)
def test_bad_filters_get_a_clear_message_never_a_500(client, world, params, message):
    sign_in(client, analyst(world["hq"]))
    response = client.get(reverse("reports:report", args=["origin"]), params)
    assert response.status_code == 400
    assert message in response.content.decode()
    export = client.get(reverse("reports:export", args=["origin", "csv"]), params)
    assert export.status_code == 400


def test_a_unit_analyst_may_not_ask_for_weeks(client, world):
    sign_in(client, analyst(world["a"]))
    response = client.get(reverse("reports:report", args=["origin"]), {"period": "week"})
    assert response.status_code == 400
    assert "Weeks are shown at headquarters only" in response.content.decode()


def test_an_unknown_report_is_404_with_a_message(client, world):
    sign_in(client, analyst(world["hq"]))
    response = client.get(reverse("reports:report", args=["nonesuch"]))
    assert response.status_code == 404
    assert "No such report" in response.content.decode()
    assert client.get(reverse("reports:export", args=["origin", "pdf"])).status_code == 404


def test_a_headquarters_report_answers_a_unit_like_an_unknown_one(client, world):
    sign_in(client, analyst(world["a"]))
    hidden = client.get(reverse("reports:report", args=["township"]))
    unknown = client.get(reverse("reports:report", args=["nonesuch"]))
    assert hidden.status_code == unknown.status_code == 404

    def main(response):
        return re.search(r"<main.*</main>", response.content.decode(), re.S).group(0)

    assert main(hidden) == main(unknown)


def test_the_csv_export_matches_the_page_and_is_audited(client, world):
    user = analyst(world["hq"])
    sign_in(client, user)
    params = {"period": "month"}
    html = client.get(reverse("reports:report", args=["origin_category"]), params).content.decode()
    before = AuditEvent.objects.filter(action="reports.exported").count()
    response = client.get(reverse("reports:export", args=["origin_category", "csv"]), params)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    exported = list(csv.reader(io.StringIO(response.content.decode())))
    page = _table(html)
    assert [row[1:] for row in exported] == [row[1:] for row in page]
    assert [row[0] for row in exported[1:]] == [row[0] for row in page[1:]]
    event = AuditEvent.objects.filter(action="reports.exported").latest("pk")
    assert AuditEvent.objects.filter(action="reports.exported").count() == before + 1
    assert event.details == {"report": "origin_category", "scope": "hq", "format": "csv"}


def test_the_xlsx_export_is_audited(client, world):
    sign_in(client, analyst(world["a"]))
    response = client.get(reverse("reports:export", args=["weapons", "xlsx"]))
    assert response.status_code == 200
    assert response.content[:2] == b"PK"
    assert AuditEvent.objects.filter(action="reports.exported", details__scope="unit").exists()


def test_no_page_names_a_case(client, world):
    sign_in(client, analyst(world["hq"]))
    pages = [reverse("reports:dashboard"), reverse("reports:brief")]
    pages += [
        reverse("reports:report", args=[name]) for name in ("flow", "origin", "township", "age_sex")
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert "/cases/" not in html
        for case in world["cases"]:
            assert case.code not in html


def test_every_page_says_how_fresh_its_figures_are(client, world):
    sign_in(client, analyst(world["hq"]))
    for url in (reverse("reports:dashboard"), reverse("reports:report", args=["flow"])):
        assert "Figures as of" in client.get(url).content.decode()


def test_every_report_opens_in_burmese(client, world):
    sign_in(client, analyst(world["hq"]))
    client.cookies["django_language"] = "my"
    from safepassage.reports.registry import REPORTS

    for report in REPORTS:
        response = client.get(
            reverse("reports:report", args=[report.name]), HTTP_ACCEPT_LANGUAGE="my"
        )
        assert response.status_code == 200, report.name


def test_a_table_read_in_english_first_is_not_served_in_english_to_burmese(client, world):
    from safepassage.geo.models import State

    state = State.objects.get(pcode="MMR013")
    assert state.name_my, "the reference data names the region in Burmese"
    sign_in(client, analyst(world["hq"]))
    url = reverse("reports:report", args=["origin"])
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert state.name_en in english
    client.cookies["django_language"] = "my"
    burmese = client.get(url, HTTP_ACCEPT_LANGUAGE="my").content.decode()
    assert state.name_my in burmese


def test_other_roles_are_refused(client, world):
    sign_in(client, UserFactory(unit=world["hq"], roles=[Role.INTAKE_OPERATOR]))
    assert client.get(reverse("reports:dashboard")).status_code == 403


@pytest.mark.parametrize("name", ["SAFEPASSAGE_REPORTS_K", "SAFEPASSAGE_REPORTS_UNIT_K"])
@pytest.mark.parametrize("value", [1, 0, -3, "10", True])
def test_a_threshold_below_two_fails_the_system_check(name, value):
    with override_settings(**{name: value}):
        errors = [e for e in run_checks() if e.id.startswith("reports.")]
    assert errors
    assert name in errors[0].msg


def test_the_default_thresholds_pass_the_system_check():
    assert not [e for e in run_checks() if e.id.startswith("reports.")]
